/**
 * A stadium sale: 240 fans, admitted at once, race in three waves of 80 simultaneous requests for the best
 * seats of the 50,000-seat arena (some with a category or a budget), for the same few seats by label, and
 * for standing places. Audited like the crash loop, then again after a restart: no seat is given twice,
 * every best-available block is seats side by side in one row of the category asked, each contested seat
 * went to exactly one fan, and the compact map shows exactly the seats held.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoArenaLayout } from '../../src/venues/demo-layouts.js';
import { decodeSnapshot } from '../../src/venues/seat-map-codec.js';
import { SEAT_STATUS } from '../../src/venues/seat-status.js';
import { TEST_ADMIN_KEY } from '../helpers/build-test-app.js';
import { admittedFan, createConcert, startLiveApi, type Fan, type HttpResponse, type Json, type LiveApi } from './http-client.js';

const DAY_MS = 86_400_000;
const FANS = 240;
const WAVE = 80;
/** Seats in the back row, which best available does not reach in this sale: only the label fans race for them. */
const CONTESTED = ['S20-50-20', 'S20-50-21', 'S20-50-22'];

let api: LiveApi | undefined;
let restarted: LiveApi | undefined;
let dbPath = '';

beforeAll(async () => {
  api = await startLiveApi({ database: 'file', config: { limits: { queueMaxActive: FANS + 10 } } });
  dbPath = api.dbPath;
});
afterAll(async () => {
  await api?.close({ keepDatabase: true });
  await restarted?.close();
  if (dbPath !== '') rmSync(dirname(dbPath), { recursive: true, force: true });
});

/** What each fan asks for: mostly the best seats, some the contested labels, some standing places. */
function requestOf(i: number, scheduleId: string): Record<string, unknown> {
  if (i % 8 === 0) return { scheduleId, seatLabels: [CONTESTED[i % 3]!] };
  if (i % 8 === 1) return { scheduleId, generalAdmission: { areaId: 'FLOOR', quantity: 1 + (i % 4) } };
  if (i % 8 === 2) return { scheduleId, bestAvailable: { quantity: 1 + (i % 4), categoryId: 'S' } };
  if (i % 8 === 3) return { scheduleId, bestAvailable: { quantity: 1 + (i % 4), maxPriceWon: 170_000 } };
  return { scheduleId, bestAvailable: { quantity: 1 + (i % 4) } };
}

function auditHolds(answers: Array<{ request: Json; response: HttpResponse }>): Map<number, string> {
  const owner = new Map<number, string>();
  const winners = new Map<string, string>();
  for (const { request, response } of answers) {
    if (response.status !== 201) {
      // The only refusal a fan may get here: a contested label someone else got first.
      expect([response.status, response.body.code, request.seatLabels !== undefined]).toEqual([409, 'SEAT_UNAVAILABLE', true]);
      continue;
    }
    const seats = response.body.seats as Array<{ seatNumber: number; label: string; grade: string }>;
    for (const seat of seats) {
      expect(owner.get(seat.seatNumber), `seat ${seat.label} given twice`).toBeUndefined();
      owner.set(seat.seatNumber, response.body.reservationId as string);
    }
    if (request.bestAvailable !== undefined) {
      const parts = seats.map((seat) => seat.label.split('-'));
      expect(seats).toHaveLength(request.bestAvailable.quantity as number);
      expect(parts.every((p, k) => p[0] === parts[0]![0] && p[1] === parts[0]![1] && Number(p[2]) === Number(parts[0]![2]) + k), seats.map((s) => s.label).join()).toBe(true);
      if (request.bestAvailable.categoryId !== undefined) expect(seats.every((seat) => seat.grade === 'S')).toBe(true);
      if (request.bestAvailable.maxPriceWon !== undefined) expect(seats.every((seat) => seat.grade !== 'VIP')).toBe(true);
    }
    if (request.generalAdmission !== undefined) expect(seats.map((seat) => seat.label)).toEqual(Array(request.generalAdmission.quantity).fill('FLOOR'));
    if (request.seatLabels !== undefined) {
      const label = request.seatLabels[0] as string;
      expect(winners.get(label), `${label} won twice`).toBeUndefined();
      winners.set(label, response.body.reservationId as string);
    }
  }
  expect([...winners.keys()].sort()).toEqual([...CONTESTED].sort());
  return owner;
}

async function compactTaken(target: LiveApi, fan: Fan, scheduleId: string): Promise<{ taken: number[]; floorFree: number }> {
  const map = await target.http.get(`/v1/schedules/${scheduleId}/venue/map`, { token: fan.token, queueToken: fan.queueToken });
  expect(map.status).toBe(200);
  const decoded = decodeSnapshot({ layoutVersion: 1, seatCount: map.body.seatCount as number, statusBase64: map.body.statusBase64 as string }, 1);
  if (!decoded.ok) throw new Error(decoded.message);
  const taken: number[] = [];
  decoded.value.forEach((code, index) => { if (code === SEAT_STATUS.TAKEN) taken.push(index + 1); });
  return { taken, floorFree: (map.body.areas as Array<{ free: number }>)[0]!.free };
}

describe('a stadium sale: fans racing for the best seats', () => {
  it('given 240 fans in three waves of 80 simultaneous holds, then no seat twice, blocks side by side, one winner per contested seat, and the map agrees, also after a restart', { timeout: 120_000 }, async () => {
    const live = api!;
    const layout = await live.http.post('/v1/admin/layouts', { adminKey: TEST_ADMIN_KEY, body: demoArenaLayout() });
    const now = live.engine.now();
    const scheduleId = (await createConcert(live, [{ startsAt: new Date(now + 9 * DAY_MS).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString(), layoutId: layout.body.layoutId as string }])).schedules[0]!.scheduleId;
    const fans: Fan[] = [];
    for (let i = 0; i < FANS; i++) fans.push(await admittedFan(live, `stadium-${i}`));

    const answers: Array<{ request: Json; response: HttpResponse }> = [];
    for (let wave = 0; wave < FANS / WAVE; wave++) {
      const requests = Array.from({ length: WAVE }, (_, k) => wave * WAVE + k).map((i) => ({ i, body: requestOf(i, scheduleId) }));
      const responses = await live.http.simultaneous(requests.map(({ i, body }) => ({
        method: 'POST', path: '/v1/reservations', options: { token: fans[i]!.token, queueToken: fans[i]!.queueToken, body },
      })));
      responses.forEach((response, k) => answers.push({ request: requests[k]!.body, response }));
    }
    const owner = auditHolds(answers);
    const placesHeld = [...owner.keys()].filter((n) => n > 50_000).length;
    expect(owner.size).toBeGreaterThan(400);

    const before = await compactTaken(live, fans[0]!, scheduleId);
    expect(before.taken).toEqual([...owner.keys()].sort((a, b) => a - b));
    expect(before.floorFree).toBe(5_000 - placesHeld);

    await live.close({ keepDatabase: true });
    api = undefined;
    restarted = await startLiveApi({ dbPath, config: { limits: { queueMaxActive: FANS + 10 } } });
    const after = await compactTaken(restarted, await admittedFan(restarted, 'stadium-auditor'), scheduleId);
    expect(after).toEqual(before);
  });
});
