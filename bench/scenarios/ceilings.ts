/**
 * Scenario 1, HTTP ceilings: what plain Fastify does on this machine with the same process settings
 * and the same requests, without the engine. In a full run these are the baseline rounds measured
 * (alternated) inside the read and write scenarios; run alone, they are measured here.
 */
import { randomBytes } from 'node:crypto';
import { benchPaths, describeLoad, measuredCeilings, stopAll } from '../lib/context.js';
import { runLoad, type LoadResult, type LoadSpec } from '../lib/load.js';
import { startBareServer, type ServerProcess } from '../lib/processes.js';
import { benchUser, type BenchUser } from '../lib/provision.js';
import { loadMetrics, summarize } from '../lib/summary.js';
import type { RunContext, Scenario, ScenarioResult } from '../lib/types.js';
import { HoldCancelWorkload, PurchaseWorkload, queueStatusReads, seatMapReads, seatSlots } from '../lib/workloads.js';
import { BARE_SEATS, BARE_STATUS } from './read-path.js';
import { BARE_HOLD_CANCEL, BARE_PURCHASE } from './write-path.js';

const LABELS = [BARE_SEATS, BARE_STATUS, BARE_HOLD_CANCEL, BARE_PURCHASE];

async function measure(context: RunContext): Promise<Map<string, LoadResult[]>> {
  const { options } = context;
  const users: BenchUser[] = Array.from({ length: options.connections * 4 }, (_, i) => ({ ...benchUser(`ceiling-${i}`), queueToken: randomBytes(16).toString('base64url') }));
  const scheduleIds = Array.from({ length: Math.ceil(users.length / 50) }, (_, i) => `sch_ceiling${i}`);
  const slots = seatSlots(users, scheduleIds);
  let bare: ServerProcess | undefined;
  try {
    bare = await startBareServer(benchPaths(context));
    const server = bare;
    const spec = (label: string, seconds: number): LoadSpec => {
      const requests = label === BARE_SEATS ? seatMapReads(users, scheduleIds)
        : label === BARE_STATUS ? queueStatusReads(users)
          : label === BARE_HOLD_CANCEL ? new HoldCancelWorkload(slots).requests()
            : new PurchaseWorkload(slots, true).requests();
      return { label, server, connections: options.connections, durationSeconds: seconds, requests };
    };
    for (const label of LABELS) await runLoad(spec(label, 1));
    const results = new Map<string, LoadResult[]>();
    for (let round = 0; round < options.rounds; round++) {
      for (const label of LABELS) {
        const result = await runLoad(spec(label, options.durationSeconds));
        results.set(label, [...(results.get(label) ?? []), result]);
        context.log(`ceilings r${round + 1} ${label}: ${describeLoad(result)}`);
      }
    }
    return results;
  } finally {
    await stopAll([bare]);
  }
}

async function run(context: RunContext): Promise<ScenarioResult> {
  const reused = LABELS.every((label) => (measuredCeilings.get(label)?.length ?? 0) > 0);
  const results = reused ? measuredCeilings : await measure(context);
  const summaries = LABELS.map((label) => summarize(label, results.get(label) ?? []));
  return {
    id: 'ceilings',
    title: '1. HTTP ceilings: bare Fastify, same settings, no engine',
    metrics: summaries.flatMap(loadMetrics),
    targets: [],
    notes: [
      reused
        ? 'These are the baseline rounds of scenarios 2 and 3, alternated there with the real server.'
        : 'Measured alone (scenarios 2 and 3 were not run).',
      'bench/bare-server.ts: plain Fastify with the real server\'s logger and HTTP settings (loadConfig), same paths, headers and body shapes; no JWT, queue gate, schemas, engine or SQLite. The seat map is a static 50-seat object serialized per request.',
    ],
    raw: summaries,
  };
}

export const ceilingsScenario: Scenario = { id: 'ceilings', title: 'HTTP ceilings', run };
