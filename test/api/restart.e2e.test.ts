/**
 * Acknowledged means durable: every change the server answered 2xx for is still there after the app
 * and engine are closed and a new server is started on the same SQLite file, and Idempotency-Keys
 * still replay.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import {
  admittedFan, charge, createConcert, hold, pay, startLiveApi, type Json, type LiveApi,
} from './http-client.js';

const HOLD_TTL_MS = 300_000;
const LIMITS = { queueMaxActive: 1_000 };

const opened: LiveApi[] = [];
afterAll(async () => {
  for (const api of opened) await api.close();
  if (opened[0] !== undefined) rmSync(dirname(opened[0].dbPath), { recursive: true, force: true });
});

function seatStatuses(seatMap: Json, seatNumbers: number[]): string[] {
  return seatNumbers.map((n) => (seatMap.seats as Json[]).find((seat) => seat.seatNumber === n).status as string);
}

describe('restart on the same database', () => {
  it('given charges, holds and a payment acknowledged over HTTP, when the server restarts, then all of it is there', async () => {
    // given a server on a temp-file database
    const first = await startLiveApi({ database: 'file', config: { limits: LIMITS } });
    opened.push(first);
    const concert = await createConcert(first);
    const scheduleId = concert.schedules[0]!.scheduleId;

    // a hold that will expire while the server is down
    const leaver = await admittedFan(first, 'restart-leaver');
    const expiring = await hold(first, leaver, scheduleId, [4]);
    expect(expiring.status).toBe(201);
    first.clock.advance(200_000);

    // a paid booking, with keyed charge and payment
    const buyer = await admittedFan(first, 'restart-buyer');
    const charged = await first.http.post('/v1/users/me/balance/charge', { token: buyer.token, idempotencyKey: 'restart-charge', body: { amount: 500_000 } });
    expect(charged.status).toBe(200);
    const bought = await hold(first, buyer, scheduleId, [1, 2]);
    expect(bought.status).toBe(201);
    const paid = await pay(first, buyer, bought.body.reservationId, 'restart-pay');
    expect(paid.status).toBe(201);

    // a hold still running at the restart
    const holder = await admittedFan(first, 'restart-holder');
    const running = await hold(first, holder, scheduleId, [3]);
    expect(running.status).toBe(201);
    expect((await charge(first, holder, 10_000)).status).toBe(200);

    const before = {
      buyerBalance: (await first.http.get('/v1/users/me/balance', { token: buyer.token })).body,
      buyerHistory: (await first.http.get('/v1/users/me/balance/history', { token: buyer.token })).body,
      holderBalance: (await first.http.get('/v1/users/me/balance', { token: holder.token })).body,
      confirmed: (await first.http.get(`/v1/reservations/${bought.body.reservationId}`, { token: buyer.token })).body,
      payment: (await first.http.get(`/v1/payments/${paid.body.paymentId}`, { token: buyer.token })).body,
      running: (await first.http.get(`/v1/reservations/${running.body.reservationId}`, { token: holder.token })).body,
      concerts: (await first.http.get('/v1/concerts')).body,
    };
    expect(before.confirmed.status).toBe('CONFIRMED');
    expect(before.running.status).toBe('HELD');
    const stoppedAtMs = first.clock.now();

    // when the server stops and a new one starts on the same file, after the first hold's deadline
    await first.close({ keepDatabase: true });
    const restartAtMs = Date.parse(expiring.body.holdExpiresAt) + 1_000;
    expect(restartAtMs).toBeGreaterThan(stoppedAtMs);
    expect(restartAtMs).toBeLessThan(Date.parse(running.body.holdExpiresAt));
    const second = await startLiveApi({ dbPath: first.dbPath, clock: new ManualClock(restartAtMs), config: { limits: LIMITS } });
    opened.push(second);

    // then every acknowledged change is there
    expect((await second.http.get('/v1/concerts')).body).toEqual(before.concerts);
    expect((await second.http.get('/v1/users/me/balance', { token: buyer.token })).body).toEqual(before.buyerBalance);
    expect(before.buyerBalance.balance).toBe(500_000 - bought.body.totalPrice);
    expect((await second.http.get('/v1/users/me/balance/history', { token: buyer.token })).body).toEqual(before.buyerHistory);
    expect((await second.http.get('/v1/users/me/balance', { token: holder.token })).body).toEqual(before.holderBalance);
    expect((await second.http.get(`/v1/reservations/${bought.body.reservationId}`, { token: buyer.token })).body).toEqual(before.confirmed);
    expect((await second.http.get(`/v1/payments/${paid.body.paymentId}`, { token: buyer.token })).body).toEqual(before.payment);
    // the running hold keeps its absolute deadline; the one whose deadline passed while down is expired
    expect((await second.http.get(`/v1/reservations/${running.body.reservationId}`, { token: holder.token })).body).toEqual(before.running);
    expect((await second.http.get(`/v1/reservations/${expiring.body.reservationId}`, { token: leaver.token })).body.status).toBe('EXPIRED');

    const viewer = await admittedFan(second, 'restart-viewer');
    const seatMap = (await second.http.get(`/v1/schedules/${scheduleId}/seats`, viewer)).body;
    expect(seatStatuses(seatMap, [1, 2, 3, 4])).toEqual(['RESERVED', 'RESERVED', 'TEMP_RESERVED', 'AVAILABLE']);

    // and the Idempotency-Keys still replay the first answers
    const chargeReplay = await second.http.post('/v1/users/me/balance/charge', { token: buyer.token, idempotencyKey: 'restart-charge', body: { amount: 500_000 } });
    expect([chargeReplay.status, chargeReplay.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(chargeReplay.body).toEqual(charged.body);
    const payReplay = await pay(second, buyer, bought.body.reservationId, 'restart-pay');
    expect([payReplay.status, payReplay.headers.get('idempotent-replayed')]).toEqual([201, 'true']);
    expect(payReplay.body).toEqual(paid.body);
    expect((await second.http.get('/v1/users/me/balance', { token: buyer.token })).body).toEqual(before.buyerBalance);

    // and the running hold still expires on time after the restart
    second.clock.advance(Date.parse(running.body.holdExpiresAt) - second.clock.now());
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await second.http.get(`/v1/reservations/${running.body.reservationId}`, { token: holder.token })).body.status).toBe('EXPIRED');
    expect(HOLD_TTL_MS).toBe(Date.parse(running.body.holdExpiresAt) - Date.parse(running.body.heldAt));
  });
});
