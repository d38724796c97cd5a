/**
 * The pre-queue's costs on this machine: ordering 100,000 entrants at the opening (time and heap), signing
 * their receipts, and verifying the audit bundle of a room of 1,000,000 entrants all admitted.
 *
 *   npx tsx bench/experiments/prequeue-fairness.ts
 */
import { generateKeyPairSync } from 'node:crypto';
import { fairOrder, newSeed } from '../../src/rooms/fairness/fair-order.js';
import { PreQueue } from '../../test/rooms/pre-queue-model.js';
import { verifyRoomAudit } from '../../src/rooms/fairness/verify-room.js';

const key = generateKeyPairSync('ed25519').privateKey;
const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `019b76da${i.toString(36).padStart(8, '0')}Qx`);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

const hundredK = ids(100_000);
const orderTimes: number[] = [];
let heapDelta = 0;
for (let run = 0; run < 5; run++) {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const startedAt = performance.now();
  const order = fairOrder(newSeed(), hundredK);
  orderTimes.push(performance.now() - startedAt);
  heapDelta = Math.max(heapDelta, process.memoryUsage().heapUsed - heapBefore);
  if (order.length !== hundredK.length) throw new Error('lost entrants');
}
console.log(`order 100,000 entrants: median ${median(orderTimes).toFixed(0)} ms of 5 runs; heap grew at most ${(heapDelta / 1_048_576).toFixed(1)} MiB during one`);

const room = new PreQueue('bench', key);
hundredK.forEach((id, i) => room.join(id, i));
let startedAt = performance.now();
const receipts = room.open();
console.log(`open a room of 100,000 (order + one signed receipt each): ${(performance.now() - startedAt).toFixed(0)} ms (${receipts.length} receipts)`);

const million = new PreQueue('bench-1m', key);
ids(1_000_000).forEach((id, i) => million.join(id, i));
million.open();
let atMs = 0;
for (const id of million.line()) million.admit(id, atMs++);
const bundle = million.bundle();
startedAt = performance.now();
const report = verifyRoomAudit(bundle);
console.log(`verify a room of 1,000,000 entrants, all admitted: ${(performance.now() - startedAt).toFixed(0)} ms, ${report.ok ? 'fair' : `${report.violations.length} violations`}`);
