/**
 * The waitlist over HTTP and its socket: a fan joins with only a user token, reads and leaves their place;
 * when a hold of the sold-out show expires, the offer is pushed live to the first fan and paid without a
 * queue token, while a reservation that is not an offer still needs one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admittedFan, charge, createConcert, demoToken, hold, startLiveApi, type LiveApi } from './http-client.js';
import { connectOverTcp } from './ws-test-client.js';

const DAY_MS = 86_400_000;
const HOLD_TTL_MS = 300_000;

let api: LiveApi;
let scheduleId: string;

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 100, holdTtlMs: HOLD_TTL_MS, waitlistOfferTtlMs: 600_000 } } });
  const now = api.engine.now();
  const concert = await createConcert(api, [{
    startsAt: new Date(now + 7 * DAY_MS).toISOString(),
    bookingOpensAt: new Date(now - DAY_MS).toISOString(),
    seatMap: { seatCount: 2, grades: [{ grade: 'R', from: 1, to: 2, price: 5_000 }] },
  }]);
  scheduleId = concert.schedules[0]!.scheduleId;
});
afterAll(async () => {
  await api?.close();
});

describe('the waitlist API', () => {
  it('given a user token only, then a fan joins (201), joins again (200, same place), reads and leaves (204), and is told when not on it (404)', async () => {
    const token = await demoToken(api.http, 'wl-reader');
    const joined = await api.http.post(`/v1/schedules/${scheduleId}/waitlist`, { token, body: { quantity: 2 } });
    expect(joined.status, JSON.stringify(joined.body)).toBe(201);
    expect(joined.body).toMatchObject({ scheduleId, userId: 'wl-reader', quantity: 2, position: 1, length: 1 });
    const again = await api.http.post(`/v1/schedules/${scheduleId}/waitlist`, { token, body: { quantity: 1 } });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ quantity: 2, position: 1 });
    expect((await api.http.get(`/v1/schedules/${scheduleId}/waitlist/me`, { token })).body).toMatchObject({ position: 1 });
    expect((await api.http.get('/v1/users/me/waitlist', { token })).body).toMatchObject({ entries: [{ scheduleId, position: 1 }], offers: [] });
    expect((await api.http.delete(`/v1/schedules/${scheduleId}/waitlist/me`, { token })).status).toBe(204);
    const gone = await api.http.delete(`/v1/schedules/${scheduleId}/waitlist/me`, { token });
    expect(gone.status).toBe(404);
    expect(gone.body).toMatchObject({ code: 'WAITLIST_ENTRY_NOT_FOUND' });
    const tooMany = await api.http.post(`/v1/schedules/${scheduleId}/waitlist`, { token, body: { quantity: 99 } });
    expect(tooMany.status).toBe(400);
    expect((await api.http.post('/v1/schedules/sch_unknown/waitlist', { token })).body).toMatchObject({ code: 'SCHEDULE_NOT_FOUND' });
  });

  it('given a sold-out show, when a hold expires, then the first fan is pushed the offer live and pays it without a queue token', async () => {
    const holder = await admittedFan(api, 'wl-holder');
    const held = await hold(api, holder, scheduleId, [1, 2]);
    expect(held.status, JSON.stringify(held.body)).toBe(201);

    const fanToken = await demoToken(api.http, 'wl-fan');
    expect((await api.http.post(`/v1/schedules/${scheduleId}/waitlist`, { token: fanToken, body: { quantity: 2 } })).status).toBe(201);
    const socket = await connectOverTcp(api.app, `/v1/waitlist/ws?token=${encodeURIComponent(fanToken)}`);
    const status = await socket.next();
    expect(status).toMatchObject({ type: 'waitlist.status', entries: [{ scheduleId, position: 1 }], offers: [] });

    api.clock.advance(HOLD_TTL_MS);
    const pushed = await socket.next(5_000);
    expect(pushed).toMatchObject({ type: 'waitlist.offer', reservation: { scheduleId, userId: 'wl-fan', status: 'HELD', waitlistOffer: true } });
    const offer = pushed['reservation'] as { reservationId: string; seats: Array<{ seatNumber: number }> };
    expect(offer.seats.map((s) => s.seatNumber)).toEqual([1, 2]);
    socket.close();

    expect((await charge(api, { token: fanToken }, 10_000)).status).toBe(200);
    const paid = await api.http.post('/v1/payments', { token: fanToken, body: { reservationId: offer.reservationId } });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body).toMatchObject({ reservationId: offer.reservationId, amount: 10_000 });
    const seats = await api.http.get(`/v1/schedules/${scheduleId}/seats`, { token: holder.token, queueToken: holder.queueToken });
    expect((seats.body.seats as Array<{ status: string }>).map((s) => s.status)).toEqual(['RESERVED', 'RESERVED']);
  });

  it('given a reservation that is not an offer, when paid without a queue token, then 401 QUEUE_TOKEN_INVALID and nothing is paid', async () => {
    const now = api.engine.now();
    const other = await createConcert(api, [{ startsAt: new Date(now + 9 * DAY_MS).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString() }]);
    const fan = await admittedFan(api, 'wl-plain');
    expect((await charge(api, fan, 500_000)).status).toBe(200);
    const held = await hold(api, fan, other.schedules[0]!.scheduleId, [1]);
    expect(held.status).toBe(201);
    const refused = await api.http.post('/v1/payments', { token: fan.token, body: { reservationId: held.body.reservationId } });
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ code: 'QUEUE_TOKEN_INVALID' });
    expect((await api.http.get(`/v1/reservations/${held.body.reservationId as string}`, { token: fan.token })).body).toMatchObject({ status: 'HELD' });
  });
});
