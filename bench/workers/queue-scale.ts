/**
 * Worker for scenario 6: the WaitingRoom (src/machines/waiting-room.ts, compiled: see shipped.ts) at a million waiting tokens:
 * join rate, position lookups per second at growing sizes (the O(log n) claim), heap per token, and
 * the cost of one admission tick at full size. Needs --expose-gc.
 *
 * Usage: node --expose-gc --import tsx bench/workers/queue-scale.ts '{"tokens":1000000,"milestones":[...]}'
 */
import { randomBytes } from 'node:crypto';
import type { QueueToken, WaitingRoom } from '../../src/machines/waiting-room.js';
import { settledHeapBytes, workerMain } from '../lib/worker.js';
import { shipped } from './shipped.js';

const { WaitingRoom: ShippedWaitingRoom } = await shipped<typeof import('../../src/machines/waiting-room.js')>('machines/waiting-room.js');

export interface QueueScaleArgs {
  tokens: number;
  /** Sizes at which position lookups are timed (ascending, the last one = tokens). */
  milestones: number[];
  lookupsPerMilestone: number;
  ticks: number;
  maxActive: number;
}

export interface QueueScaleResult {
  tokens: number;
  joinsPerSecond: number;
  /** Join rate over each segment between milestones (does joining slow down as the line grows?). */
  joinSegments: Array<{ upTo: number; joinsPerSecond: number }>;
  heapBytes: number;
  heapBytesPerToken: number;
  rssBytes: number;
  /** position() per size, and an O(1) reference on the same random tokens: the room's own Map lookup by token. */
  lookups: Array<{ size: number; lookupsPerSecond: number; nsPerLookup: number; nsPerMapGet: number }>;
  tick: { maxActive: number; ticks: number; medianMs: number; maxMs: number; admittedPerTick: number; expiredPerTick: number; usPerAdmission: number };
}

const START_MS = Date.UTC(2026, 0, 1);
const CHUNK = 10_000;
const SAMPLE = 65_536;

function sampleTokens(tokens: readonly string[], count: number): string[] {
  return Array.from({ length: SAMPLE }, () => tokens[Math.floor(Math.random() * count)] as string);
}

/** O(1) reference with the same memory access pattern: the room's hash lookup of the same random tokens. */
function timeMapGets(room: WaitingRoom, sample: readonly string[], lookups: number): number {
  let found = 0;
  const startedAt = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) if (room.get(sample[i % sample.length] as string) !== undefined) found++;
  const elapsedNs = Number(process.hrtime.bigint() - startedAt);
  if (found !== lookups) throw new Error('sampled tokens must be live');
  return Math.round(elapsedNs / lookups);
}

function timeLookups(room: WaitingRoom, sample: readonly QueueToken[], lookups: number): { lookupsPerSecond: number; nsPerLookup: number } {
  let checksum = 0;
  const startedAt = process.hrtime.bigint();
  for (let i = 0; i < lookups; i++) checksum += room.position(sample[i % sample.length] as QueueToken);
  const elapsedNs = Number(process.hrtime.bigint() - startedAt);
  if (checksum <= 0) throw new Error('positions must be positive');
  return { lookupsPerSecond: Math.round(lookups / (elapsedNs / 1e9)), nsPerLookup: Math.round(elapsedNs / lookups) };
}

async function main(args: QueueScaleArgs): Promise<QueueScaleResult> {
  const heapBefore = settledHeapBytes();
  const room = new ShippedWaitingRoom({ maxActive: args.maxActive, activeTtlMs: 1_000, idleMs: 86_400_000 });
  // Token values are kept (the room keeps them too); only one array of references is extra.
  const tokens: string[] = new Array<string>(args.tokens);
  const lookups: QueueScaleResult['lookups'] = [];
  const joinSegments: QueueScaleResult['joinSegments'] = [];
  let joinNs = 0;
  let segmentNs = 0;
  let segmentStart = 0;
  const milestones = [...args.milestones];
  for (let made = 0; made < args.tokens;) {
    // Chunks stop at each milestone so lookups are timed at exactly that size.
    const count = Math.min(CHUNK, args.tokens - made, (milestones[0] ?? args.tokens) - made);
    const random = randomBytes(16 * count);
    for (let i = 0; i < count; i++) tokens[made + i] = random.toString('base64url', i * 16, i * 16 + 16);
    const startedAt = process.hrtime.bigint();
    for (let i = 0; i < count; i++) {
      const n = made + i;
      const decision = room.decideJoin(`user-${n}`, tokens[n] as string, START_MS + Math.floor(n / 1_000));
      if (!('event' in decision)) throw new Error('unexpected existing token');
      room.apply(decision.event);
    }
    const elapsed = Number(process.hrtime.bigint() - startedAt);
    joinNs += elapsed;
    segmentNs += elapsed;
    made += count;
    const size = made;
    if (milestones[0] !== undefined && size >= milestones[0]) {
      milestones.shift();
      joinSegments.push({ upTo: size, joinsPerSecond: Math.round((size - segmentStart) / (segmentNs / 1e9)) });
      segmentNs = 0;
      segmentStart = size;
      const sampleKeys = sampleTokens(tokens, size);
      const sample = sampleKeys.map((key) => room.get(key) as QueueToken);
      timeLookups(room, sample, Math.min(args.lookupsPerMilestone, 100_000)); // warm the JIT on this shape
      timeMapGets(room, sampleKeys, Math.min(args.lookupsPerMilestone, 100_000));
      // Alternated three times, medians: the machine is shared and noisy.
      const positionRuns: Array<{ lookupsPerSecond: number; nsPerLookup: number }> = [];
      const mapRuns: number[] = [];
      for (let round = 0; round < 3; round++) {
        positionRuns.push(timeLookups(room, sample, args.lookupsPerMilestone));
        mapRuns.push(timeMapGets(room, sampleKeys, args.lookupsPerMilestone));
      }
      const position = [...positionRuns].sort((a, b) => a.nsPerLookup - b.nsPerLookup)[1] as { lookupsPerSecond: number; nsPerLookup: number };
      const nsPerMapGet = [...mapRuns].sort((a, b) => a - b)[1] as number;
      lookups.push({ size, ...position, nsPerMapGet });
      process.stderr.write(`${size} waiting: ${position.nsPerLookup} ns per position lookup, ${nsPerMapGet} ns per Map get\n`);
    }
  }
  const heapAfter = settledHeapBytes();
  // The `tokens` array (8 bytes per entry) is the benchmark's, not the room's.
  const heapBytes = heapAfter - heapBefore - args.tokens * 8;

  const tickMs: number[] = [];
  let admitted = 0;
  let expired = 0;
  let nowMs = START_MS + args.tokens;
  for (let t = 0; t < args.ticks; t++) {
    nowMs += 1_000;
    const startedAt = process.hrtime.bigint();
    const events = room.decideTick(nowMs, { admissionOpen: true });
    for (const event of events) room.apply(event);
    tickMs.push(Number(process.hrtime.bigint() - startedAt) / 1e6);
    for (const event of events) {
      if (event.type === 'queue.admitted') admitted++;
      else expired++;
    }
  }
  const sorted = [...tickMs].sort((a, b) => a - b);
  const medianMs = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return {
    tokens: args.tokens,
    joinsPerSecond: Math.round(args.tokens / (joinNs / 1e9)),
    joinSegments,
    heapBytes,
    heapBytesPerToken: Math.round(heapBytes / args.tokens),
    rssBytes: process.memoryUsage().rss,
    lookups,
    tick: {
      maxActive: args.maxActive, ticks: args.ticks,
      medianMs: Math.round(medianMs * 1000) / 1000, maxMs: Math.round((sorted[sorted.length - 1] ?? 0) * 1000) / 1000,
      admittedPerTick: Math.round(admitted / args.ticks), expiredPerTick: Math.round(expired / args.ticks),
      usPerAdmission: admitted === 0 ? 0 : Math.round(((tickMs.reduce((a, b) => a + b, 0) * 1000) / admitted) * 100) / 100,
    },
  };
}

void workerMain(main);
