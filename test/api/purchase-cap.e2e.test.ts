/**
 * The organiser's purchase cap (maxSeatsPerFan): at most N seats per fan per schedule across all their
 * bookings, refused with its own code; a refunded seat no longer counts; other schedules are not capped by it;
 * the cap is listed with the schedule. (Its survival across restarts: test/actors/purchase-cap.int.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admittedFan, charge, createConcert, hold, pay, startLiveApi, type CreatedConcert, type Fan, type LiveApi } from './http-client.js';

const DAY_MS = 86_400_000;

let api: LiveApi;
let concert: CreatedConcert;

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 1_000 } } });
  const now = api.engine.now();
  concert = await createConcert(api, [
    { startsAt: new Date(now + 7 * DAY_MS).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString(), maxSeatsPerFan: 4 },
    { startsAt: new Date(now + 8 * DAY_MS).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString() },
  ]);
});
afterAll(async () => {
  await api?.close();
});

/** A payment ends the fan's queue token: each purchase is made with a fresh admission. */
async function buy(fan: Fan, scheduleId: string, seatNumbers: number[]): Promise<string> {
  const admitted = await admittedFan(api, fan.userId);
  Object.assign(fan, admitted);
  const held = await hold(api, fan, scheduleId, seatNumbers);
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  expect((await pay(api, fan, held.body.reservationId as string)).status).toBe(201);
  return held.body.reservationId as string;
}

describe('purchase caps', () => {
  it('given a cap of 4, when a fan who bought 3 asks for 2 more, then 409 PURCHASE_LIMIT_REACHED and nothing is held; 1 more is fine, and the other schedule is not capped', async () => {
    const [capped, free] = concert.schedules.map((s) => s.scheduleId) as [string, string];
    const fan = await admittedFan(api, 'cap-fan');
    for (let i = 0; i < 3; i++) expect((await charge(api, fan, 1_000_000)).status).toBe(200);
    const first = await buy(fan, capped, [1, 2]);
    await buy(fan, capped, [3]);

    Object.assign(fan, await admittedFan(api, fan.userId));
    const refused = await hold(api, fan, capped, [4, 5]);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'PURCHASE_LIMIT_REACHED', details: { limit: 4, owned: 3, requested: 2 } });
    const seats = await api.http.get(`/v1/schedules/${capped}/seats?status=AVAILABLE`, { token: fan.token, queueToken: fan.queueToken });
    expect((seats.body.seats as Array<{ seatNumber: number }>).map((s) => s.seatNumber)).toContain(4);

    // A refunded seat no longer counts toward the cap.
    const refund = await api.http.post(`/v1/reservations/${first}/refunds`, { token: fan.token, body: { seatNumbers: [2] } });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await buy(fan, capped, [4, 5]);
    Object.assign(fan, await admittedFan(api, fan.userId));
    expect((await hold(api, fan, capped, [6])).body).toMatchObject({ code: 'PURCHASE_LIMIT_REACHED', details: { owned: 4 } });

    await buy(fan, free, [1, 2, 3, 4]);
    await buy(fan, free, [5, 6]);
  });

  it('lists the cap with the schedule and refuses a bad one', async () => {
    const fan = await admittedFan(api, 'cap-reader');
    const listed = await api.http.get(`/v1/concerts/${concert.concertId}/schedules`, { token: fan.token, queueToken: fan.queueToken });
    expect((listed.body.schedules as Array<{ maxSeatsPerFan: number | null }>).map((s) => s.maxSeatsPerFan)).toEqual([4, null]);
    const now = api.engine.now();
    for (const maxSeatsPerFan of [0, 501, 2.5, '4']) {
      const bad = await api.http.post('/v1/admin/concerts', {
        adminKey: 'test-admin-key-0123456789', body: { title: 'T', venue: 'V', schedules: [{ startsAt: new Date(now + DAY_MS).toISOString(), maxSeatsPerFan }] },
      });
      expect(bad.status, String(maxSeatsPerFan)).toBe(400);
    }
  });
});
