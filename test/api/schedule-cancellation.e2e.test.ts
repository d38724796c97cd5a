/**
 * An organiser cancels a whole schedule, as the contract reads: every buyer refunded in full (even after
 * the fans' refund cutoff), every hold released, the schedule stops selling and leaves the listings, and
 * the organiser watches its progress. It is one atomic step, so a restart finds all of it or none of it.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY } from '../helpers/build-test-app.js';
import { admittedFan, charge, createConcert, demoToken, hold, pay, startLiveApi, type Fan, type Json, type LiveApi } from './http-client.js';
import { connectOverTcp, seatMapPath, type RecordingClient } from './ws-test-client.js';

const START_BALANCE = 1_000_000;

const opened: LiveApi[] = [];
const sockets: RecordingClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  for (const live of opened.splice(0)) await live.close();
});

async function start(dbPath?: string): Promise<LiveApi> {
  const live = await startLiveApi({ config: { limits: { queueMaxActive: 1_000 } }, ...(dbPath === undefined ? {} : { dbPath }) });
  opened.push(live);
  return live;
}

async function buyer(live: LiveApi, userId: string, scheduleId: string, seats: number[]): Promise<{ fan: Fan; reservationId: string }> {
  const fan = await admittedFan(live, userId);
  expect((await charge(live, fan, START_BALANCE)).status).toBe(200);
  const held = await hold(live, fan, scheduleId, seats);
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  expect((await pay(live, fan, held.body.reservationId as string)).status).toBe(201);
  return { fan, reservationId: held.body.reservationId as string };
}

function cancel(live: LiveApi, scheduleId: string, body?: Json): Promise<{ status: number; body: Json }> {
  return live.http.post(`/v1/admin/schedules/${scheduleId}/cancel`, { adminKey: TEST_ADMIN_KEY, ...(body === undefined ? {} : { body }) });
}

async function balanceOf(live: LiveApi, fan: { token: string }): Promise<number> {
  return (await live.http.get('/v1/users/me/balance', { token: fan.token })).body.balance as number;
}

/** Two buyers (one of whom refunded a seat already), one running hold, one fan admitted to watch. */
async function soldSchedule(live: LiveApi): Promise<{ scheduleId: string; otherScheduleId: string; alice: Fan; bob: Fan; carol: Fan; aliceRes: string; bobRes: string; holdRes: string; watcher: Fan }> {
  const { schedules } = await createConcert(live);
  const scheduleId = schedules[0]!.scheduleId;
  const alice = await buyer(live, 'alice', scheduleId, [1, 2]);
  const bob = await buyer(live, 'bob', scheduleId, [11, 31]);
  expect((await live.http.post(`/v1/reservations/${bob.reservationId}/refunds`, { token: bob.fan.token, body: { seatNumbers: [31] } })).status).toBe(201);
  const carol = await admittedFan(live, 'carol');
  const held = await hold(live, carol, scheduleId, [40]);
  expect(held.status).toBe(201);
  const watcher = await admittedFan(live, 'watcher');
  return {
    scheduleId, otherScheduleId: schedules[1]!.scheduleId, alice: alice.fan, bob: bob.fan, carol,
    aliceRes: alice.reservationId, bobRes: bob.reservationId, holdRes: held.body.reservationId as string, watcher,
  };
}

describe('an organiser cancels a schedule', () => {
  it('given two buyers and a running hold, when the organiser cancels the schedule, then every buyer is refunded in full, the hold is released, seat maps see it live, and it leaves the listings', async () => {
    const live = await start();
    const sold = await soldSchedule(live);
    const socket = await connectOverTcp(live.app, seatMapPath(sold.scheduleId, sold.watcher.token, sold.watcher.queueToken));
    sockets.push(socket);
    const snapshot = await socket.next();

    const response = await cancel(live, sold.scheduleId, { reason: 'The band is ill' });

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toEqual({
      scheduleId: sold.scheduleId, concertId: expect.any(String), startsAt: expect.any(String), status: 'COMPLETED',
      cancelledAt: new Date(live.clock.now()).toISOString(), reason: 'The band is ill',
      bookingsRefunded: 2, bookingsToRefund: 2, refundedAmount: 400_000 + 150_000, holdsReleased: 1,
    });
    expect(await balanceOf(live, sold.alice)).toBe(START_BALANCE);
    expect(await balanceOf(live, sold.bob)).toBe(START_BALANCE);
    const aliceRes = (await live.http.get(`/v1/reservations/${sold.aliceRes}`, { token: sold.alice.token })).body;
    expect(aliceRes).toMatchObject({ status: 'REFUNDED', refunds: [{ seatNumbers: [1, 2], amount: 400_000, reason: 'SCHEDULE_CANCELLED' }] });
    const bobRes = (await live.http.get(`/v1/reservations/${sold.bobRes}`, { token: sold.bob.token })).body;
    expect(bobRes.refunds.map((r: Json) => [r.seatNumbers, r.reason])).toEqual([[[31], 'USER'], [[11], 'SCHEDULE_CANCELLED']]);
    expect((await live.http.get(`/v1/reservations/${sold.holdRes}`, { token: sold.carol.token })).body.status).toBe('CANCELLED');
    const delta = await socket.next();
    expect(delta).toMatchObject({ type: 'seatmap.delta', version: (snapshot.version as number) + 1 });
    expect((delta['changes'] as Json[]).map((c) => c.seatNumber).sort((a: number, b: number) => a - b)).toEqual([1, 2, 11, 40]);
    expect((delta['changes'] as Json[]).every((c) => c.status === 'AVAILABLE')).toBe(true);
    const listed = await live.http.get(`/v1/concerts/${aliceRes.concertId}/schedules`, { token: sold.watcher.token, queueToken: sold.watcher.queueToken });
    expect(listed.body.schedules.map((s: Json) => s.scheduleId)).toEqual([sold.otherScheduleId]);
  });

  it('given a cancelled schedule, when a fan tries to hold or refund, then 410 SCHEDULE_CANCELLED and 409 ALREADY_REFUNDED; the other schedule still sells', async () => {
    const live = await start();
    const sold = await soldSchedule(live);
    await cancel(live, sold.scheduleId);

    const held = await hold(live, sold.watcher, sold.scheduleId, [5]);
    const refunded = await live.http.post(`/v1/reservations/${sold.aliceRes}/refunds`, { token: sold.alice.token, body: {} });
    const elsewhere = await hold(live, sold.watcher, sold.otherScheduleId, [5]);

    expect([held.status, held.body.code]).toEqual([410, 'SCHEDULE_CANCELLED']);
    expect([refunded.status, refunded.body.code]).toEqual([409, 'ALREADY_REFUNDED']);
    expect(elsewhere.status).toBe(201);
  });

  it('given a cancelled schedule, when the organiser cancels it again or asks how it went, then the same totals and no second refund', async () => {
    const live = await start();
    const sold = await soldSchedule(live);
    const before = await live.http.get(`/v1/admin/schedules/${sold.scheduleId}/cancellation`, { adminKey: TEST_ADMIN_KEY });
    const first = await cancel(live, sold.scheduleId);

    const again = await cancel(live, sold.scheduleId, { reason: 'another reason' });
    const progress = await live.http.get(`/v1/admin/schedules/${sold.scheduleId}/cancellation`, { adminKey: TEST_ADMIN_KEY });

    expect(before.body).toMatchObject({ status: 'NOT_CANCELLED', cancelledAt: null, bookingsRefunded: 0 });
    expect(again.body).toEqual(first.body);
    expect(progress.status).toBe(200);
    expect(progress.body).toEqual(first.body);
    expect(await balanceOf(live, sold.alice)).toBe(START_BALANCE);
    const refunds = ((await live.http.get('/v1/users/me/balance/history', { token: sold.alice.token })).body.entries as Json[]).filter((e) => e.kind === 'REFUND');
    expect(refunds).toHaveLength(1);
  });

  it('given no admin key or an unknown schedule, then 401 UNAUTHENTICATED and 404 SCHEDULE_NOT_FOUND', async () => {
    const live = await start();
    const noKey = await live.http.post('/v1/admin/schedules/sch_x/cancel', {});
    const unknown = await cancel(live, 'sch_unknown');
    const unknownProgress = await live.http.get('/v1/admin/schedules/sch_unknown/cancellation', { adminKey: TEST_ADMIN_KEY });

    expect([noKey.status, noKey.body.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'SCHEDULE_NOT_FOUND']);
    expect([unknownProgress.status, unknownProgress.body.code]).toEqual([404, 'SCHEDULE_NOT_FOUND']);
  });
});

describe('refunds and cancellations across a restart', () => {
  it('given a partial refund and a cancelled schedule acknowledged, when the server restarts, then balances, ledgers, seats, bookings and the cancellation are all there, and keyed refunds still replay', async () => {
    const first = await start();
    const sold = await soldSchedule(first);
    const keep = await buyer(first, 'dave', sold.otherScheduleId, [3, 4]);
    const partial = await first.http.post(`/v1/reservations/${keep.reservationId}/refunds`, { token: keep.fan.token, idempotencyKey: 'dave-refund', body: { seatNumbers: [4] } });
    expect(partial.status).toBe(201);
    const cancelled = await cancel(first, sold.scheduleId);
    const read = async (live: LiveApi): Promise<Json> => ({
      balances: await Promise.all([sold.alice, sold.bob, keep.fan].map((fan) => balanceOf(live, fan))),
      history: (await live.http.get('/v1/users/me/balance/history', { token: sold.bob.token })).body,
      bob: (await live.http.get(`/v1/reservations/${sold.bobRes}`, { token: sold.bob.token })).body,
      dave: (await live.http.get(`/v1/reservations/${keep.reservationId}`, { token: keep.fan.token })).body,
      seats: [live.engine.getSeatMap(sold.scheduleId), live.engine.getSeatMap(sold.otherScheduleId)].map((map) => (map.ok ? map.value.seats.map((s) => s.status) : null)),
      cancellation: (await live.http.get(`/v1/admin/schedules/${sold.scheduleId}/cancellation`, { adminKey: TEST_ADMIN_KEY })).body,
    });
    const before = await read(first);
    const dbPath = first.dbPath;
    await first.close({ keepDatabase: true });
    opened.splice(0);

    const second = await start(dbPath);
    for (const fan of [sold.alice, sold.bob, keep.fan]) fan.token = await demoToken(second.http, fan.userId);
    const after = await read(second);
    const replay = await second.http.post(`/v1/reservations/${keep.reservationId}/refunds`, { token: keep.fan.token, idempotencyKey: 'dave-refund', body: { seatNumbers: [4] } });
    const held = await hold(second, sold.watcher, sold.scheduleId, [5]);

    await second.close();
    opened.splice(0);
    rmSync(dirname(dbPath), { recursive: true, force: true });
    expect(cancelled.body.status).toBe('COMPLETED');
    expect(after).toEqual(before);
    expect(before.seats[1].slice(2, 4)).toEqual(['RESERVED', 'AVAILABLE']);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(partial.body);
    expect(held.status === 410 || held.status === 401).toBe(true);
  });
});
