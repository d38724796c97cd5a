// `npm start`: build when dist/ is missing or older than src/, then run the compiled server in this process.
// package.json runs it with `exec`, so this process is npm's direct child: npm forwards SIGTERM and SIGINT
// only to its child, and a shell in between would die of them and leave the server running orphaned.
// Here they reach the server's own handlers, which shut down cleanly and exit 0, and so does npm.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { staleBuild } from './build-freshness.mjs';

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'];

const rootDir = fileURLToPath(new URL('..', import.meta.url));
const entry = 'dist/server.js';
const stale = staleBuild(rootDir, entry);
if (stale !== null) {
  process.stderr.write(`npm start: ${stale}; building first\n`);
  const status = await build();
  if (status !== 0) process.exit(status);
}
await import(new URL(`../${entry}`, import.meta.url).href);

/**
 * `npm run build` in its own process group: a stop signal during the build ends tsc as well (npm would
 * pass it only to its shell), and start-up stops there, cleanly, since nothing runs yet.
 */
function build() {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'build'], { cwd: rootDir, stdio: 'inherit', detached: true });
    let stoppedBy = null;
    const stop = (signal) => {
      stoppedBy = signal;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group has already exited
      }
    };
    const done = (status) => {
      for (const signal of STOP_SIGNALS) process.off(signal, stop);
      resolve(status);
    };
    for (const signal of STOP_SIGNALS) process.on(signal, stop);
    child.on('exit', (code) => {
      if (stoppedBy !== null) {
        process.stderr.write(`npm start: ${stoppedBy} during the build; not starting\n`);
        process.exit(0);
      }
      done(code ?? 1);
    });
    child.on('error', (error) => {
      process.stderr.write(`npm start: cannot run the build: ${error.message}\n`);
      done(1);
    });
  });
}
