/** Helpers shared by scenarios: process paths, temp files, cleanup of what a scenario started. */
import { join } from 'node:path';
import type { BenchPaths, ServerProcess } from './processes.js';
import type { LoadResult } from './load.js';
import type { RunContext } from './types.js';

export function benchPaths(context: RunContext): BenchPaths {
  return {
    rootDir: context.rootDir,
    serverEntry: context.options.serverEntry,
    profileDir: context.options.profile ? join(context.rootDir, 'bench-results', 'profiles') : null,
  };
}

let dbCounter = 0;

/** A fresh database path in the run's private temp directory. */
export function tempDbPath(context: RunContext, name: string): string {
  dbCounter++;
  return join(context.tmpDir, `${name}-${dbCounter}.db`);
}

/** Stops every server, even when one stop fails. */
export async function stopAll(servers: Array<ServerProcess | undefined>): Promise<void> {
  await Promise.allSettled(servers.filter((s): s is ServerProcess => s !== undefined).map((s) => s.stop()));
}

/**
 * Bare-ceiling results measured inside the read and write scenarios, so the ceilings scenario can
 * report them without measuring them a second time.
 */
export const measuredCeilings = new Map<string, LoadResult[]>();

export function recordCeiling(label: string, result: LoadResult): void {
  const list = measuredCeilings.get(label) ?? [];
  list.push(result);
  measuredCeilings.set(label, list);
}

export function describeLoad(result: LoadResult): string {
  const failures = result.non2xx + result.errors + result.timeouts;
  const failureText = failures === 0 ? '' : `, ${failures} failed (${Object.entries(result.statusCodes).filter(([c]) => !c.startsWith('2')).map(([c, n]) => `${c}×${n}`).join(' ')}${result.errors > 0 ? ` errors×${result.errors}` : ''})`;
  return `${result.okPerSecond.toLocaleString('en-US')} ok/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, server CPU ${result.serverCpuPercent}%, load-gen CPU ${result.loadGeneratorCpuPercent}%${failureText}`;
}
