/**
 * The booking flow of each seed specification (../shared/seeds/), translated to the contract and walked
 * over real HTTP: user token -> waiting room -> schedules -> seats -> hold -> charge -> pay -> payment.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeQueueToken, admittedFan, charge, createConcert, demoToken, hold, pay, queueTick, startLiveApi,
  type CreatedConcert, type Json, type LiveApi,
} from './http-client.js';

const HOLD_TTL_MS = 300_000;

function seatOf(seatMap: Json, seatNumber: number): Json {
  return (seatMap.seats as Json[]).find((seat) => seat.seatNumber === seatNumber);
}

describe('booking flows with room in the waiting room', () => {
  let api: LiveApi;

  beforeAll(async () => {
    api = await startLiveApi({ config: { limits: { queueMaxActive: 1_000 } } });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('seed 000: one seat, from queue token to a confirmed payment with balance before and after', async () => {
    // given a concert and a fan with a user token
    const concert = await createConcert(api);
    const token = await demoToken(api.http, 'seed0-fan');

    // when the fan takes a place in line, then 201 with the position also in X-Queue-Position
    const issued = await api.http.post('/v1/queue/tokens', { token });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ userId: 'seed0-fan', issuedAt: expect.any(String) });
    expect(issued.body.token.length).toBeGreaterThanOrEqual(22); // >= 128 random bits in any sane encoding
    expect(issued.headers.get('x-queue-position')).toBe(String(issued.body.position));
    // and asking again returns the same token (the seed's 409 for an existing token becomes 200 here)
    const again = await api.http.post('/v1/queue/tokens', { token });
    expect(again.status).toBe(200);
    expect(again.body.token).toBe(issued.body.token);
    const queueToken = await activeQueueToken(api, token);
    expect(queueToken).toBe(issued.body.token);

    // the available dates are the concert's schedules with their free seat counts
    const schedules = await api.http.get(`/v1/concerts/${concert.concertId}/schedules`, { token, queueToken });
    expect(schedules.status).toBe(200);
    expect(schedules.body.concertId).toBe(concert.concertId);
    expect(schedules.body.schedules).toHaveLength(2);
    const [first] = schedules.body.schedules as Json[];
    expect(first).toMatchObject({ availableSeatCount: 50, totalSeatCount: 50, date: first.startsAt.slice(0, 10) });

    // the seat map has 50 seats with grade and price
    const seats = await api.http.get(`/v1/schedules/${first.scheduleId}/seats`, { token, queueToken });
    expect(seats.status).toBe(200);
    expect(seats.body.seats).toHaveLength(50);
    expect(seatOf(seats.body, 1)).toEqual({ seatNumber: 1, grade: 'VIP', price: 200_000, status: 'AVAILABLE' });

    // hold seat 1
    const fan = { userId: 'seed0-fan', token, queueToken };
    const held = await hold(api, fan, first.scheduleId, [1]);
    expect(held.status).toBe(201);
    expect(held.body).toMatchObject({
      userId: 'seed0-fan', scheduleId: first.scheduleId, concertId: concert.concertId, status: 'HELD',
      seats: [{ seatNumber: 1, grade: 'VIP', price: 200_000 }], totalPrice: 200_000,
    });
    expect(Date.parse(held.body.holdExpiresAt) - Date.parse(held.body.heldAt)).toBe(HOLD_TTL_MS);
    const afterHold = await api.http.get(`/v1/schedules/${first.scheduleId}/seats`, { token, queueToken });
    expect(seatOf(afterHold.body, 1).status).toBe('TEMP_RESERVED');
    expect(afterHold.body.version).toBeGreaterThan(seats.body.version);

    // charge and read the balance
    const charged = await charge(api, fan, 500_000);
    expect(charged.status).toBe(200);
    expect(charged.body).toMatchObject({ userId: 'seed0-fan', chargedAmount: 500_000, balance: 500_000 });
    const balance = await api.http.get('/v1/users/me/balance', { token });
    expect(balance.body).toEqual({ userId: 'seed0-fan', balance: 500_000 });

    // pay
    const paid = await pay(api, fan, held.body.reservationId);
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({
      reservationId: held.body.reservationId, userId: 'seed0-fan', amount: 200_000, status: 'COMPLETED',
      balanceBefore: 500_000, balanceAfter: 300_000, queueTokenExpired: true,
      seats: [{ seatNumber: 1, grade: 'VIP', price: 200_000 }],
    });
    const payment = await api.http.get(`/v1/payments/${paid.body.paymentId}`, { token });
    expect(payment.status).toBe(200);
    expect(payment.body).toEqual(paid.body);
    const reservation = await api.http.get(`/v1/reservations/${held.body.reservationId}`, { token });
    expect(reservation.body).toMatchObject({ status: 'CONFIRMED', paymentId: paid.body.paymentId });

    // the payment ended the queue token; a new one sees the seat RESERVED
    const withOldToken = await api.http.get(`/v1/schedules/${first.scheduleId}/seats`, { token, queueToken });
    expect(withOldToken.status).toBe(401);
    expect(withOldToken.body.code).toBe('QUEUE_TOKEN_INVALID');
    const nextQueueToken = await activeQueueToken(api, token);
    expect(nextQueueToken).not.toBe(queueToken);
    const finalMap = await api.http.get(`/v1/schedules/${first.scheduleId}/seats`, { token, queueToken: nextQueueToken });
    expect(seatOf(finalMap.body, 1).status).toBe('RESERVED');
  });

  it('seed 001: several seats of one schedule in one hold, all or none, paid at their total', async () => {
    const concert = await createConcert(api);
    const fan = await admittedFan(api, 'seed1-fan');
    const schedules = await api.http.get(`/v1/concerts/${concert.concertId}/schedules`, fan);
    const schedule = schedules.body.schedules[0] as Json;
    expect(schedule).toMatchObject({ scheduleId: expect.any(String), startsAt: expect.any(String), bookingOpensAt: expect.any(String) });

    const seats = await api.http.get(`/v1/schedules/${schedule.scheduleId}/seats`, fan);
    expect(seats.body).toMatchObject({ scheduleId: schedule.scheduleId, concertId: concert.concertId, startsAt: schedule.startsAt });

    // seats 10 (VIP) and 11 (R) together
    const held = await hold(api, fan, schedule.scheduleId, [10, 11]);
    expect(held.status).toBe(201);
    expect(held.body.seats).toEqual([
      { seatNumber: 10, grade: 'VIP', price: 200_000 },
      { seatNumber: 11, grade: 'R', price: 150_000 },
    ]);
    expect(held.body.totalPrice).toBe(350_000);

    // all or none: another fan asking for 11 and 12 gets neither, and 12 stays free
    const rival = await admittedFan(api, 'seed1-rival');
    const refused = await hold(api, rival, schedule.scheduleId, [11, 12]);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'SEAT_UNAVAILABLE', details: { seatNumbers: [11] } });
    const afterRefusal = await api.http.get(`/v1/schedules/${schedule.scheduleId}/seats`, rival);
    expect(seatOf(afterRefusal.body, 12).status).toBe('AVAILABLE');

    expect((await charge(api, fan, 400_000)).status).toBe(200);
    const paid = await pay(api, fan, held.body.reservationId);
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ amount: 350_000, balanceBefore: 400_000, balanceAfter: 50_000 });
    const balance = await api.http.get('/v1/users/seed1-fan/balance', { token: fan.token });
    expect(balance.body.balance).toBe(50_000);

    const confirmed = await api.http.get(`/v1/schedules/${schedule.scheduleId}/seats?status=RESERVED`, rival);
    expect((confirmed.body.seats as Json[]).map((seat) => seat.seatNumber)).toEqual([10, 11]);
  });

  it('seed 002: available seats filtered by status, a single-seat hold with its expiry, then payment', async () => {
    const concert = await createConcert(api);
    const fan = await admittedFan(api, 'seed2-fan');
    const scheduleId = concert.schedules[0]!.scheduleId;
    const rival = await admittedFan(api, 'seed2-rival');
    expect((await hold(api, rival, scheduleId, [5])).status).toBe(201);

    const available = await api.http.get(`/v1/schedules/${scheduleId}/seats?status=AVAILABLE`, fan);
    expect(available.status).toBe(200);
    expect(available.body.seats).toHaveLength(49);
    expect((available.body.seats as Json[]).every((seat) => seat.status === 'AVAILABLE')).toBe(true);
    expect(seatOf(available.body, 5)).toBeUndefined();

    const held = await hold(api, fan, scheduleId, [20]);
    expect(held.status).toBe(201);
    expect(held.body.holdExpiresAt).toBe(new Date(Date.parse(held.body.heldAt) + HOLD_TTL_MS).toISOString());
    expect((await charge(api, fan, 150_000)).body.balance).toBe(150_000);
    const paid = await pay(api, fan, held.body.reservationId);
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ status: 'COMPLETED', amount: 150_000, balanceAfter: 0 });
  });

  it('seed 003: X-Queue-Position, schedules with free seats only, idempotent hold, charge and payment', async () => {
    // given a concert whose first schedule has two seats only
    const now = api.engine.now();
    const opensAt = new Date(now - 3_600_000).toISOString();
    const concert = await createConcert(api, [
      { startsAt: new Date(now + 86_400_000).toISOString(), bookingOpensAt: opensAt, seatMap: { seatCount: 2, grades: [{ grade: 'R', from: 1, to: 2, price: 40_000 }] } },
      { startsAt: new Date(now + 2 * 86_400_000).toISOString(), bookingOpensAt: opensAt },
    ]);
    const [small, large] = concert.schedules;
    const buyer = await admittedFan(api, 'seed3-buyer');

    // when the buyer holds both seats of the small schedule (with an Idempotency-Key)
    const held = await hold(api, buyer, small!.scheduleId, [1, 2], 'seed3-hold-1');
    expect(held.status).toBe(201);
    const sameAgain = await hold(api, buyer, small!.scheduleId, [1, 2], 'seed3-hold-1');
    expect(sameAgain.status).toBe(201);
    expect(sameAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(sameAgain.body).toEqual(held.body);

    // then by default only the schedule with a free seat is listed; includeSoldOut lists both
    const fan = await admittedFan(api, 'seed3-fan');
    const defaultList = await api.http.get(`/v1/concerts/${concert.concertId}/schedules`, fan);
    expect((defaultList.body.schedules as Json[]).map((s) => s.scheduleId)).toEqual([large!.scheduleId]);
    const everything = await api.http.get(`/v1/concerts/${concert.concertId}/schedules?includeSoldOut=true`, fan);
    expect((everything.body.schedules as Json[]).map((s) => s.scheduleId)).toEqual([small!.scheduleId, large!.scheduleId]);
    expect(everything.body.schedules[0].availableSeatCount).toBe(0);

    // seats run 1..50 with one of the three statuses
    const seats = await api.http.get(`/v1/schedules/${large!.scheduleId}/seats`, fan);
    expect((seats.body.seats as Json[]).map((seat) => seat.seatNumber)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));

    // the reservation can be read back; charge and payment are idempotent too
    const reservation = await api.http.get(`/v1/reservations/${held.body.reservationId}`, { token: buyer.token });
    expect(reservation.body).toMatchObject({ status: 'HELD', holdExpiresAt: held.body.holdExpiresAt, totalPrice: 80_000 });
    const charged = await api.http.post('/v1/users/me/balance/charge', { token: buyer.token, idempotencyKey: 'seed3-charge', body: { amount: 100_000 } });
    expect(charged.status).toBe(200);
    const paid = await pay(api, buyer, held.body.reservationId, 'seed3-pay');
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ balanceAfter: 20_000, queueTokenExpired: true });
  });

  it('seed 004: queue position and wait in seconds, seat 12 held and paid, ownership visible in the lists', async () => {
    const concert = await createConcert(api);
    const token = await demoToken(api.http, 'seed4-fan');
    const issued = await api.http.post('/v1/queue/tokens', { token });
    expect(Number.isInteger(issued.body.estimatedWaitSeconds)).toBe(true);
    expect(issued.body.estimatedWaitSeconds).toBeGreaterThanOrEqual(0);
    const status = await api.http.get('/v1/queue/status', { token, queueToken: issued.body.token });
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ token: issued.body.token, userId: 'seed4-fan', soldOut: false });
    const fan = { userId: 'seed4-fan', token, queueToken: await activeQueueToken(api, token) };

    const scheduleId = concert.schedules[1]!.scheduleId;
    const held = await hold(api, fan, scheduleId, [12]);
    expect(held.status).toBe(201);
    expect((await charge(api, fan, 150_000)).status).toBe(200);
    const paid = await pay(api, fan, held.body.reservationId);
    expect(paid.status).toBe(201);

    const mine = await api.http.get('/v1/reservations?status=CONFIRMED', { token });
    expect((mine.body.reservations as Json[]).map((r) => r.reservationId)).toEqual([held.body.reservationId]);
    const none = await api.http.get('/v1/reservations?status=HELD', { token });
    expect(none.body.reservations).toEqual([]);
  });

  it('cancel: a held reservation is CANCELLED and its seats are AVAILABLE again', async () => {
    const concert = await createConcert(api);
    const fan = await admittedFan(api, 'cancel-fan');
    const scheduleId = concert.schedules[0]!.scheduleId;
    const held = await hold(api, fan, scheduleId, [3, 4]);
    expect(held.status).toBe(201);

    const cancelled = await api.http.delete(`/v1/reservations/${held.body.reservationId}`, { token: fan.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ reservationId: held.body.reservationId, status: 'CANCELLED' });
    const seats = await api.http.get(`/v1/schedules/${scheduleId}/seats`, fan);
    expect([seatOf(seats.body, 3).status, seatOf(seats.body, 4).status]).toEqual(['AVAILABLE', 'AVAILABLE']);

    // and the fan may hold again (the cancelled hold no longer counts against HOLD_LIMIT_REACHED)
    expect((await hold(api, fan, scheduleId, [3])).status).toBe(201);
  });

  it('hold expiry: with no request, the hold becomes EXPIRED and its seat AVAILABLE after HOLD_TTL', async () => {
    const concert = await createConcert(api);
    const fan = await admittedFan(api, 'expiry-fan');
    const scheduleId = concert.schedules[0]!.scheduleId;
    const held = await hold(api, fan, scheduleId, [7]);
    expect(held.status).toBe(201);

    api.clock.advance(HOLD_TTL_MS - 1_000);
    expect((await api.http.get(`/v1/reservations/${held.body.reservationId}`, { token: fan.token })).body.status).toBe('HELD');
    api.clock.advance(1_000);
    await queueTick(api.clock);

    expect((await api.http.get(`/v1/reservations/${held.body.reservationId}`, { token: fan.token })).body.status).toBe('EXPIRED');
    const seats = await api.http.get(`/v1/schedules/${scheduleId}/seats`, fan);
    expect(seatOf(seats.body, 7).status).toBe('AVAILABLE');
  });

  it('history: charges and payments, newest first, with the balance after each', async () => {
    const concert = await createConcert(api);
    const fan = await admittedFan(api, 'history-fan');
    expect((await charge(api, fan, 300_000)).status).toBe(200);
    expect((await charge(api, fan, 50_000)).status).toBe(200);
    const held = await hold(api, fan, concert.schedules[0]!.scheduleId, [40]);
    const paid = await pay(api, fan, held.body.reservationId);
    expect(paid.status).toBe(201);

    const history = await api.http.get('/v1/users/me/balance/history', { token: fan.token });
    expect(history.status).toBe(200);
    const entries = history.body.entries as Json[];
    expect(entries.map((entry) => [entry.kind, entry.amount, entry.balanceAfter])).toEqual([
      ['PAYMENT', 100_000, 250_000],
      ['CHARGE', 50_000, 350_000],
      ['CHARGE', 300_000, 300_000],
    ]);
    expect(entries[0]).toMatchObject({ entryId: expect.any(String), at: expect.any(String), reference: expect.any(String) });
  });
});

describe('booking flow through a full waiting room (one active slot)', () => {
  let api: LiveApi;
  let concert: CreatedConcert;

  beforeAll(async () => {
    api = await startLiveApi({ config: { limits: { queueMaxActive: 1 } } });
    concert = await createConcert(api);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('seeds 002/004: a waiting fan polls a falling position, is refused until admitted, then books', async () => {
    // given one fan admitted and two waiting behind
    const first = await admittedFan(api, 'line-first');
    const secondToken = await demoToken(api.http, 'line-second');
    const thirdToken = await demoToken(api.http, 'line-third');
    const second = await api.http.post('/v1/queue/tokens', { token: secondToken });
    const third = await api.http.post('/v1/queue/tokens', { token: thirdToken });
    await queueTick(api.clock);
    const secondStatus = await api.http.get('/v1/queue/status', { token: secondToken, queueToken: second.body.token });
    const thirdStatus = await api.http.get('/v1/queue/status', { token: thirdToken, queueToken: third.body.token });
    expect(secondStatus.body).toMatchObject({ status: 'WAITING', position: 1, expiresAt: null });
    expect(thirdStatus.body).toMatchObject({ status: 'WAITING', position: 2 });
    expect(thirdStatus.headers.get('x-queue-position')).toBe('2');

    // when the waiting fan asks for seats, then 403 QUEUE_NOT_ACTIVE
    const refused = await api.http.get(`/v1/concerts/${concert.concertId}/schedules`, { token: secondToken, queueToken: second.body.token });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('QUEUE_NOT_ACTIVE');

    // when the admitted fan pays, the head of the line is admitted within one tick and the rest move up
    const held = await hold(api, first, concert.schedules[0]!.scheduleId, [1]);
    expect((await charge(api, first, 200_000)).status).toBe(200);
    expect((await pay(api, first, held.body.reservationId)).status).toBe(201);
    await queueTick(api.clock);
    const admitted = await api.http.get('/v1/queue/status', { token: secondToken, queueToken: second.body.token });
    expect(admitted.body).toMatchObject({ status: 'ACTIVE', position: 0, expiresAt: expect.any(String) });
    const movedUp = await api.http.get('/v1/queue/status', { token: thirdToken, queueToken: third.body.token });
    expect(movedUp.body).toMatchObject({ status: 'WAITING', position: 1 });

    // and the admitted fan can book
    const secondFan = { userId: 'line-second', token: secondToken, queueToken: second.body.token as string };
    expect((await hold(api, secondFan, concert.schedules[0]!.scheduleId, [2])).status).toBe(201);

    // leaving the line lets the next one in without waiting for the admission to time out
    const left = await api.http.delete('/v1/queue/tokens/current', { token: secondToken, queueToken: second.body.token });
    expect(left.status).toBe(204);
    await queueTick(api.clock);
    const thirdAdmitted = await api.http.get('/v1/queue/status', { token: thirdToken, queueToken: third.body.token });
    expect(thirdAdmitted.body.status).toBe('ACTIVE');
  });
});
