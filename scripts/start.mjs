// `npm start`: build when dist/ is missing or older than src/, then run the compiled server.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { staleBuild } from './build-freshness.mjs';

const rootDir = fileURLToPath(new URL('..', import.meta.url));
const entry = 'dist/server.js';
if (staleBuild(rootDir, entry) !== null) {
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: rootDir, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
await import(new URL(`../${entry}`, import.meta.url).href);
