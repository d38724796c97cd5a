/**
 * Scenario 13, venues: what an 80,000-seat stadium costs the engine (in process, the shipped build, FULL,
 * 64 callers), against baselines measured in the same rounds. Targets: a hold+cancel on the stadium reaches
 * >= 80% of one on the 50-seat hall (a hold must not cost more because the venue is bigger), and bookings
 * by best available reach >= 80% of bookings naming their seats (the search must not dominate the hold).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { atLeastRatioTarget } from '../lib/ratio-target.js';
import { median, round, roundsText } from '../lib/stats.js';
import type { RunContext, Scenario, ScenarioResult } from '../lib/types.js';
import { runWorker } from '../lib/worker.js';
import type { VenueHoldsArgs, VenueHoldsResult } from '../workers/venue-holds.js';

const TARGET_RATIO = 0.8;
const CONCURRENCY = 64;

async function run(context: RunContext): Promise<ScenarioResult> {
  const { options } = context;
  const dbDir = join(context.tmpDir, 'venues');
  mkdirSync(dbDir, { recursive: true });
  const args: VenueHoldsArgs = { dbDir, rounds: options.rounds, durationMs: options.durationSeconds * 1000, concurrency: CONCURRENCY, bookings: options.quick ? 4_000 : 16_000 };
  const r = await runWorker<VenueHoldsResult>(context.rootDir, 'venue-holds.ts', args, { log: context.log });
  const hall = r.hall.map((x) => x.commandsPerSecond);
  const stadium = r.stadium.map((x) => x.commandsPerSecond);
  const byNumber = r.byNumber.map((x) => x.bookingsPerSecond);
  const best = r.bestAvailable.map((x) => x.bookingsPerSecond);
  return {
    id: 'venues',
    title: '13. Venues in the engine: an 80,000-seat stadium against the 50-seat hall',
    metrics: [
      { name: 'hold + cancel, 50-seat hall', value: round(median(hall)), unit: 'commands/s', detail: `rounds ${roundsText(hall)}` },
      { name: 'hold + cancel, 80,000-seat stadium', value: round(median(stadium)), unit: 'commands/s', detail: `rounds ${roundsText(stadium)}` },
      { name: 'bookings naming their seats (charge, hold, pay)', value: round(median(byNumber)), unit: 'bookings/s', detail: `hold p99 ${roundsText(r.byNumber.map((x) => x.holdP99Ms), 2)} ms per round; ${r.byNumber[0]?.seatsSold ?? 0} seats sold a round` },
      { name: 'bookings by best available (charge, hold, pay)', value: round(median(best)), unit: 'bookings/s', detail: `hold p99 ${roundsText(r.bestAvailable.map((x) => x.holdP99Ms), 2)} ms per round; ${r.bestAvailable[0]?.seatsSold ?? 0} seats sold a round` },
    ],
    targets: [
      atLeastRatioTarget('venues: hold+cancel on an 80,000-seat stadium >= 80% of the 50-seat hall', stadium, hall, 'commands/s', TARGET_RATIO),
      atLeastRatioTarget('venues: bookings by best available >= 80% of bookings naming their seats', best, byNumber, 'bookings/s', TARGET_RATIO),
    ],
    notes: [
      `The shipped build (dist/) in one worker process, FULL durability, ${CONCURRENCY} callers, ${options.rounds} round(s); each round alternates which goes first. The stadium is demoStadiumLayout() (40 sections x 40 rows x 50 seats); hold+cancel: each caller on its own seat for ${options.durationSeconds} s; bookings: ${args.bookings.toLocaleString('en-US')} of 1-3 seats (30% with a price cap) on a fresh stadium, by number (the next free seats) and by best available.`,
      'Memory per stadium schedule, snapshot and recovery figures: bench/experiments/venue-scale.ts, reported by hand in section 12.',
    ],
    raw: r,
  };
}

export const venuesScenario: Scenario = { id: 'venues', title: 'Venues', run };
