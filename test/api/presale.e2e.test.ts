/**
 * Presales: before the general sale, only holders of a presale code may hold seats; each hold takes a use
 * of its code and gives it back if it ends unpaid; from bookingOpensAt on, nobody needs a code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admittedFan, charge, createConcert, hold, pay, startLiveApi, type LiveApi } from './http-client.js';
import { TEST_ADMIN_KEY } from '../helpers/build-test-app.js';

const HOUR_MS = 3_600_000;

let api: LiveApi;
let scheduleId: string;

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 100 } } });
  const now = api.engine.now();
  const created = await createConcert(api, [{
    startsAt: new Date(now + 30 * 24 * HOUR_MS).toISOString(), presaleOpensAt: new Date(now + HOUR_MS).toISOString(), bookingOpensAt: new Date(now + 2 * HOUR_MS).toISOString(),
  }]);
  expect(created.schedules[0]).toMatchObject({ presaleOpensAt: new Date(now + HOUR_MS).toISOString() });
  scheduleId = created.schedules[0]!.scheduleId;
});
afterAll(async () => {
  await api?.close();
});

function presaleHold(fan: Awaited<ReturnType<typeof admittedFan>>, seatNumbers: number[], presaleCode?: string): ReturnType<typeof hold> {
  return api.http.post('/v1/reservations', {
    token: fan.token, queueToken: fan.queueToken, body: { scheduleId, seatNumbers, ...(presaleCode === undefined ? {} : { presaleCode }) },
  });
}

describe('presales', () => {
  it('given codes created by the organiser, then a single-use code holds once at a time, gives its use back when the hold ends, and nobody holds without a code until the general sale', async () => {
    const single = await api.http.post(`/v1/admin/schedules/${scheduleId}/presale-codes`, { adminKey: TEST_ADMIN_KEY, body: { code: 'fanclub-01' } });
    expect(single.status, JSON.stringify(single.body)).toBe(201);
    expect(single.body).toMatchObject({ scheduleId, code: 'FANCLUB-01', maxUses: 1, used: 0 });
    const drawn = await api.http.post(`/v1/admin/schedules/${scheduleId}/presale-codes`, { adminKey: TEST_ADMIN_KEY, body: { maxUses: 2 } });
    expect(drawn.body.code).toMatch(/^[A-Z2-9]{5}-[A-Z2-9]{5}$/);
    const again = await api.http.post(`/v1/admin/schedules/${scheduleId}/presale-codes`, { adminKey: TEST_ADMIN_KEY, body: { code: 'FANCLUB-01' } });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'PRESALE_CODE_EXISTS' });

    const early = await presaleHold(await admittedFan(api, 'presale-early'), [1], 'FANCLUB-01');
    expect(early.status).toBe(403);
    expect(early.body).toMatchObject({ code: 'BOOKING_NOT_OPEN', details: { presaleOpensAt: expect.any(String) } });

    // An hour on, user tokens and admissions of before have run out: the fans come in now.
    api.clock.advance(HOUR_MS);
    const ana = await admittedFan(api, 'presale-ana');
    const ben = await admittedFan(api, 'presale-ben');
    expect((await presaleHold(ana, [1])).body).toMatchObject({ code: 'PRESALE_CODE_INVALID', details: { reason: 'MISSING' } });
    expect((await presaleHold(ana, [1], 'NOPE-NOPE')).body).toMatchObject({ code: 'PRESALE_CODE_INVALID', details: { reason: 'UNKNOWN' } });
    const held = await presaleHold(ana, [1, 2], 'fanclub-01');
    expect(held.body).toMatchObject({ seats: [{ seatNumber: 1 }, { seatNumber: 2 }] });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    const usedUp = await presaleHold(ben, [3], 'FANCLUB-01');
    expect(usedUp.status).toBe(409);
    expect(usedUp.body).toMatchObject({ code: 'PRESALE_CODE_USED_UP', details: { maxUses: 1 } });
    const listed = await api.http.get(`/v1/admin/schedules/${scheduleId}/presale-codes`, { adminKey: TEST_ADMIN_KEY });
    expect((listed.body.codes as Array<{ code: string; used: number }>).map((c) => [c.code, c.used])).toEqual([['FANCLUB-01', 1], [drawn.body.code, 0]]);

    // Ana lets go: the use comes back, and Ben books with the same code.
    expect((await api.http.delete(`/v1/reservations/${held.body.reservationId as string}`, { token: ana.token })).status).toBe(200);
    const bens = await presaleHold(ben, [3], 'FANCLUB-01');
    expect(bens.status).toBe(201);
    expect((await charge(api, ben, 500_000)).status).toBe(200);
    expect((await pay(api, ben, bens.body.reservationId as string)).status).toBe(201);

    api.clock.advance(HOUR_MS);
    const general = await presaleHold(await admittedFan(api, 'presale-cara'), [4]);
    expect(general.status, JSON.stringify(general.body)).toBe(201);
    const codes = await api.http.get(`/v1/admin/schedules/${scheduleId}/presale-codes`, { adminKey: TEST_ADMIN_KEY });
    // Ben's booking keeps its use; codes are not counted in the general sale.
    expect((codes.body.codes as Array<{ used: number }>).map((c) => c.used)).toEqual([1, 0]);
  });

  it('refuses a presale that does not open before the general sale', async () => {
    const now = api.engine.now();
    const refused = await api.http.post('/v1/admin/concerts', {
      adminKey: TEST_ADMIN_KEY,
      body: { title: 'T', venue: 'V', schedules: [{ startsAt: new Date(now + 9 * HOUR_MS).toISOString(), bookingOpensAt: new Date(now + HOUR_MS).toISOString(), presaleOpensAt: new Date(now + HOUR_MS).toISOString() }] },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: 'schedules[0].presaleOpensAt' } });
  });
});
