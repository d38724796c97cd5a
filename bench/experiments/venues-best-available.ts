/**
 * Best-available on the 50,000-seat demo arena as it fills: fans ask for 1..6 seats (some with a price
 * cap, a few needing a wheelchair place), each answer is taken at once (as a hold would), until requests
 * fail. Reports the median and p99 time per request per fill band, and what applyChange costs.
 *
 *   npx tsx bench/experiments/venues-best-available.ts [--seed=1]
 */
import { applyChange, createAvailabilityIndex, initialStatus } from '../../src/venues/availability-index.js';
import { findBestAvailable, type BestAvailableRequest } from '../../src/venues/best-available.js';
import { demoArenaLayout } from '../../src/venues/demo-layouts.js';
import { validateLayout } from '../../src/venues/layout.js';
import { SEAT_STATUS } from '../../src/venues/seat-status.js';
import { encodeSnapshot } from '../../src/venues/seat-map-codec.js';

let seed = Number(process.argv.find((a) => a.startsWith('--seed='))?.split('=')[1] ?? 1);
const random = (): number => { seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648; return seed / 2_147_483_648; };

const validateStartNs = process.hrtime.bigint();
const result = validateLayout(demoArenaLayout());
const validateMs = Number(process.hrtime.bigint() - validateStartNs) / 1e6;
if (!result.ok) throw new Error('demo arena invalid');
const layout = result.layout;
const index = createAvailabilityIndex(layout, initialStatus(layout));

const bands = new Map<number, number[]>();
const changeNs: number[] = [];
let taken = 0, failures = 0, requests = 0;
while (failures < 200) {
  const request: BestAvailableRequest = { quantity: 1 + Math.floor(random() * 6) };
  if (random() < 0.3) request.maxPriceWon = 170_000;
  if (random() < 0.01) request.need = 'WHEELCHAIR';
  const fillBand = Math.min(9, Math.floor((taken / layout.seatCount) * 10));
  const start = process.hrtime.bigint();
  const answer = findBestAvailable(index, request);
  const ns = Number(process.hrtime.bigint() - start);
  requests++;
  (bands.get(fillBand) ?? bands.set(fillBand, []).get(fillBand)!).push(ns);
  if (!answer.ok) { failures++; continue; }
  for (const seat of answer.seats) {
    const t = process.hrtime.bigint();
    applyChange(index, seat, SEAT_STATUS.TAKEN);
    changeNs.push(Number(process.hrtime.bigint() - t));
    taken++;
  }
}

const pct = (xs: number[], p: number): number => { const s = xs.slice().sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!; };
const us = (ns: number): string => (ns / 1000).toFixed(1);
console.log(`arena: ${layout.seatCount} seats, ${layout.rows.length} rows; validateLayout ${validateMs.toFixed(1)} ms`);
console.log(`${requests} requests, ${taken} seats taken (${((taken / layout.seatCount) * 100).toFixed(1)}%), stopped after ${failures} refusals`);
console.log('fill      requests  median us  p99 us   max us');
for (const [band, xs] of [...bands.entries()].sort((a, b) => a[0] - b[0])) {
  console.log(`${band * 10}-${band * 10 + 10}%`.padEnd(10) + String(xs.length).padStart(8) + us(pct(xs, 50)).padStart(11) + us(pct(xs, 99)).padStart(8) + us(Math.max(...xs)).padStart(9));
}
const all = [...bands.values()].flat();
console.log(`all: median ${us(pct(all, 50))} us, p99 ${us(pct(all, 99))} us; applyChange median ${us(pct(changeNs, 50))} us, p99 ${us(pct(changeNs, 99))} us`);
const snapStart = process.hrtime.bigint();
const snapshot = encodeSnapshot(layout.version, index.status);
console.log(`snapshot: ${JSON.stringify(snapshot).length} bytes of JSON in ${(Number(process.hrtime.bigint() - snapStart) / 1e6).toFixed(2)} ms`);
