/**
 * A schedule created from the 50,000-seat demo arena: its map is compact (the seat-by-seat list is refused),
 * fans hold by best available, by label and by standing places, two fans racing for the best seats get
 * different ones, blocked seats never sell, tickets carry labels, and all of it survives a restart.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Clock } from '../../src/actors/clock.js';
import { demoArenaLayout } from '../../src/venues/demo-layouts.js';
import { decodeSnapshot } from '../../src/venues/seat-map-codec.js';
import { SEAT_STATUS } from '../../src/venues/seat-status.js';
import { TEST_ADMIN_KEY } from '../helpers/build-test-app.js';
import { admittedFan, charge, createConcert, hold, pay, startLiveApi, type Fan, type Json, type LiveApi } from './http-client.js';
import { connectOverTcp, seatMapPath } from './ws-test-client.js';

const DAY_MS = 86_400_000;
/** Section S1, row 20, seats 25 and 26 are blocked in the demo arena: seat numbers 975 and 976. */
const BLOCKED_SEAT = 19 * 50 + 25;

let api: LiveApi;
let layoutId: string;
let scheduleId: string;

async function arenaSchedule(target: LiveApi<Clock>): Promise<string> {
  const now = target.engine.now();
  const created = await createConcert(target, [{ startsAt: new Date(now + 7 * DAY_MS).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString(), layoutId }]);
  return created.schedules[0]!.scheduleId;
}

function holdBody(fan: Fan, body: Json): Promise<{ status: number; body: Json }> {
  return api.http.post('/v1/reservations', { token: fan.token, queueToken: fan.queueToken, body });
}

async function compactStatuses(target: LiveApi<Clock>, fan: Fan, id: string): Promise<{ version: number; status: Uint8Array; areas: Json }> {
  const map = await target.http.get(`/v1/schedules/${id}/venue/map`, { token: fan.token, queueToken: fan.queueToken });
  expect(map.status, JSON.stringify(map.body)).toBe(200);
  const decoded = decodeSnapshot({ layoutVersion: 1, seatCount: map.body.seatCount as number, statusBase64: map.body.statusBase64 as string }, 1);
  if (!decoded.ok) throw new Error(decoded.message);
  return { version: map.body.version as number, status: decoded.value, areas: map.body.areas };
}

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 50 } } });
  const created = await api.http.post('/v1/admin/layouts', { adminKey: TEST_ADMIN_KEY, body: demoArenaLayout() });
  expect(created.status).toBe(201);
  layoutId = created.body.layoutId as string;
  scheduleId = await arenaSchedule(api);
});
afterAll(async () => {
  await api?.close();
});

describe('a sale in a 50,000-seat arena', () => {
  it('given a schedule from the arena, then it has 55,000 seat numbers (5,000 standing), its venue, and a compact map instead of a seat list', async () => {
    const fan = await admittedFan(api, 'venue-reader');
    const concertId = (await api.http.get('/v1/concerts')).body.concerts.at(-1).concertId as string;
    const schedules = await api.http.get(`/v1/concerts/${concertId}/schedules`, { token: fan.token, queueToken: fan.queueToken });
    expect(schedules.body.schedules[0]).toMatchObject({ scheduleId, layoutId, totalSeatCount: 55_000, availableSeatCount: 54_998 });

    const seats = await api.http.get(`/v1/schedules/${scheduleId}/seats`, { token: fan.token, queueToken: fan.queueToken });
    expect(seats.status).toBe(409);
    expect(seats.body).toMatchObject({ code: 'SEAT_MAP_TOO_LARGE', details: { compactMap: `/v1/schedules/${scheduleId}/venue/map` } });

    const venue = await api.http.get(`/v1/schedules/${scheduleId}/venue`, { token: fan.token, queueToken: fan.queueToken });
    expect(venue.body).toMatchObject({ scheduleId, layoutId, seatCount: 55_000, areas: [{ id: 'FLOOR', categoryId: 'GA', firstSeatNumber: 50_001, capacity: 5_000 }] });
    expect(venue.body.layout).toEqual(demoArenaLayout());
    // It never changes: a page that has it asks with its ETag and gets 304, no body.
    const etag = venue.headers.get('etag');
    expect(etag).toBe(`"${layoutId}"`);
    expect(venue.headers.get('cache-control')).toBe('private, max-age=3600');
    const again = await api.http.get(`/v1/schedules/${scheduleId}/venue`, { token: fan.token, queueToken: fan.queueToken, headers: { 'if-none-match': etag! } });
    expect([again.status, again.body]).toEqual([304, undefined]);

    const { status, areas } = await compactStatuses(api, fan, scheduleId);
    expect(status.length).toBe(55_000);
    expect(status[BLOCKED_SEAT - 1]).toBe(SEAT_STATUS.BLOCKED);
    expect(status[BLOCKED_SEAT]).toBe(SEAT_STATUS.BLOCKED);
    expect(status.filter((s) => s === SEAT_STATUS.AVAILABLE).length).toBe(54_998);
    expect(areas).toEqual([{ id: 'FLOOR', free: 5_000 }]);
  });

  it('given two fans asking at once for the 4 best seats, then each gets 4 adjacent VIP seats in front row centre, never the same seat', async () => {
    const [ana, ben] = await Promise.all([admittedFan(api, 'best-ana'), admittedFan(api, 'best-ben')]);
    const ask = (fan: Fan) => ({ method: 'POST', path: '/v1/reservations', options: { token: fan.token, queueToken: fan.queueToken, body: { scheduleId, bestAvailable: { quantity: 4 } } } });
    const [a, b] = await api.http.simultaneous([ask(ana), ask(ben)]);
    expect(a!.status, JSON.stringify(a!.body)).toBe(201);
    expect(b!.status, JSON.stringify(b!.body)).toBe(201);
    const labels = [...a!.body.seats, ...b!.body.seats].map((seat: Json) => seat.label as string);
    expect(new Set(labels).size).toBe(8);
    // The front row of the first VIP section, centred: seats 24-27, then the next best block beside it.
    expect(a!.body.seats.map((seat: Json) => seat.grade)).toEqual(['VIP', 'VIP', 'VIP', 'VIP']);
    expect(labels).toEqual(expect.arrayContaining(['S9-1-24', 'S9-1-25', 'S9-1-26', 'S9-1-27']));
    for (const reservation of [a!.body, b!.body]) {
      const numbers = (reservation.seats as Json[]).map((seat) => seat.seatNumber as number);
      expect(numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1)).toBe(true);
      expect(reservation.totalPrice).toBe(4 * 250_000);
    }
  });

  it('given seat labels, standing places and a blocked seat, then labels and places hold, the blocked seat and unknown labels are refused', async () => {
    const [cat, dan, eve] = await Promise.all([admittedFan(api, 'label-cat'), admittedFan(api, 'floor-dan'), admittedFan(api, 'blocked-eve')]);
    const byLabel = await holdBody(cat, { scheduleId, seatLabels: ['S20-50-10', 'S20-50-11'] });
    expect(byLabel.status, JSON.stringify(byLabel.body)).toBe(201);
    expect(byLabel.body.seats).toEqual([
      { seatNumber: 19 * 2_500 + 49 * 50 + 10, grade: 'S', price: 120_000, label: 'S20-50-10' },
      { seatNumber: 19 * 2_500 + 49 * 50 + 11, grade: 'S', price: 120_000, label: 'S20-50-11' },
    ]);
    const floor = await holdBody(dan, { scheduleId, generalAdmission: { areaId: 'FLOOR', quantity: 3 } });
    expect(floor.status, JSON.stringify(floor.body)).toBe(201);
    expect(floor.body.seats).toEqual([50_001, 50_002, 50_003].map((seatNumber) => ({ seatNumber, grade: 'GA', price: 99_000, label: 'FLOOR' })));

    expect((await hold(api, eve, scheduleId, [BLOCKED_SEAT])).body).toMatchObject({ code: 'SEAT_UNAVAILABLE', details: { seatNumbers: [BLOCKED_SEAT] } });
    expect((await holdBody(eve, { scheduleId, seatLabels: ['S20-50-10'] })).body).toMatchObject({ code: 'SEAT_UNAVAILABLE' });
    expect((await holdBody(eve, { scheduleId, seatLabels: ['Z9-1-1'] })).body).toMatchObject({ code: 'INVALID_SEAT', details: { seatLabels: ['Z9-1-1'] } });
    expect((await holdBody(eve, { scheduleId, generalAdmission: { areaId: 'BALCONY', quantity: 1 } })).status).toBe(400);
    expect((await holdBody(eve, { scheduleId, seatNumbers: [1], seatLabels: ['S1-1-1'] })).body).toMatchObject({ code: 'VALIDATION_ERROR' });
    expect((await holdBody(eve, { scheduleId, bestAvailable: { quantity: 2, maxPriceWon: 50_000 } })).body).toMatchObject({ code: 'NOT_ENOUGH_SEATS', details: { reason: 'NO_CATEGORY_WITHIN_PRICE' } });

    const { status, areas } = await compactStatuses(api, eve, scheduleId);
    expect(status[byLabel.body.seats[0].seatNumber - 1]).toBe(SEAT_STATUS.TAKEN);
    expect(status[50_000]).toBe(SEAT_STATUS.TAKEN);
    expect(areas).toEqual([{ id: 'FLOOR', free: 4_997 }]);
  });

  it('given a paid best-available hold, then its tickets carry the seat labels', async () => {
    const fay = await admittedFan(api, 'tickets-fay');
    await charge(api, fay, 1_000_000);
    const held = await holdBody(fay, { scheduleId, bestAvailable: { quantity: 2, categoryId: 'R' } });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    const paid = await pay(api, fay, held.body.reservationId as string);
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    const tickets = await api.http.get(`/v1/reservations/${held.body.reservationId as string}/tickets`, { token: fay.token });
    expect(tickets.status, JSON.stringify(tickets.body)).toBe(200);
    expect((tickets.body.tickets as Json[]).map((t) => t.label)).toEqual((held.body.seats as Json[]).map((s) => s.label));
    // R starts at the front row of the side sections: the first of them, centred.
    expect((held.body.seats as Json[]).map((s) => s.label)).toEqual(['S1-1-25', 'S1-1-26']);
  });

  it('given the live socket of an arena, then its snapshot is compact and each hold arrives as a small delta', async () => {
    const [gus, hal] = await Promise.all([admittedFan(api, 'socket-gus'), admittedFan(api, 'socket-hal')]);
    const client = await connectOverTcp(api.app, seatMapPath(scheduleId, gus.token, gus.queueToken));
    try {
      const snapshot = await client.next();
      expect(snapshot.type).toBe('seatmap.snapshot');
      expect(snapshot['seats']).toBeUndefined();
      const compact = snapshot['compact'] as { seatCount: number; statusBase64: string };
      expect(compact.seatCount).toBe(55_000);
      expect(JSON.stringify(snapshot).length).toBeLessThan(20_000);
      const held = await holdBody(hal, { scheduleId, bestAvailable: { quantity: 3, categoryId: 'S' } });
      expect(held.status).toBe(201);
      const delta = await client.next();
      expect(delta).toMatchObject({ type: 'seatmap.delta', version: (snapshot.version as number) + 1 });
      expect(delta['changes']).toEqual((held.body.seats as Json[]).map((s) => ({ seatNumber: s.seatNumber, status: 'TEMP_RESERVED' })));
    } finally {
      client.close();
    }
  });

  it('given a schedule with seat numbers 1..50, then labels, best available and standing places are refused as not applying', async () => {
    const plain = await createConcert(api);
    const ivy = await admittedFan(api, 'plain-ivy');
    const refused = await holdBody(ivy, { scheduleId: plain.schedules[0]!.scheduleId, bestAvailable: { quantity: 2 } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'bestAvailable' } });
    expect((await api.http.get(`/v1/schedules/${plain.schedules[0]!.scheduleId}/venue`, { token: ivy.token, queueToken: ivy.queueToken })).status).toBe(404);
  });

  it('given a layout id that does not exist, or both a seat map and a layout, then the concert is refused and nothing is created', async () => {
    const now = api.engine.now();
    const startsAt = new Date(now + DAY_MS).toISOString();
    const before = (await api.http.get('/v1/concerts')).body.concerts.length as number;
    const unknown = await api.http.post('/v1/admin/concerts', { adminKey: TEST_ADMIN_KEY, body: { title: 'T', venue: 'V', schedules: [{ startsAt, layoutId: 'lay_nope' }] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'LAYOUT_NOT_FOUND' });
    const both = await api.http.post('/v1/admin/concerts', { adminKey: TEST_ADMIN_KEY, body: { title: 'T', venue: 'V', schedules: [{ startsAt, layoutId, seatMap: { seatCount: 1, grades: [{ grade: 'A', from: 1, to: 1, price: 1 }] } }] } });
    expect(both.status).toBe(400);
    expect((await api.http.get('/v1/concerts')).body.concerts.length).toBe(before);
  });
});

describe('an arena schedule across a restart', () => {
  it('keeps its holds, blocked seats and standing places: the compact map is the same, and best available moves on', async () => {
    const first = await startLiveApi({ database: 'file', config: { limits: { queueMaxActive: 50 } } });
    let second: LiveApi | undefined;
    try {
      const layout = await first.engine.createLayout({ layout: demoArenaLayout() });
      if (!layout.ok) throw new Error(layout.error.code);
      layoutId = layout.value.layoutId;
      const id = await arenaSchedule(first);
      const fan = await admittedFan(first, 'restart-jo');
      const best = await first.http.post('/v1/reservations', { token: fan.token, queueToken: fan.queueToken, body: { scheduleId: id, bestAvailable: { quantity: 4 } } });
      expect(best.status).toBe(201);
      const floorFan = await admittedFan(first, 'restart-kim');
      expect((await first.http.post('/v1/reservations', { token: floorFan.token, queueToken: floorFan.queueToken, body: { scheduleId: id, generalAdmission: { areaId: 'FLOOR', quantity: 2 } } })).status).toBe(201);
      const before = await compactStatuses(first, fan, id);
      await first.close({ keepDatabase: true });

      second = await startLiveApi({ dbPath: first.dbPath, config: { limits: { queueMaxActive: 50 } } });
      const lee = await admittedFan(second, 'restart-lee');
      const after = await compactStatuses(second, lee, id);
      expect(after.version).toBe(before.version);
      expect(Buffer.from(after.status).equals(Buffer.from(before.status))).toBe(true);
      expect(after.areas).toEqual([{ id: 'FLOOR', free: 4_998 }]);
      const next = await second.http.post('/v1/reservations', { token: lee.token, queueToken: lee.queueToken, body: { scheduleId: id, bestAvailable: { quantity: 4 } } });
      expect(next.status, JSON.stringify(next.body)).toBe(201);
      const taken = new Set((best.body.seats as Json[]).map((s) => s.seatNumber as number));
      expect((next.body.seats as Json[]).some((s) => taken.has(s.seatNumber as number))).toBe(false);
      const mo = await admittedFan(second, 'restart-mo');
      const place = await second.http.post('/v1/reservations', { token: mo.token, queueToken: mo.queueToken, body: { scheduleId: id, generalAdmission: { areaId: 'FLOOR', quantity: 1 } } });
      expect(place.body.seats).toEqual([{ seatNumber: 50_003, grade: 'GA', price: 99_000, label: 'FLOOR' }]);
    } finally {
      await second?.close();
      rmSync(dirname(first.dbPath), { recursive: true, force: true });
    }
  });
});
