/**
 * The queue gate and Idempotency-Key together, over real HTTP: the engine looks the key up first and
 * checks the queue token only for a command it has not answered yet. So a keyed retry replays its stored
 * answer whatever its token's state is now (a payment ends its own token; an admission runs out), and a
 * new command with a token that is not ACTIVE is refused, with nothing stored under its key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  admittedFan, charge, createConcert, demoToken, hold, pay, queueTick, startLiveApi,
  type CreatedConcert, type Fan, type LiveApi,
} from './http-client.js';

const QUEUE_ACTIVE_TTL_MS = 60_000; // shorter than the hold (300 s): a hold can outlive its admission

let api: LiveApi;
let concert: CreatedConcert;
let fanCount = 0;
let nextSeat = 0;

function newFan(): Promise<Fan> {
  fanCount += 1;
  return admittedFan(api, `gate-fan-${fanCount}`);
}
function scheduleId(): string {
  return concert.schedules[0]!.scheduleId;
}
function freeSeat(): number {
  nextSeat += 1;
  return nextSeat;
}
async function balanceOf(fan: Fan): Promise<number> {
  return (await api.http.get('/v1/users/me/balance', { token: fan.token })).body.balance as number;
}

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 1_000, queueActiveTtlMs: QUEUE_ACTIVE_TTL_MS } } });
  concert = await createConcert(api);
});
afterAll(async () => {
  await api?.close();
});

describe('a keyed retry replays its stored answer whatever its queue token is now', () => {
  it('given a keyed payment that ended its queue token, when retried with the same key, then its 201 again with Idempotent-Replayed: true', async () => {
    // given a paid reservation whose answer the client lost; the payment ended the token
    const fan = await newFan();
    const held = await hold(api, fan, scheduleId(), [freeSeat()]);
    expect((await charge(api, fan, 1_000_000)).status).toBe(200);
    const first = await pay(api, fan, held.body.reservationId, 'pay-lost-answer');
    expect(first.status).toBe(201);
    expect(first.body.queueTokenExpired).toBe(true);

    // when the client retries exactly the same request
    const retry = await pay(api, fan, held.body.reservationId, 'pay-lost-answer');

    // then the first answer, marked as replayed, and the money moved once
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await balanceOf(fan)).toBe(1_000_000 - held.body.totalPrice);
  });

  it('given a keyed hold whose admission ran out, when retried with the same key, then the stored 201 again', async () => {
    // given a keyed hold, then the fan's admission runs out (the hold itself lives on)
    const fan = await newFan();
    const first = await hold(api, fan, scheduleId(), [freeSeat()], 'hold-then-expire');
    expect(first.status).toBe(201);
    api.clock.advance(QUEUE_ACTIVE_TTL_MS);
    await queueTick(api.clock);
    const polled = await api.http.get('/v1/queue/status', { token: fan.token, queueToken: fan.queueToken });
    expect(polled.body.code).toBe('QUEUE_TOKEN_INVALID');

    // when the client retries the hold with its key
    const retry = await hold(api, fan, scheduleId(), first.body.seats.map((seat: { seatNumber: number }) => seat.seatNumber), 'hold-then-expire');

    // then the first answer, replayed, and still one hold
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect((await api.http.get('/v1/reservations?status=HELD', { token: fan.token })).body.reservations).toHaveLength(1);
  });

  it('given a keyed payment whose token ended, when the same key comes with another body, then 422 IDEMPOTENCY_KEY_REUSED', async () => {
    const fan = await newFan();
    const held = await hold(api, fan, scheduleId(), [freeSeat()]);
    expect((await charge(api, fan, 1_000_000)).status).toBe(200);
    expect((await pay(api, fan, held.body.reservationId, 'pay-reused')).status).toBe(201);

    const reused = await pay(api, fan, 'res-another-one', 'pay-reused');

    expect(reused.status).toBe(422);
    expect(reused.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });
});

describe('a new command checks the queue token', () => {
  it('given a queue token the payment ended, when a new key pays again, then 401 QUEUE_TOKEN_INVALID and nothing is paid', async () => {
    const fan = await newFan();
    const held = await hold(api, fan, scheduleId(), [freeSeat()]);
    expect((await charge(api, fan, 1_000_000)).status).toBe(200);
    expect((await pay(api, fan, held.body.reservationId, 'pay-first')).status).toBe(201);

    const again = await pay(api, fan, held.body.reservationId, 'pay-second');

    expect(again.status).toBe(401);
    expect(again.body.code).toBe('QUEUE_TOKEN_INVALID');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await balanceOf(fan)).toBe(1_000_000 - held.body.totalPrice);
  });

  it('given a fan who left the line, when paying a held reservation with a new key, then 401 QUEUE_TOKEN_INVALID and the hold is untouched', async () => {
    const fan = await newFan();
    const held = await hold(api, fan, scheduleId(), [freeSeat()]);
    expect((await charge(api, fan, 1_000_000)).status).toBe(200);
    expect((await api.http.delete('/v1/queue/tokens/current', { token: fan.token, queueToken: fan.queueToken })).status).toBe(204);

    const response = await pay(api, fan, held.body.reservationId, 'pay-after-leaving');

    expect(response.status).toBe(401);
    expect(response.body.code).toBe('QUEUE_TOKEN_INVALID');
    expect((await api.http.get(`/v1/reservations/${held.body.reservationId as string}`, { token: fan.token })).body.status).toBe('HELD');
    expect(await balanceOf(fan)).toBe(1_000_000);
  });

  it('given a waiting fan, when holding with a key, then 403 QUEUE_NOT_ACTIVE; once admitted, the same key holds (the refusal was not stored)', async () => {
    // given a fan whose token is WAITING (no tick has admitted it yet)
    const token = await demoToken(api.http, 'gate-waiting-fan');
    const issued = await api.http.post('/v1/queue/tokens', { token });
    expect(issued.body.status).toBe('WAITING');
    const fan: Fan = { userId: 'gate-waiting-fan', token, queueToken: issued.body.token as string };
    const seat = freeSeat();

    // when it holds with a key, then it is refused
    const refused = await hold(api, fan, scheduleId(), [seat], 'hold-when-admitted');
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('QUEUE_NOT_ACTIVE');

    // and once admitted, the same key is a new command, not a replay of the refusal
    await queueTick(api.clock);
    const admitted = await hold(api, fan, scheduleId(), [seat], 'hold-when-admitted');
    expect(admitted.status).toBe(201);
    expect(admitted.headers.get('idempotent-replayed')).toBeNull();
  });

  it('given no X-Queue-Token, when holding or paying with a key, then 401 QUEUE_TOKEN_INVALID', async () => {
    const fan = await newFan();
    const withoutToken = { token: fan.token, idempotencyKey: 'no-queue-token' };
    const held = await api.http.post('/v1/reservations', { ...withoutToken, body: { scheduleId: scheduleId(), seatNumbers: [freeSeat()] } });
    const paid = await api.http.post('/v1/payments', { ...withoutToken, body: { reservationId: 'res-none' } });
    expect([held.status, held.body.code, paid.status, paid.body.code]).toEqual([401, 'QUEUE_TOKEN_INVALID', 401, 'QUEUE_TOKEN_INVALID']);
  });
});
