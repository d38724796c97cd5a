/**
 * The load driver (load-driver.ts) as a child process, so a kill of a server is not a kill of its
 * clients: the crash loop and the cluster suites pause it (SIGSTOP) while they audit.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { DriverConfig } from './load-driver.js';
import { REPO_ROOT } from './server-process.js';

export interface DriverProcess { ready: Promise<void>; pause(): void; resume(): void; stop(): Promise<void> }

export function startDriverProcess(config: DriverConfig): DriverProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/reliability/support/load-driver.ts'), JSON.stringify(config)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('driver ready')) resolve();
    });
    void exited.then(() => reject(new Error('load driver exited before it was ready')));
  });
  return {
    ready,
    pause: () => child.kill('SIGSTOP'),
    resume: () => child.kill('SIGCONT'),
    async stop() {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
