/**
 * Scenario 7, recovery: a database with 10,000 schedules and 1,000,000 waiting tokens, built through
 * the engine and closed; then the real server process (`node dist/server.js`) is started on it and
 * timed from spawn to the first 200 on /ready, killed with SIGKILL, and started again on what the kill
 * left. Alternated with starts on an empty database (the process's own start-up cost). Also: heap per
 * schedule actor and per token, the durable join rate.
 * Target: 10,000 schedules + 1M tokens to /ready in <= 5 s.
 */
import { copyFileSync, existsSync } from 'node:fs';
import { benchPaths, stopAll, tempDbPath } from '../lib/context.js';
import { HttpClient } from '../lib/http-client.js';
import { startRealServer, type ServerProcess } from '../lib/processes.js';
import { mb, median, round, roundsText } from '../lib/stats.js';
import type { RunContext, Scenario, ScenarioResult } from '../lib/types.js';
import { runWorker } from '../lib/worker.js';
import type { RecoveryBuildArgs, RecoveryBuildResult } from '../workers/recovery-build.js';

const RECOVERY_LIMIT_MS = 5_000;

interface StartSample { startupMs: number; recoveryMs: number | null; queueIndexesAdopted: boolean | null; rssBytes: number; heapUsedBytes: number | null }

/** The engine logs its recovery report (`recoveryMs`, whether the waiting room adopted the indexes its reader thread built) at info when recovery ends. */
function recoveryReportFrom(output: readonly string[]): { recoveryMs: number | null; queueIndexesAdopted: boolean | null } {
  for (const line of output) {
    if (!line.includes('"recoveryMs"') || !line.includes('engine recovered')) continue;
    try {
      const parsed = JSON.parse(line) as { recoveryMs?: number; queueIndexesAdopted?: boolean; component?: string };
      if (parsed.component === 'engine' && typeof parsed.recoveryMs === 'number') return { recoveryMs: parsed.recoveryMs, queueIndexesAdopted: parsed.queueIndexesAdopted ?? null };
    } catch {
      // not a JSON log line
    }
  }
  return { recoveryMs: null, queueIndexesAdopted: null };
}

async function heapUsedBytes(server: ServerProcess): Promise<number | null> {
  const client = new HttpClient(server.baseUrl, 1);
  try {
    const response = await client.request<string>('GET', '/metrics');
    const match = /^nodejs_heap_size_used_bytes (\d+(?:\.\d+)?)/m.exec(String(response.body));
    return match?.[1] === undefined ? null : Number(match[1]);
  } finally {
    client.close();
  }
}

/** One start, timed to /ready; then the server is stopped gracefully, or killed with SIGKILL (a crash). */
async function startOnce(context: RunContext, name: string, dbPath: string, end: 'stop' | 'kill' = 'stop'): Promise<StartSample> {
  let server: ServerProcess | undefined;
  try {
    server = await startRealServer(benchPaths(context), {
      name, dbPath, durability: 'FULL', readyTimeoutMs: 120_000,
      extraEnv: { LOG_LEVEL: 'info', QUEUE_MAX_ACTIVE: '100' },
      capture: /engine recovered/,
    });
    const startupMs = server.startupMs;
    const sample = { startupMs, ...recoveryReportFrom(server.captured), rssBytes: server.rssBytes(), heapUsedBytes: await heapUsedBytes(server) };
    if (end === 'kill') await server.kill();
    return sample;
  } finally {
    await stopAll([server]);
  }
}

function indexesText(samples: readonly StartSample[]): string {
  return samples.map((s) => (s.queueIndexesAdopted === null ? '?' : s.queueIndexesAdopted ? 'reader thread' : 'main thread')).join(' · ');
}

async function run(context: RunContext): Promise<ScenarioResult> {
  const quick = context.options.quick;
  const build: RecoveryBuildArgs = { dbPath: tempDbPath(context, 'recovery'), schedules: quick ? 1_000 : 10_000, tokens: quick ? 100_000 : 1_000_000, joinConcurrency: 5_000 };
  context.log(`recovery: building ${build.schedules} schedules + ${build.tokens} waiting tokens through the engine`);
  const built = await runWorker<RecoveryBuildResult>(context.rootDir, 'recovery-build.ts', build, { nodeArgs: ['--expose-gc', '--max-old-space-size=4096'], log: context.log, timeoutMs: 1_800_000 });
  context.log(`recovery: built (${mb(built.dbBytes)} MB); ${built.joinsPerSecond} durable joins/s`);

  // Each start may write (admissions, a checkpoint on close), so every round starts from a copy of the build.
  const pristine = `${build.dbPath}.pristine`;
  copyFileSync(build.dbPath, pristine);
  if (existsSync(`${build.dbPath}-wal`)) throw new Error('the build left a WAL file: close() should have checkpointed');

  const empty: StartSample[] = [];
  const loaded: StartSample[] = [];
  const afterCrash: StartSample[] = [];
  for (let round = 0; round < context.options.rounds; round++) {
    empty.push(await startOnce(context, `recovery-empty-${round + 1}`, tempDbPath(context, 'empty')));
    const dbPath = tempDbPath(context, 'recover');
    copyFileSync(pristine, dbPath);
    const sample = await startOnce(context, `recovery-loaded-${round + 1}`, dbPath, 'kill');
    loaded.push(sample);
    // The same files as the SIGKILL left them (WAL and all).
    const crash = await startOnce(context, `recovery-crashed-${round + 1}`, dbPath);
    afterCrash.push(crash);
    context.log(`recovery r${round + 1}: empty ${Math.round(empty[round]?.startupMs ?? 0)} ms, loaded ${Math.round(sample.startupMs)} ms to /ready (engine recovery ${sample.recoveryMs} ms), after a kill -9 of that server ${Math.round(crash.startupMs)} ms (engine ${crash.recoveryMs} ms), RSS ${mb(sample.rssBytes)} MB`);
  }
  const medianOf = (samples: StartSample[], pick: (s: StartSample) => number | null): number => median(samples.map(pick).filter((v): v is number => v !== null));
  const loadedStartup = medianOf(loaded, (s) => s.startupMs);
  const crashStartup = medianOf(afterCrash, (s) => s.startupMs);
  const emptyStartup = medianOf(empty, (s) => s.startupMs);
  const scale = `${build.schedules.toLocaleString('en-US')} schedules + ${build.tokens.toLocaleString('en-US')} tokens`;
  const project = (startup: number): number => (quick ? startup + (startup - emptyStartup) * 9 : startup);
  const projected = project(loadedStartup);
  const projectedCrash = project(crashStartup);
  return {
    id: 'recovery',
    title: `7. Recovery: ${scale} to /ready (real server process)`,
    metrics: [
      { name: 'start-up to /ready, loaded database', value: round(loadedStartup), unit: 'ms', detail: `rounds ${roundsText(loaded.map((s) => s.startupMs))}; spawn of node dist/server.js to first 200 on /ready` },
      { name: 'of which engine recovery (logged)', value: round(medianOf(loaded, (s) => s.recoveryMs)), unit: 'ms', detail: `rounds ${roundsText(loaded.map((s) => s.recoveryMs ?? Number.NaN))}; waiting room indexes from the: ${indexesText(loaded)}` },
      { name: 'start-up to /ready after a kill -9 of that server', value: round(crashStartup), unit: 'ms', detail: `rounds ${roundsText(afterCrash.map((s) => s.startupMs))}; engine recovery ${roundsText(afterCrash.map((s) => s.recoveryMs ?? Number.NaN))} ms; indexes from the: ${indexesText(afterCrash)}` },
      { name: 'start-up to /ready, empty database (baseline)', value: round(emptyStartup), unit: 'ms', detail: `rounds ${roundsText(empty.map((s) => s.startupMs))}` },
      { name: 'server RSS after recovery, loaded / empty', value: `${mb(medianOf(loaded, (s) => s.rssBytes))} / ${mb(medianOf(empty, (s) => s.rssBytes))}`, unit: 'MB' },
      { name: 'server heap used after recovery, loaded / empty', value: `${mb(medianOf(loaded, (s) => s.heapUsedBytes))} / ${mb(medianOf(empty, (s) => s.heapUsedBytes))}`, unit: 'MB', detail: 'nodejs_heap_size_used_bytes from /metrics (not settled by a forced GC)' },
      { name: 'memory per schedule actor (50 seats)', value: built.heapBytesPerSchedule, unit: 'bytes', detail: `settled heap growth over ${build.schedules.toLocaleString('en-US')} schedules created through the engine, / count` },
      { name: 'memory per waiting token, through the engine', value: built.heapBytesPerToken, unit: 'bytes', detail: `settled heap growth over ${build.tokens.toLocaleString('en-US')} joins / count` },
      { name: 'durable joins through the engine (issueQueueToken)', value: built.joinsPerSecond, unit: 'joins/s', detail: `DB_SYNCHRONOUS=FULL, ${build.joinConcurrency} joins in flight; each resolved after its group commit` },
      { name: 'database size', value: mb(built.dbBytes), unit: 'MB', detail: `schedules created in ${built.scheduleBuildMs} ms; engine close ${built.closeMs} ms` },
    ],
    targets: [{
      target: `recovery of 10,000 schedules + 1M tokens to /ready <= 5 s`,
      measured: `${round(projected)} ms${quick ? ` (projected from ${scale}: empty + 10x the loaded increment)` : ''}`,
      ratio: round(projected / RECOVERY_LIMIT_MS, 3),
      threshold: '<= 1.00 of 5,000 ms',
      met: projected <= RECOVERY_LIMIT_MS,
    }, {
      target: `recovery of 10,000 schedules + 1M tokens to /ready <= 5 s, after a kill -9`,
      measured: `${round(projectedCrash)} ms${quick ? ` (projected from ${scale})` : ''}`,
      ratio: round(projectedCrash / RECOVERY_LIMIT_MS, 3),
      threshold: '<= 1.00 of 5,000 ms',
      met: projectedCrash <= RECOVERY_LIMIT_MS,
    }],
    notes: [
      `${context.options.rounds} round(s) alternating a start on an empty database, on a fresh copy of the built one (killed with SIGKILL once ready), and on the files that kill left; medians. Server env: NODE_ENV=production, DB_SYNCHRONOUS=FULL, QUEUE_MAX_ACTIVE=100.`,
      'The database was built through createEngine (createConcert, issueQueueToken) in a separate process and closed cleanly, as after a graceful shutdown. Either way the waiting room comes back from its token rows, read by a worker thread that also builds the token and user indexes.',
    ],
    raw: { build: built, empty, loaded, afterCrash },
  };
}

export const recoveryScenario: Scenario = { id: 'recovery', title: 'Recovery', run };
