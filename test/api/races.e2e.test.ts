/**
 * Races, money guards, idempotency and access control over real HTTP. Concurrent requests are written
 * on separate sockets in one burst (ApiClient.simultaneous), so the server reads them before any commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTH_SECRET } from '../helpers/build-test-app.js';
import {
  activeQueueToken, admittedFan, charge, createConcert, demoToken, hold, pay, signUserToken, startLiveApi,
  type CreatedConcert, type Fan, type HttpResponse, type Json, type LiveApi,
} from './http-client.js';

const HOLD_TTL_MS = 300_000;

let api: LiveApi;
let concert: CreatedConcert;
let fanCount = 0;
let nextSeat = 0;

function newFan(): Promise<Fan> {
  fanCount += 1;
  return admittedFan(api, `race-fan-${fanCount}`);
}
function scheduleId(): string {
  return concert.schedules[0]!.scheduleId;
}
function freeSeat(): number {
  nextSeat += 1;
  return nextSeat;
}
function holdRequest(fan: Fan, seatNumbers: number[], idempotencyKey?: string) {
  return {
    method: 'POST',
    path: '/v1/reservations',
    options: { token: fan.token, queueToken: fan.queueToken, body: { scheduleId: scheduleId(), seatNumbers }, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) },
  };
}
async function seatStatus(fan: Fan, seatNumber: number): Promise<string> {
  const map = await api.http.get(`/v1/schedules/${scheduleId()}/seats`, fan);
  return (map.body.seats as Json[]).find((seat) => seat.seatNumber === seatNumber).status as string;
}
async function balanceOf(fan: { token: string }): Promise<number> {
  return (await api.http.get('/v1/users/me/balance', { token: fan.token })).body.balance as number;
}
function statuses(responses: HttpResponse[]): number[] {
  return responses.map((response) => response.status).sort();
}

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 1_000 } } });
  concert = await createConcert(api);
});
afterAll(async () => {
  await api?.close();
});

describe('racing for seats', () => {
  it('given two fans asking for the same seat at the same instant, then exactly one 201 and one 409 SEAT_UNAVAILABLE', async () => {
    for (let round = 0; round < 5; round++) {
      const seat = freeSeat();
      const [a, b] = [await newFan(), await newFan()];
      const responses = await api.http.simultaneous([holdRequest(a, [seat]), holdRequest(b, [seat])]);
      expect(statuses(responses)).toEqual([201, 409]);
      const loser = responses.find((response) => response.status === 409)!;
      expect(loser.body).toMatchObject({ code: 'SEAT_UNAVAILABLE', details: { seatNumbers: [seat] } });
      const winner = responses.find((response) => response.status === 201)!;
      const winnerFan = winner.body.userId === a.userId ? a : b;
      const loserFan = winnerFan === a ? b : a;
      expect(await seatStatus(a, seat)).toBe('TEMP_RESERVED');
      expect((await api.http.get('/v1/reservations?status=HELD', { token: winnerFan.token })).body.reservations).toHaveLength(1);
      expect((await api.http.get('/v1/reservations?status=HELD', { token: loserFan.token })).body.reservations).toEqual([]);
    }
  });

  it('given six fans asking for overlapping seats at once, then no seat is held twice', async () => {
    const [s1, s2, s3] = [freeSeat(), freeSeat(), freeSeat()];
    const fans = await Promise.all(Array.from({ length: 6 }, () => newFan()));
    const wanted = [[s1], [s1, s2], [s2], [s2, s3], [s3], [s1, s3]];
    const responses = await api.http.simultaneous(fans.map((fan, i) => holdRequest(fan, wanted[i]!)));
    const heldSeats = responses.filter((r) => r.status === 201).flatMap((r) => (r.body.seats as Json[]).map((seat) => seat.seatNumber as number));
    expect(new Set(heldSeats).size).toBe(heldSeats.length);
    expect(heldSeats.length).toBeGreaterThan(0);
    expect(responses.every((r) => r.status === 201 || (r.status === 409 && r.body.code === 'SEAT_UNAVAILABLE'))).toBe(true);
  });
});

describe('money', () => {
  it('given a hold that expired, when the fan pays, then 410 RESERVATION_EXPIRED and nothing is taken', async () => {
    const fan = await newFan();
    const seat = freeSeat();
    const held = await hold(api, fan, scheduleId(), [seat]);
    expect((await charge(api, fan, 1_000_000)).status).toBe(200);

    api.clock.advance(HOLD_TTL_MS);
    const response = await pay(api, fan, held.body.reservationId);

    expect(response.status).toBe(410);
    expect(response.body.code).toBe('RESERVATION_EXPIRED');
    expect(await balanceOf(fan)).toBe(1_000_000);
    expect((await api.http.get(`/v1/reservations/${held.body.reservationId}`, { token: fan.token })).body.status).toBe('EXPIRED');
    expect(await seatStatus(fan, seat)).toBe('AVAILABLE');
  });

  it('given a balance below the total, when the fan pays, then 402 INSUFFICIENT_BALANCE and nothing changes', async () => {
    const fan = await newFan();
    const seat = freeSeat();
    const held = await hold(api, fan, scheduleId(), [seat]);
    expect((await charge(api, fan, held.body.totalPrice - 1)).status).toBe(200);

    const response = await pay(api, fan, held.body.reservationId);

    expect(response.status).toBe(402);
    expect(response.body.code).toBe('INSUFFICIENT_BALANCE');
    expect(await balanceOf(fan)).toBe(held.body.totalPrice - 1);
    expect((await api.http.get(`/v1/reservations/${held.body.reservationId}`, { token: fan.token })).body.status).toBe('HELD');
    expect(await seatStatus(fan, seat)).toBe('TEMP_RESERVED');
    // and once the balance covers it, the same reservation is paid
    expect((await charge(api, fan, 1)).status).toBe(200);
    expect((await pay(api, fan, held.body.reservationId)).status).toBe(201);
    expect(await balanceOf(fan)).toBe(0);
  });

  it('given a paid reservation, when it is paid again, then 409 ALREADY_PAID and the balance is debited once', async () => {
    const fan = await newFan();
    const held = await hold(api, fan, scheduleId(), [freeSeat()]);
    expect((await charge(api, fan, 1_000_000)).status).toBe(200);
    expect((await pay(api, fan, held.body.reservationId)).status).toBe(201);

    const back = { ...fan, queueToken: await activeQueueToken(api, fan.token) };
    const again = await pay(api, back, held.body.reservationId);

    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ALREADY_PAID');
    expect(await balanceOf(fan)).toBe(1_000_000 - held.body.totalPrice);
  });

  it('given two payments of one reservation at the same instant, then one 201 and the balance is debited once', async () => {
    const fan = await newFan();
    const held = await hold(api, fan, scheduleId(), [freeSeat()]);
    expect((await charge(api, fan, 1_000_000)).status).toBe(200);
    const request = { method: 'POST', path: '/v1/payments', options: { token: fan.token, queueToken: fan.queueToken, body: { reservationId: held.body.reservationId } } };

    const responses = await api.http.simultaneous([request, request]);

    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    // the first payment ended the queue token, so the second is refused at the gate or as already paid
    const other = responses.find((r) => r.status !== 201)!;
    expect(['QUEUE_TOKEN_INVALID', 'ALREADY_PAID']).toContain(other.body.code);
    expect(await balanceOf(fan)).toBe(1_000_000 - held.body.totalPrice);
    const history = await api.http.get('/v1/users/me/balance/history', { token: fan.token });
    expect((history.body.entries as Json[]).filter((entry) => entry.kind === 'PAYMENT')).toHaveLength(1);
  });
});

describe('idempotency', () => {
  it('given a repeated hold with the same key and body, then the first answer again with Idempotent-Replayed and no change', async () => {
    const fan = await newFan();
    const seat = freeSeat();
    const first = await hold(api, fan, scheduleId(), [seat], 'hold-once');
    const versionAfterFirst = (await api.http.get(`/v1/schedules/${scheduleId()}/seats`, fan)).body.version;

    const replay = await hold(api, fan, scheduleId(), [seat], 'hold-once');

    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect((await api.http.get(`/v1/schedules/${scheduleId()}/seats`, fan)).body.version).toBe(versionAfterFirst);
    expect((await api.http.get('/v1/reservations?status=HELD', { token: fan.token })).body.reservations).toHaveLength(1);
  });

  it('given the same key with another body, then 422 IDEMPOTENCY_KEY_REUSED and no change', async () => {
    const fan = await newFan();
    expect((await api.http.post('/v1/users/me/balance/charge', { token: fan.token, idempotencyKey: 'charge-1', body: { amount: 5_000 } })).status).toBe(200);

    const reused = await api.http.post('/v1/users/me/balance/charge', { token: fan.token, idempotencyKey: 'charge-1', body: { amount: 6_000 } });

    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await balanceOf(fan)).toBe(5_000);
  });

  it('given a replayed charge, then the money is added once', async () => {
    const fan = await newFan();
    const body = { amount: 7_000 };
    const first = await api.http.post('/v1/users/me/balance/charge', { token: fan.token, idempotencyKey: 'charge-replay', body });
    const replay = await api.http.post(`/v1/users/${fan.userId}/balance/charge`, { token: fan.token, idempotencyKey: 'charge-replay', body });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(await balanceOf(fan)).toBe(7_000);
  });

  it('given two identical keyed holds at the same instant, then one 201 and one 409 IDEMPOTENCY_IN_PROGRESS', async () => {
    const fan = await newFan();
    const request = holdRequest(fan, [freeSeat()], 'twin-hold');

    const responses = await api.http.simultaneous([request, request]);

    expect(statuses(responses)).toEqual([201, 409]);
    expect(responses.find((r) => r.status === 409)!.body.code).toBe('IDEMPOTENCY_IN_PROGRESS');
    // once the first is committed, the repeat is a replay
    const later = await api.http.request(request.method, request.path, request.options);
    expect(later.status).toBe(201);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
  });

  it('given a payment whose answer was lost, when it is retried with its key, then the stored answer although the token ended', async () => {
    const fan = await newFan();
    const held = await hold(api, fan, scheduleId(), [freeSeat()]);
    expect((await charge(api, fan, 1_000_000)).status).toBe(200);
    const first = await pay(api, fan, held.body.reservationId, 'pay-once');
    expect(first.status).toBe(201);

    const retry = await pay(api, fan, held.body.reservationId, 'pay-once');
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);

    // a new command, keyed or not, checks the token the payment ended: it cannot pay twice
    expect((await pay(api, fan, held.body.reservationId, 'pay-twice')).body.code).toBe('QUEUE_TOKEN_INVALID');
    expect((await pay(api, fan, held.body.reservationId)).body.code).toBe('QUEUE_TOKEN_INVALID');
    expect(await balanceOf(fan)).toBe(1_000_000 - held.body.totalPrice);
  });

  it('given an ended queue token and a key, when paying a reservation that is not paid, then the gate still refuses', async () => {
    const fan = await newFan();
    const held = await hold(api, fan, scheduleId(), [freeSeat()]);
    expect((await api.http.delete('/v1/queue/tokens/current', { token: fan.token, queueToken: fan.queueToken })).status).toBe(204);

    const response = await pay(api, fan, held.body.reservationId, 'sneaky');

    expect(response.status).toBe(401);
    expect(response.body.code).toBe('QUEUE_TOKEN_INVALID');
  });
});

describe('identity and access', () => {
  it.each([
    ['a token signed with another secret', () => signUserToken({ sub: 'alice', exp: nowSeconds() + 600 }, 'another-secret')],
    ['a token whose payload was changed after signing', () => {
      const [header, , signature] = signUserToken({ sub: 'alice', exp: nowSeconds() + 600 }, TEST_AUTH_SECRET).split('.');
      return `${header}.${Buffer.from(JSON.stringify({ sub: 'mallory', exp: nowSeconds() + 600 })).toString('base64url')}.${signature}`;
    }],
    ['an unsigned token (alg none)', () => signUserToken({ sub: 'alice' }, TEST_AUTH_SECRET, { alg: 'none', typ: 'JWT' }).split('.').slice(0, 2).join('.') + '.'],
    ['an expired token', () => signUserToken({ sub: 'alice', exp: nowSeconds() - 1 }, TEST_AUTH_SECRET)],
    ['a token not valid yet', () => signUserToken({ sub: 'alice', nbf: nowSeconds() + 600 }, TEST_AUTH_SECRET)],
    ['a token whose sub is not a userId', () => signUserToken({ sub: 'alice smith' }, TEST_AUTH_SECRET)],
    ['a token without sub', () => signUserToken({ exp: nowSeconds() + 600 }, TEST_AUTH_SECRET)],
    ['garbage', () => 'not.a.jwt'],
  ])('given %s, then 401 UNAUTHENTICATED', async (_name, makeToken) => {
    const response = await api.http.get('/v1/users/me/balance', { token: makeToken() });
    expect(response.status).toBe(401);
    expect(response.body.code).toBe('UNAUTHENTICATED');
  });

  it('given a token signed by the platform with the shared secret, then it is accepted', async () => {
    const response = await api.http.get('/v1/users/me/balance', { token: signUserToken({ sub: 'platform-user', exp: nowSeconds() + 600 }, TEST_AUTH_SECRET) });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ userId: 'platform-user', balance: 0 });
  });

  it("given another user's queue token, then 401 QUEUE_TOKEN_INVALID on every route that takes one", async () => {
    const owner = await newFan();
    const thief = await newFan();
    const stolen = { token: thief.token, queueToken: owner.queueToken };
    const responses = [
      await api.http.get(`/v1/schedules/${scheduleId()}/seats`, stolen),
      await api.http.get('/v1/queue/status', stolen),
      await api.http.delete('/v1/queue/tokens/current', stolen),
      await api.http.post('/v1/reservations', { ...stolen, body: { scheduleId: scheduleId(), seatNumbers: [freeSeat()] } }),
    ];
    expect(responses.map((r) => [r.status, r.body.code])).toEqual(Array(4).fill([401, 'QUEUE_TOKEN_INVALID']));
    // and the owner's token is untouched
    expect((await api.http.get('/v1/queue/status', owner)).body.status).toBe('ACTIVE');
  });

  it("given another user's reservation and payment, then 404 as if they did not exist", async () => {
    const owner = await newFan();
    const other = await newFan();
    const held = await hold(api, owner, scheduleId(), [freeSeat()]);
    const id = held.body.reservationId as string;

    expect((await api.http.get(`/v1/reservations/${id}`, { token: other.token })).body.code).toBe('RESERVATION_NOT_FOUND');
    expect((await api.http.delete(`/v1/reservations/${id}`, { token: other.token })).body.code).toBe('RESERVATION_NOT_FOUND');
    expect((await pay(api, other, id)).body.code).toBe('RESERVATION_NOT_FOUND');
    expect((await api.http.get('/v1/reservations', { token: other.token })).body.reservations).toEqual([]);

    expect((await charge(api, owner, 1_000_000)).status).toBe(200);
    const paid = await pay(api, owner, id);
    const payment = await api.http.get(`/v1/payments/${paid.body.paymentId}`, { token: other.token });
    expect([payment.status, payment.body.code]).toEqual([404, 'PAYMENT_NOT_FOUND']);
    expect((await api.http.get(`/v1/reservations/${id}`, { token: owner.token })).body.status).toBe('CONFIRMED');
  });

  it("given another user's /users path, then 403 FORBIDDEN and their wallet is untouched", async () => {
    const victim = await newFan();
    const other = await newFan();
    expect((await charge(api, victim, 10_000)).status).toBe(200);
    const responses = [
      await api.http.get(`/v1/users/${victim.userId}/balance`, { token: other.token }),
      await api.http.post(`/v1/users/${victim.userId}/balance/charge`, { token: other.token, body: { amount: 1 } }),
      await api.http.get(`/v1/users/${victim.userId}/balance/history`, { token: other.token }),
    ];
    expect(responses.map((r) => [r.status, r.body.code])).toEqual(Array(3).fill([403, 'FORBIDDEN']));
    expect(await balanceOf(victim)).toBe(10_000);
    expect(await balanceOf(other)).toBe(0);
  });

  it('given a demo token, when the clock passes its expiry, then it is refused', async () => {
    const token = await demoToken(api.http, 'short-lived');
    expect((await api.http.get('/v1/users/me/balance', { token })).status).toBe(200);
    api.clock.advance(api.config.demoTokenTtlSeconds * 1_000);
    const response = await api.http.get('/v1/users/me/balance', { token });
    expect([response.status, response.body.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});

function nowSeconds(): number {
  return Math.floor(api.engine.now() / 1_000);
}
