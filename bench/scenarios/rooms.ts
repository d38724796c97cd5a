/**
 * Scenario 14, rooms: what a sale's own waiting room costs against the default line, measured in the same
 * rounds (the shipped engine in process, FULL, 64 callers, ten rooms open): a join and a status poll in a
 * room reach >= 80% of the default line's (a fan does not pay for the organiser's rooms); and the opening of
 * a pre-queue of 100,000 fans (the draw, the line re-sequenced, every entrant's row in one commit): its time
 * and the heap a pre-queued fan holds.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { atLeastRatioTarget } from '../lib/ratio-target.js';
import { median, round, roundsText } from '../lib/stats.js';
import type { RunContext, Scenario, ScenarioResult } from '../lib/types.js';
import { runWorker } from '../lib/worker.js';
import type { RoomLineArgs, RoomLineResult } from '../workers/room-line.js';

const TARGET_RATIO = 0.8;
const CONCURRENCY = 64;

async function run(context: RunContext): Promise<ScenarioResult> {
  const { options } = context;
  const dbDir = join(context.tmpDir, 'rooms');
  mkdirSync(dbDir, { recursive: true });
  const args: RoomLineArgs = {
    dbDir, rounds: options.rounds, concurrency: CONCURRENCY, fans: options.quick ? 5_000 : 20_000, polls: options.quick ? 200_000 : 1_000_000, preQueue: options.quick ? 20_000 : 100_000,
  };
  const r = await runWorker<RoomLineResult>(context.rootDir, 'room-line.ts', args, { nodeArgs: ['--expose-gc'], log: context.log });
  const joinsDefault = r.defaultLine.map((x) => x.joinsPerSecond);
  const joinsRoom = r.room.map((x) => x.joinsPerSecond);
  const pollsDefault = r.defaultLine.map((x) => x.pollsPerSecond);
  const pollsRoom = r.room.map((x) => x.pollsPerSecond);
  const o = r.opening;
  return {
    id: 'rooms',
    title: '14. Waiting rooms per sale: a room against the default line, and a 100,000-fan pre-queue opened',
    metrics: [
      { name: 'joins, default line', value: round(median(joinsDefault)), unit: 'joins/s', detail: `rounds ${roundsText(joinsDefault)}` },
      { name: 'joins, one room of ten', value: round(median(joinsRoom)), unit: 'joins/s', detail: `rounds ${roundsText(joinsRoom)}` },
      { name: 'status polls, default line', value: round(median(pollsDefault)), unit: 'polls/s', detail: `rounds ${roundsText(pollsDefault)}` },
      { name: 'status polls, one room of ten', value: round(median(pollsRoom)), unit: 'polls/s', detail: `rounds ${roundsText(pollsRoom)}` },
      { name: `opening of a ${o.fans.toLocaleString('en-US')}-fan pre-queue, decided`, value: round(o.openingDecideMs), unit: 'ms', detail: 'the draw (a sort of the order keys\' leads, each computed as its fan joined) and the line re-sequenced, on the event loop' },
      { name: `opening of a ${o.fans.toLocaleString('en-US')}-fan pre-queue, committed`, value: round(o.openingCommittedMs), unit: 'ms', detail: 'until the commit holding every entrant\'s drawn place was acknowledged' },
      { name: 'heap per pre-queued fan', value: round(o.heapBytesPerFan), unit: 'bytes', detail: `joined at ${round(o.joinsPerSecond).toLocaleString('en-US')}/s; the opening held ${round(o.openingHeapBytes / 1_048_576, 1)} MiB more (the places)` },
    ],
    targets: [
      atLeastRatioTarget('rooms: joins in one of ten rooms >= 80% of the default line', joinsRoom, joinsDefault, 'joins/s', TARGET_RATIO),
      atLeastRatioTarget('rooms: status polls in one of ten rooms >= 80% of the default line', pollsRoom, pollsDefault, 'polls/s', TARGET_RATIO),
    ],
    notes: [
      `The shipped build (dist/) in one worker process, FULL durability, ${CONCURRENCY} joining callers, ${options.rounds} round(s), each alternating which line goes first; ${args.fans.toLocaleString('en-US')} joins and ${args.polls.toLocaleString('en-US')} status polls a line a round, nobody admitted (cap 1).`,
      'Verifying a room\'s admission log of 1,000,000 entrants: bench/experiments/prequeue-fairness.ts (section 11).',
    ],
    raw: r,
  };
}

export const roomsScenario: Scenario = { id: 'rooms', title: 'Rooms', run };
