/**
 * Worker for the rooms scenario: the shipped engine in process (dist/), FULL durability, 64 callers, a
 * ManualClock (so a room opens exactly when the worker says). Needs --expose-gc.
 *
 * Per round, alternated: fans join the default line, then poll their status; the same number join one sale's
 * room among ten (a token is looked up room by room), then poll theirs. Once: a room's pre-queue filled with
 * `preQueue` fans and opened: the opening's time (the draw, the line re-sequenced, the entrants' rows written
 * in one commit) and the heap it holds per fan.
 *
 * Usage: node --expose-gc --import tsx bench/workers/room-line.ts '{"dbDir":..,"rounds":5,"fans":20000,...}'
 */
import { join } from 'node:path';
import type { BookingEngine, EngineLimits } from '../../src/domain/engine.js';
import type { ManualClock } from '../../src/actors/clock.js';
import { settledHeapBytes, workerMain } from '../lib/worker.js';
import { shipped } from './shipped.js';

export interface RoomLineArgs {
  dbDir: string;
  rounds: number;
  concurrency: number;
  /** Fans joining per line per round. */
  fans: number;
  /** Status polls per line per round (spread over its fans). */
  polls: number;
  /** Fans in the pre-queue opened once. */
  preQueue: number;
}

export interface LineRun { joinsPerSecond: number; pollsPerSecond: number }
export interface OpeningRun {
  fans: number;
  joinsPerSecond: number;
  /** The opening tick, decided in memory (draw + re-sequence), and until its commit was acknowledged. */
  openingDecideMs: number;
  openingCommittedMs: number;
  heapBytesPerFan: number;
  /** Heap held once open, beyond what the waiting fans held before (the order, the places). */
  openingHeapBytes: number;
}

export interface RoomLineResult { defaultLine: LineRun[]; room: LineRun[]; opening: OpeningRun }

const DAY_MS = 86_400_000;
const START_MS = Date.UTC(2026, 0, 1);
const OTHER_ROOMS = 9;

type EngineModule = typeof import('../../src/actors/engine.js');
type DomainModule = typeof import('../../src/domain/engine.js');
type ClockModule = typeof import('../../src/actors/clock.js');

async function main(args: RoomLineArgs): Promise<RoomLineResult> {
  const { createEngine } = await shipped<EngineModule>('actors/engine.js');
  const { DEFAULT_LIMITS } = await shipped<DomainModule>('domain/engine.js');
  const { ManualClock: ShippedManualClock } = await shipped<ClockModule>('actors/clock.js');
  // Nobody is admitted or dropped while measured: a line of waiting fans, as in a flash sale's first minutes.
  const limits: EngineLimits = { ...DEFAULT_LIMITS, queueMaxActive: 1, queueActiveTtlMs: DAY_MS, queueWaitingIdleMs: DAY_MS };
  let files = 0;
  const open = async (): Promise<{ engine: BookingEngine; clock: ManualClock }> => {
    const clock = new ShippedManualClock(START_MS);
    const engine = createEngine({ dbPath: join(args.dbDir, `rooms-${files++}.db`), durability: 'FULL', limits, clock, walCheckpointIntervalMs: 0 });
    await engine.start();
    return { engine, clock };
  };
  const rooms = async (engine: BookingEngine, count: number, opensAtMs: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const concert = await engine.createConcert({
        title: `Sale ${i}`, venue: 'Bench', schedules: [{ startsAt: new Date(START_MS + 30 * DAY_MS).toISOString(), seatMap: { seatCount: 50, grades: [{ grade: 'R', from: 1, to: 50, price: 100_000 }] } }],
      });
      if (!concert.ok) throw new Error(concert.error.code);
      const room = await engine.createRoom({ name: `Sale ${i}`, scheduleIds: [concert.value.schedules[0]!.scheduleId], opensAtMs, maxActive: 1 });
      if (!room.ok) throw new Error(room.error.code);
      ids.push(room.value.roomId);
    }
    return ids;
  };
  const joinAll = async (engine: BookingEngine, count: number, prefix: string, roomId?: string): Promise<{ tokens: string[]; perSecond: number }> => {
    const tokens: string[] = new Array<string>(count);
    let next = 0;
    const startedAt = performance.now();
    await Promise.all(Array.from({ length: args.concurrency }, async () => {
      for (let i = next++; i < count; i = next++) {
        const issued = await engine.issueQueueToken(`${prefix}${i}`, roomId === undefined ? undefined : { roomId });
        if (!issued.ok) throw new Error(issued.error.code);
        tokens[i] = issued.value.status.token;
      }
    }));
    return { tokens, perSecond: count / ((performance.now() - startedAt) / 1000) };
  };
  const pollAll = (engine: BookingEngine, tokens: readonly string[], prefix: string): number => {
    let checksum = 0;
    const startedAt = performance.now();
    for (let i = 0; i < args.polls; i++) {
      const k = (i * 7_919) % tokens.length;
      const status = engine.queueStatus(`${prefix}${k}`, tokens[k]!);
      if (!status.ok) throw new Error(status.error.code);
      checksum += status.value.fansAhead;
    }
    if (checksum < 0) throw new Error('unreachable');
    return args.polls / ((performance.now() - startedAt) / 1000);
  };

  const line = async (kind: 'default' | 'room'): Promise<LineRun> => {
    const { engine } = await open();
    // Ten sales' rooms, open: the default line's tokens are found first, a room's after asking the rooms in turn.
    const ids = await rooms(engine, OTHER_ROOMS + 1, START_MS);
    const roomId = kind === 'room' ? ids[ids.length - 1] : undefined;
    const joined = await joinAll(engine, args.fans, `${kind}-`, roomId);
    const pollsPerSecond = pollAll(engine, joined.tokens, `${kind}-`);
    await engine.close();
    return { joinsPerSecond: joined.perSecond, pollsPerSecond };
  };

  const defaultLine: LineRun[] = [];
  const room: LineRun[] = [];
  for (let round = 0; round < args.rounds; round++) {
    const order: Array<'default' | 'room'> = round % 2 === 0 ? ['default', 'room'] : ['room', 'default'];
    for (const kind of order) (kind === 'default' ? defaultLine : room).push(await line(kind));
  }

  // The opening of a pre-queue of `preQueue` fans.
  const { engine, clock } = await open();
  // Opening a minute on: the clock's advance runs the minute's ticks too (one a second, idle), not a day's.
  const [roomId] = await rooms(engine, 1, START_MS + 60_000);
  const heapBefore = settledHeapBytes();
  const joined = await joinAll(engine, args.preQueue, 'pre-', roomId);
  const heapJoined = settledHeapBytes();
  const decideStartedAt = performance.now();
  clock.advance(60_000);
  const decidedAt = performance.now();
  // The next command commits after the opening's batch: its answer means the opening is durable.
  const after = await engine.issueQueueToken('after-the-opening', { roomId: roomId! });
  const committedAt = performance.now();
  if (!after.ok || after.value.status.position !== args.preQueue) throw new Error(`the opening did not place ${args.preQueue} entrants ahead`);
  // Once the opening's batch and its WAL flush are behind (a second command after a pause), what stays is the room's.
  await new Promise((resolve) => setTimeout(resolve, 200));
  await engine.issueQueueToken('after-the-pause', { roomId: roomId! });
  const heapOpen = settledHeapBytes();
  await engine.close();
  return {
    defaultLine,
    room,
    opening: {
      fans: args.preQueue,
      joinsPerSecond: joined.perSecond,
      openingDecideMs: decidedAt - decideStartedAt,
      openingCommittedMs: committedAt - decideStartedAt,
      heapBytesPerFan: (heapJoined - heapBefore) / args.preQueue,
      openingHeapBytes: heapOpen - heapJoined,
    },
  };
}

workerMain(main);
