/**
 * Scenario 5, the engine in process (no HTTP): durable commands per second through createEngine with
 * group commit (holds, cancels, payments), vs raw better-sqlite3 batched inserts at the same
 * synchronous setting and batch size. Target: engine >= 50% of raw.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { median, pairedRatio, ratioText, round, roundsText } from '../lib/stats.js';
import type { Metric, RunContext, Scenario, ScenarioResult, TargetOutcome } from '../lib/types.js';
import { runWorker } from '../lib/worker.js';
import type { CommandRun, EngineCommandsArgs, EngineCommandsResult } from '../workers/engine-commands.js';

const ENGINE_TARGET_RATIO = 0.5;
const CONCURRENCY = 64;
const WIDE_CONCURRENCY = 256;

/**
 * Where a commit's cycle goes (medians over the rounds): the transaction, the wait for the WAL flush until
 * the acknowledgement, and the rest (answering, the callers' next commands decided), for the raw batch's time beside it.
 */
function commitCycle(runs: CommandRun[]): string {
  const perCommit = median(runs.map((x) => x.meanCommandsPerCommit));
  const cycleMs = median(runs.map((x) => (x.meanCommandsPerCommit / x.commandsPerSecond) * 1000));
  const transactionMs = median(runs.map((x) => x.meanCommitMs));
  const flushMs = median(runs.map((x) => x.meanAcknowledgedMs - x.meanCommitMs));
  return `${perCommit} commands per commit, a commit every ${round(cycleMs, 3)} ms: transaction ${round(transactionMs, 3)} ms, WAL flush ${round(flushMs, 3)} ms, the rest ${round(Math.max(0, cycleMs - transactionMs - flushMs), 3)} ms`;
}

/** Over every round: the longest the event loop was held up, and the WAL file's peak size. */
function stalls(runs: CommandRun[]): string {
  const delay = Math.max(...runs.map((x) => x.maxLoopDelayMs));
  const wal = Math.max(...runs.map((x) => x.walPeakBytes));
  return `longest event-loop delay ${delay} ms, WAL file at most ${round(wal / 1e6, 1)} MB`;
}

/** Judged on the median of per-round ratios (rounds alternate engine and raw inserts; see pairedRatio). */
function target(label: string, engineRounds: number[], rawRounds: number[]): TargetOutcome {
  const { ratio, perRound } = pairedRatio(engineRounds, rawRounds);
  return {
    target: label,
    measured: `per round ${perRound.map((r) => ratioText(r)).join(' · ')}; medians ${round(median(engineRounds)).toLocaleString('en-US')} commands/s vs ${round(median(rawRounds)).toLocaleString('en-US')} rows/s`,
    ratio: ratio === null ? null : round(ratio, 3),
    threshold: `>= ${ENGINE_TARGET_RATIO.toFixed(2)}`,
    met: ratio !== null && ratio >= ENGINE_TARGET_RATIO,
  };
}

async function run(context: RunContext): Promise<ScenarioResult> {
  const { options } = context;
  const results: EngineCommandsResult[] = [];
  for (const durability of ['FULL', 'NORMAL'] as const) {
    const dbDir = join(context.tmpDir, `engine-${durability}`);
    mkdirSync(dbDir, { recursive: true });
    const args: EngineCommandsArgs = { dbDir, durability, rounds: options.rounds, durationMs: options.durationSeconds * 1000, warmupMs: 1_000, concurrency: CONCURRENCY, writeFloor: true };
    results.push(await runWorker<EngineCommandsResult>(context.rootDir, 'engine-commands.ts', args, { log: context.log }));
  }
  // Information: with more callers than one batch, commands are decided while the previous batch's WAL
  // flush is in flight (FULL), so the flush's latency overlaps work instead of idling the callers.
  const wideDir = join(context.tmpDir, 'engine-FULL-wide');
  mkdirSync(wideDir, { recursive: true });
  const wide = await runWorker<EngineCommandsResult>(context.rootDir, 'engine-commands.ts', {
    dbDir: wideDir, durability: 'FULL', rounds: options.rounds, durationMs: options.durationSeconds * 1000, warmupMs: 1_000, concurrency: WIDE_CONCURRENCY, writeFloor: false,
  } satisfies EngineCommandsArgs, { log: context.log });
  const metrics: Metric[] = [];
  const targets: TargetOutcome[] = [];
  for (const r of results) {
    const hc = median(r.holdCancel.map((x) => x.commandsPerSecond));
    const buy = median(r.purchase.map((x) => x.commandsPerSecond));
    const raw = median(r.raw.map((x) => x.rowsPerSecond));
    metrics.push(
      { name: `${r.durability}: engine hold + cancel`, value: round(hc), unit: 'commands/s', detail: `rounds ${roundsText(r.holdCancel.map((x) => x.commandsPerSecond))}; ${commitCycle(r.holdCancel)}; ${stalls(r.holdCancel)}` },
      { name: `${r.durability}: engine hold + pay`, value: round(buy), unit: 'commands/s', detail: `rounds ${roundsText(r.purchase.map((x) => x.commandsPerSecond))}; ${commitCycle(r.purchase)}; ${stalls(r.purchase)}` },
      { name: `${r.durability}: raw better-sqlite3 batched inserts`, value: round(raw), unit: 'rows/s', detail: `rounds ${roundsText(r.raw.map((x) => x.rowsPerSecond))}; batches of ${r.raw.map((x) => x.batchSize).join('/')} rows of ${r.raw[0]?.rowBytes ?? '?'} B (the engine's batch size and row size that round), ${round(median(r.raw.map((x) => (x.batchSize / x.rowsPerSecond) * 1000)), 3)} ms a batch` },
    );
    if (r.floor !== null) {
      const { floor } = r;
      const floorRaw = floor.raw.map((x) => x.rowsPerSecond);
      for (const [label, engineRate, replays, perCommand] of [
        ['hold + cancel', hc, floor.holdCancel, floor.statementsPerCommand.holdCancel],
        ['hold + pay', buy, floor.purchase, floor.statementsPerCommand.purchase],
      ] as const) {
        const rates = replays.map((x) => x.commandsPerSecond);
        const { ratio } = pairedRatio(rates, floorRaw);
        metrics.push({
          name: `${r.durability}: the engine's own writes for ${label}, replayed raw`,
          value: round(median(rates)),
          unit: 'commands/s',
          detail: `rounds ${roundsText(rates)}; ${perCommand} statements per command; ${ratio === null ? '?' : ratioText(ratio)} of raw inserts in the same rounds (${roundsText(floorRaw)} rows/s); the engine reached ${ratioText(engineRate / median(rates))} of it`,
        });
      }
    }
    targets.push(
      target(`engine: hold+cancel at ${r.durability} >= 50% of raw inserts`, r.holdCancel.map((x) => x.commandsPerSecond), r.raw.map((x) => x.rowsPerSecond)),
      target(`engine: hold+pay at ${r.durability} >= 50% of raw inserts`, r.purchase.map((x) => x.commandsPerSecond), r.raw.map((x) => x.rowsPerSecond)),
    );
  }
  const wideHc = median(wide.holdCancel.map((x) => x.commandsPerSecond));
  const wideBuy = median(wide.purchase.map((x) => x.commandsPerSecond));
  const wideRaw = median(wide.raw.map((x) => x.rowsPerSecond));
  metrics.push(
    { name: `FULL, ${WIDE_CONCURRENCY} callers: engine hold + cancel`, value: round(wideHc), unit: 'commands/s', detail: `rounds ${roundsText(wide.holdCancel.map((x) => x.commandsPerSecond))}; ${median(wide.holdCancel.map((x) => x.meanCommandsPerCommit))} commands per commit` },
    { name: `FULL, ${WIDE_CONCURRENCY} callers: engine hold + pay`, value: round(wideBuy), unit: 'commands/s', detail: `rounds ${roundsText(wide.purchase.map((x) => x.commandsPerSecond))}` },
    { name: `FULL, ${WIDE_CONCURRENCY} callers: raw inserts in the engine's batch size`, value: round(wideRaw), unit: 'rows/s', detail: `batches of ${wide.raw.map((x) => x.batchSize).join('/')} rows` },
  );
  targets.push(
    { ...target(`engine: hold+cancel at FULL, ${WIDE_CONCURRENCY} callers, vs raw inserts`, wide.holdCancel.map((x) => x.commandsPerSecond), wide.raw.map((x) => x.rowsPerSecond)), threshold: 'none (information)', met: null },
    { ...target(`engine: hold+pay at FULL, ${WIDE_CONCURRENCY} callers, vs raw inserts`, wide.purchase.map((x) => x.commandsPerSecond), wide.raw.map((x) => x.rowsPerSecond)), threshold: 'none (information)', met: null },
  );
  return {
    id: 'engine',
    title: '5. Engine in process (no HTTP): durable commands vs raw SQLite',
    metrics,
    targets,
    notes: [
      `The engine as it ships: the compiled modules in dist/ (bench/workers/shipped.ts), not the sources through tsx. ${CONCURRENCY} callers with one command in flight each (the targets; ${WIDE_CONCURRENCY} callers at FULL for information); a command counts when its promise resolves, i.e. after its group commit. ${options.rounds} round(s) of ${options.durationSeconds} s alternating engine hold+cancel, raw inserts, engine hold+pay; each ratio is the median of the per-round ratios.`,
      'Raw baseline: the same schema opened by src/persistence/database.ts (same pragmas), one transaction per batch of N INSERTs into journal, back to back, where N is the mean commands per commit the engine reached in that round and the row size is the engine\'s mean journal row.',
      'The engine\'s own writes, replayed raw (bench/workers/sql-replay.ts): a fresh engine\'s writing statements (SQL, parameters, transaction bounds) recorded over 2 s of hold+cancel and 2 s of hold+pay with the same callers, then run again on a fresh database with the same schema and pragmas (SQLite\'s own sync at FULL, like the raw baseline) with no engine around them, alternating with 2 s of raw inserts in the same batch and row size. It is the most the engine could reach with its writes as they are: the rest of the gap is the engine\'s own work.',
      'Hold+pay uses a fresh charged user and a fresh seat per purchase (charges are made before the timed run).',
    ],
    raw: results,
  };
}

export const enginePathScenario: Scenario = { id: 'engine', title: 'Engine in process', run };
