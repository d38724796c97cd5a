/**
 * Refunds through HTTP, as the contract reads: a fan cancels a paid booking before the show's refund
 * cutoff and gets the money back as a REFUND ledger entry while every seat map sees the seats come back;
 * a refund of some seats works the same for those seats; one refund per seat, keyed requests replay; each
 * refusal has its own code.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TicketSigner } from '../../src/tickets/ticket-signer.js';
import { createPrivateKey } from 'node:crypto';
import { TEST_ADMIN_KEY, TEST_TICKET_SIGNING_KEY } from '../helpers/build-test-app.js';
import {
  admittedFan, charge, createConcert, DEMO_GRADES, demoToken, hold, pay, startLiveApi, type Fan, type Json, type LiveApi,
} from './http-client.js';
import { connectOverTcp, seatMapPath, type RecordingClient } from './ws-test-client.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const START_BALANCE = 1_000_000;

let api: LiveApi | undefined;
const sockets: RecordingClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.close();
  await api?.close();
  api = undefined;
});

async function start(): Promise<LiveApi> {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 1_000 } } });
  return api;
}

/** A fan who paid for `seats` of `scheduleId` from a balance of START_BALANCE. */
async function buyer(live: LiveApi, userId: string, scheduleId: string, seats: number[]): Promise<{ fan: Fan; reservationId: string; paid: Json }> {
  const fan = await admittedFan(live, userId);
  expect((await charge(live, fan, START_BALANCE)).status).toBe(200);
  const held = await hold(live, fan, scheduleId, seats);
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  const paid = await pay(live, fan, held.body.reservationId as string);
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  return { fan, reservationId: held.body.reservationId as string, paid: paid.body };
}

function refund(live: LiveApi, fan: { token: string }, reservationId: string, body: Json = {}, idempotencyKey?: string): Promise<{ status: number; headers: Headers; body: Json }> {
  return live.http.post(`/v1/reservations/${reservationId}/refunds`, { token: fan.token, body, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) });
}

async function balanceOf(live: LiveApi, fan: { token: string }): Promise<number> {
  return (await live.http.get('/v1/users/me/balance', { token: fan.token })).body.balance as number;
}

function seatStatuses(live: LiveApi, scheduleId: string, seatNumbers: number[]): string[] {
  const map = live.engine.getSeatMap(scheduleId);
  if (!map.ok) throw new Error(map.error.code);
  return seatNumbers.map((n) => map.value.seats.find((seat) => seat.seatNumber === n)!.status);
}

describe('a fan cancels a paid booking', () => {
  it('given a paid booking of seats 1 and 12 a week before the show, when the fan cancels it, then the money is back as a REFUND entry, the seats are AVAILABLE and a watching seat map sees it live', async () => {
    const live = await start();
    const { schedules } = await createConcert(live);
    const scheduleId = schedules[0]!.scheduleId;
    const { fan, reservationId, paid } = await buyer(live, 'alice', scheduleId, [1, 12]);
    const watcher = await admittedFan(live, 'watcher');
    const socket = await connectOverTcp(live.app, seatMapPath(scheduleId, watcher.token, watcher.queueToken));
    sockets.push(socket);
    const snapshot = await socket.next();

    const response = await refund(live, fan, reservationId);

    expect(response.status, JSON.stringify(response.body)).toBe(201);
    expect(response.body).toEqual({
      refundId: expect.any(String), reservationId, userId: 'alice', scheduleId,
      seats: [{ seatNumber: 1, grade: 'VIP', price: 200_000 }, { seatNumber: 12, grade: 'R', price: 150_000 }],
      amount: 350_000, reason: 'USER', refundedAt: expect.any(String), balanceAfter: START_BALANCE, reservationStatus: 'REFUNDED',
    });
    expect(await balanceOf(live, fan)).toBe(START_BALANCE);
    const history = (await live.http.get('/v1/users/me/balance/history', { token: fan.token })).body.entries as Json[];
    expect(history[0]).toMatchObject({ kind: 'REFUND', amount: 350_000, balanceAfter: START_BALANCE, reference: response.body.refundId });
    expect(history.map((entry) => entry.kind)).toEqual(['REFUND', 'PAYMENT', 'CHARGE']);
    expect(seatStatuses(live, scheduleId, [1, 12])).toEqual(['AVAILABLE', 'AVAILABLE']);
    const delta = await socket.next();
    expect(delta).toMatchObject({ type: 'seatmap.delta', version: (snapshot.version as number) + 1 });
    expect(delta['changes']).toEqual([{ seatNumber: 1, status: 'AVAILABLE' }, { seatNumber: 12, status: 'AVAILABLE' }]);
    const reservation = (await live.http.get(`/v1/reservations/${reservationId}`, { token: fan.token })).body;
    expect(reservation).toMatchObject({ status: 'REFUNDED', paymentId: paid.paymentId, refunds: [{ refundId: response.body.refundId, seatNumbers: [1, 12], amount: 350_000, reason: 'USER' }] });
    expect((await live.http.get('/v1/reservations?status=REFUNDED', { token: fan.token })).body.reservations).toHaveLength(1);
    // The seats sell again.
    const next = await admittedFan(live, 'bob');
    expect((await hold(live, next, scheduleId, [1, 12])).status).toBe(201);
  });

  it('given a refunded booking, when its tickets are scanned at the door, then 410 TICKET_REVOKED', async () => {
    const live = await start();
    const { schedules } = await createConcert(live);
    const scheduleId = schedules[0]!.scheduleId;
    const { fan, reservationId } = await buyer(live, 'carol', scheduleId, [3]);
    const signer = new TicketSigner(createPrivateKey({ key: Buffer.from(TEST_TICKET_SIGNING_KEY, 'base64'), format: 'der', type: 'pkcs8' }));
    const code = signer.sign({ reservationId, scheduleId, seatNumber: 3 });

    expect((await refund(live, fan, reservationId)).status).toBe(201);
    const scanned = await live.http.post('/v1/checkins', { adminKey: TEST_ADMIN_KEY, body: { code } });

    expect(scanned.status).toBe(410);
    expect(scanned.body).toMatchObject({ code: 'TICKET_REVOKED', details: { status: 'REFUNDED' } });
  });
});

describe('a ticket used at the door', () => {
  it('given seat 1 of a booking of seats 1 and 12 admitted at the door, when the fan refunds the booking, then 409 TICKET_ALREADY_USED naming seat 1; seat 12 alone refunds', async () => {
    const live = await start();
    const { schedules } = await createConcert(live);
    const { fan, reservationId } = await buyer(live, 'kate', schedules[0]!.scheduleId, [1, 12]);
    const tickets = (await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token })).body.tickets as Json[];
    expect((await live.http.post('/v1/checkins', { adminKey: TEST_ADMIN_KEY, body: { code: tickets[0].code } })).status).toBe(200);

    const all = await refund(live, fan, reservationId);
    const other = await refund(live, fan, reservationId, { seatNumbers: [12] });

    expect(all.status).toBe(409);
    expect(all.body).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { seatNumbers: [1] } });
    expect(other.status).toBe(201);
    expect(other.body).toMatchObject({ amount: 150_000, reservationStatus: 'CONFIRMED' });
  });
});

describe('a refund of some seats', () => {
  it('given a paid booking of seats 1 and 12, when seat 12 is refunded, then only its price comes back, only it is AVAILABLE, the booking stays CONFIRMED with one ticket; refunding seat 1 later ends it REFUNDED', async () => {
    const live = await start();
    const { schedules } = await createConcert(live);
    const scheduleId = schedules[0]!.scheduleId;
    const { fan, reservationId } = await buyer(live, 'dave', scheduleId, [1, 12]);

    const first = await refund(live, fan, reservationId, { seatNumbers: [12] });

    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body).toMatchObject({ amount: 150_000, seats: [{ seatNumber: 12 }], balanceAfter: START_BALANCE - 200_000, reservationStatus: 'CONFIRMED' });
    expect(seatStatuses(live, scheduleId, [1, 12])).toEqual(['RESERVED', 'AVAILABLE']);
    const tickets = (await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token })).body.tickets as Json[];
    expect(tickets.map((ticket) => ticket.seatNumber)).toEqual([1]);
    expect((await live.http.get(`/v1/reservations/${reservationId}`, { token: fan.token })).body.status).toBe('CONFIRMED');

    const again = await refund(live, fan, reservationId, { seatNumbers: [12] });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'ALREADY_REFUNDED', details: { seatNumbers: [12] } });

    const rest = await refund(live, fan, reservationId);
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ amount: 200_000, seats: [{ seatNumber: 1 }], balanceAfter: START_BALANCE, reservationStatus: 'REFUNDED' });
    expect(rest.body.refundId).not.toBe(first.body.refundId);
    expect(seatStatuses(live, scheduleId, [1, 12])).toEqual(['AVAILABLE', 'AVAILABLE']);
  });
});

describe('one refund per booking, keyed requests replay', () => {
  it('given a refund sent with an Idempotency-Key, when it is sent again with the same key, then the same answer replays and the money came back once', async () => {
    const live = await start();
    const { schedules } = await createConcert(live);
    const { fan, reservationId } = await buyer(live, 'erin', schedules[0]!.scheduleId, [5]);

    const first = await refund(live, fan, reservationId, {}, 'refund-erin-1');
    const replay = await refund(live, fan, reservationId, {}, 'refund-erin-1');
    const unkeyed = await refund(live, fan, reservationId);
    const otherBody = await refund(live, fan, reservationId, { seatNumbers: [5] }, 'refund-erin-1');

    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(unkeyed.status).toBe(409);
    expect(unkeyed.body).toMatchObject({ code: 'ALREADY_REFUNDED', details: { refundIds: [first.body.refundId] } });
    expect(otherBody.status).toBe(422);
    const refunds = ((await live.http.get('/v1/users/me/balance/history', { token: fan.token })).body.entries as Json[]).filter((entry) => entry.kind === 'REFUND');
    expect(refunds).toHaveLength(1);
    expect(await balanceOf(live, fan)).toBe(START_BALANCE);
  });

  it('given two refunds of one booking sent at the same instant, then exactly one refunds', async () => {
    const live = await start();
    const { schedules } = await createConcert(live);
    const { fan, reservationId } = await buyer(live, 'fay', schedules[0]!.scheduleId, [6, 7]);

    const responses = await live.http.simultaneous([1, 2, 3].map(() => ({
      method: 'POST', path: `/v1/reservations/${reservationId}/refunds`, options: { token: fan.token, body: {} },
    })));

    expect(responses.map((r) => r.status).sort()).toEqual([201, 409, 409]);
    expect(await balanceOf(live, fan)).toBe(START_BALANCE);
  });
});

describe('refusals', () => {
  it('given the default cutoff, when the fan refunds less than 24 hours before the show, then 409 REFUND_CUTOFF_PASSED and nothing moves', async () => {
    const live = await start();
    const { schedules } = await createConcert(live);
    const { fan, reservationId } = await buyer(live, 'gina', schedules[0]!.scheduleId, [8]);
    const startsAtMs = Date.parse(schedules[0]!.startsAt);
    live.clock.advance(startsAtMs - DAY_MS - live.clock.now());
    // A week later: the fan signs in again.
    fan.token = await demoToken(live.http, 'gina');

    const response = await refund(live, fan, reservationId);

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'REFUND_CUTOFF_PASSED', details: { refundCutoffAt: new Date(startsAtMs - DAY_MS).toISOString(), startsAt: schedules[0]!.startsAt } });
    expect(seatStatuses(live, schedules[0]!.scheduleId, [8])).toEqual(['RESERVED']);
    expect(await balanceOf(live, fan)).toBe(START_BALANCE - 200_000);
  });

  it('given a schedule whose organiser set refundCutoffHours 2, when the fan refunds 3 hours before the show, then it refunds; 2 hours before, it is refused', async () => {
    const live = await start();
    const now = live.engine.now();
    const startsAtMs = now + 7 * DAY_MS;
    const response = await live.http.post('/v1/admin/concerts', {
      adminKey: TEST_ADMIN_KEY,
      body: { title: 'Late show', venue: 'Hall', schedules: [{ startsAt: new Date(startsAtMs).toISOString(), refundCutoffHours: 2, seatMap: { seatCount: 50, grades: DEMO_GRADES } }] },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    const scheduleId = response.body.schedules[0].scheduleId as string;
    const early = await buyer(live, 'hank', scheduleId, [9]);
    const late = await buyer(live, 'ivy', scheduleId, [10]);

    live.clock.advance(startsAtMs - 3 * HOUR_MS - live.clock.now());
    early.fan.token = await demoToken(live.http, 'hank');
    const inTime = await refund(live, early.fan, early.reservationId);
    live.clock.advance(HOUR_MS);
    late.fan.token = await demoToken(live.http, 'ivy');
    const tooLate = await refund(live, late.fan, late.reservationId);

    expect(inTime.status).toBe(201);
    expect(tooLate.status).toBe(409);
    expect(tooLate.body.code).toBe('REFUND_CUTOFF_PASSED');
  });

  it('given another fan\'s booking, a hold not paid, seats not in the booking, then 404 RESERVATION_NOT_FOUND, 409 RESERVATION_NOT_CONFIRMED, 400 SEAT_NOT_IN_RESERVATION', async () => {
    const live = await start();
    const { schedules } = await createConcert(live);
    const scheduleId = schedules[0]!.scheduleId;
    const { fan, reservationId } = await buyer(live, 'jack', scheduleId, [11, 13]);
    const mallory = await admittedFan(live, 'mallory');
    const held = await hold(live, mallory, scheduleId, [20]);

    const notYours = await refund(live, mallory, reservationId);
    const notPaid = await refund(live, mallory, held.body.reservationId as string);
    const foreignSeat = await refund(live, fan, reservationId, { seatNumbers: [11, 20] });
    const twice = await refund(live, fan, reservationId, { seatNumbers: [11, 11] });
    const unknown = await refund(live, fan, 'res_unknown');

    expect([notYours.status, notYours.body.code]).toEqual([404, 'RESERVATION_NOT_FOUND']);
    expect([notPaid.status, notPaid.body.code, notPaid.body.details]).toEqual([409, 'RESERVATION_NOT_CONFIRMED', { status: 'HELD' }]);
    expect([foreignSeat.status, foreignSeat.body.code, foreignSeat.body.details.seatNumbers]).toEqual([400, 'SEAT_NOT_IN_RESERVATION', [20]]);
    expect([twice.status, twice.body.code]).toEqual([400, 'SEAT_NOT_IN_RESERVATION']);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'RESERVATION_NOT_FOUND']);
    expect(seatStatuses(live, scheduleId, [11, 13, 20])).toEqual(['RESERVED', 'RESERVED', 'TEMP_RESERVED']);
  });
});
