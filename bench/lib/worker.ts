/**
 * In-process measurements (engine without HTTP, waiting room, database builds) run in a child Node
 * process each, so their heap figures and GC are their own and not the runner's. A worker prints
 * progress on stderr and its result as the last line of stdout, prefixed with RESULT_PREFIX.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const RESULT_PREFIX = 'BENCH_RESULT ';

export async function runWorker<T>(rootDir: string, script: string, args: unknown, options: { nodeArgs?: string[]; log: (line: string) => void; timeoutMs?: number }): Promise<T> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', join(rootDir, 'bench', 'workers', script), JSON.stringify(args)], {
    cwd: rootDir, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderrTail = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    const text = chunk.toString('utf8');
    stderrTail = (stderrTail + text).slice(-4_000);
    for (const line of text.split('\n')) if (line.trim() !== '') options.log(`  ${script}: ${line}`);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 900_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const resultLine = stdout.split('\n').reverse().find((line) => line.startsWith(RESULT_PREFIX));
  if (code !== 0 || resultLine === undefined) throw new Error(`worker ${script} exited with ${code}: ${stderrTail.slice(-1_000)}`);
  return JSON.parse(resultLine.slice(RESULT_PREFIX.length)) as T;
}

/** Worker side: reads the JSON argument, runs, prints the result line. */
export async function workerMain<A, R>(body: (args: A) => Promise<R>): Promise<void> {
  try {
    const result = await body(JSON.parse(process.argv[2] ?? '{}') as A);
    process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}

/** Forces two full collections (needs --expose-gc) and returns the used heap. */
export function settledHeapBytes(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the worker with --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
