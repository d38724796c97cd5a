/**
 * Admin over real HTTP: creating concerts (grades must cover every seat exactly once) and statistics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY } from '../helpers/build-test-app.js';
import { admittedFan, charge, hold, pay, startLiveApi, type LiveApi } from './http-client.js';

const DAY_MS = 86_400_000;
let api: LiveApi;

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 1_000 } } });
});
afterAll(async () => {
  await api?.close();
});

function inDays(days: number): string {
  return new Date(api.engine.now() + days * DAY_MS).toISOString();
}
/** `adminKey: null` sends no X-Admin-Key header at all. */
function createConcert(body: unknown, adminKey: string | null = TEST_ADMIN_KEY) {
  return api.http.post('/v1/admin/concerts', { body, ...(adminKey === null ? {} : { adminKey }) });
}

describe('POST /v1/admin/concerts', () => {
  it('given a missing or wrong X-Admin-Key, then 401 UNAUTHENTICATED and nothing is created', async () => {
    const body = { title: 'Nope', venue: 'Nowhere', schedules: [{ startsAt: inDays(5) }] };
    const missing = await createConcert(body, null);
    const wrong = await createConcert(body, 'guess');
    expect([missing.status, missing.body.code, wrong.status, wrong.body.code]).toEqual([401, 'UNAUTHENTICATED', 401, 'UNAUTHENTICATED']);
    expect((await api.http.get('/v1/concerts')).body.concerts).toEqual([]);
  });

  it('given grades that leave seats uncovered or cover them twice, then 400 VALIDATION_ERROR naming the seats', async () => {
    const response = await createConcert({
      title: 'Bad map', venue: 'Hall',
      schedules: [
        { startsAt: inDays(5), seatMap: { seatCount: 10, grades: [{ grade: 'A', from: 1, to: 6, price: 10 }, { grade: 'B', from: 5, to: 8, price: 5 }] } },
        { startsAt: inDays(6), seatMap: { seatCount: 4, grades: [{ grade: 'A', from: 1, to: 4, price: 10 }] } },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: { schedules: [{ index: 0, field: 'seatMap', uncoveredSeats: [9, 10], overlappingSeats: [5, 6], gradesOutOfRange: [] }] },
    });
    expect((await api.http.get('/v1/concerts')).body.concerts).toEqual([]);
  });

  it('given booking that opens after the show, then 400 VALIDATION_ERROR', async () => {
    const response = await createConcert({ title: 'Late', venue: 'Hall', schedules: [{ startsAt: inDays(5), bookingOpensAt: inDays(6) }] });
    expect(response.status).toBe(400);
    expect(response.body.details).toEqual({ schedules: [{ index: 0, field: 'bookingOpensAt', problem: 'after startsAt' }] });
  });

  it('given a sound concert, then 201 with the ids of its schedules, listed publicly', async () => {
    const response = await createConcert({
      title: 'Sound', venue: 'Hall',
      schedules: [
        { startsAt: inDays(5), bookingOpensAt: inDays(-1), seatMap: { seatCount: 3, grades: [{ grade: 'A', from: 1, to: 1, price: 30_000 }, { grade: 'B', from: 2, to: 3, price: 20_000 }] } },
        { startsAt: inDays(9) },
      ],
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ concertId: expect.any(String), title: 'Sound', venue: 'Hall' });
    expect(response.body.schedules).toHaveLength(2);
    expect(response.body.schedules[0]).toMatchObject({ scheduleId: expect.any(String), totalSeatCount: 3, date: inDays(5).slice(0, 10) });
    // defaults: the 50-seat demo map, booking open from now
    expect(response.body.schedules[1].totalSeatCount).toBe(50);
    expect(Date.parse(response.body.schedules[1].bookingOpensAt)).toBeLessThanOrEqual(api.engine.now());
    expect((await api.http.get('/v1/concerts')).body.concerts).toEqual([{ concertId: response.body.concertId, title: 'Sound', venue: 'Hall' }]);
  });
});

describe('GET /v1/admin/stats', () => {
  it('given a hold and a payment, then the figures count them', async () => {
    const created = await createConcert({ title: 'Stats', venue: 'Hall', schedules: [{ startsAt: inDays(3), bookingOpensAt: inDays(-1) }] });
    const scheduleId = created.body.schedules[0].scheduleId as string;
    const before = (await api.http.get('/v1/admin/stats', { adminKey: TEST_ADMIN_KEY })).body;

    const buyer = await admittedFan(api, 'stats-buyer');
    const holder = await admittedFan(api, 'stats-holder');
    const bought = await hold(api, buyer, scheduleId, [1, 2]);
    expect((await charge(api, buyer, 1_000_000)).status).toBe(200);
    expect((await pay(api, buyer, bought.body.reservationId)).status).toBe(201);
    expect((await hold(api, holder, scheduleId, [3])).status).toBe(201);

    const stats = await api.http.get('/v1/admin/stats', { adminKey: TEST_ADMIN_KEY });
    expect(stats.status).toBe(200);
    expect(stats.body.seats.confirmed - before.seats.confirmed).toBe(2);
    expect(stats.body.seats.held - before.seats.held).toBe(1);
    expect(stats.body.reservations.confirmed - before.reservations.confirmed).toBe(1);
    expect(stats.body.sales.payments - before.sales.payments).toBe(1);
    expect(stats.body.sales.total - before.sales.total).toBe(bought.body.totalPrice);
    expect(stats.body.queue.active).toBeGreaterThanOrEqual(1);
    expect(stats.body).toMatchObject({ concerts: before.concerts, schedules: before.schedules });
  });

  it('given no X-Admin-Key, then 401', async () => {
    expect((await api.http.get('/v1/admin/stats')).status).toBe(401);
  });
});
