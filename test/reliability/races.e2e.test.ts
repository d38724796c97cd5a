/**
 * Races over HTTP (the real app listening on a port, requests fired together): overlapping multi-seat
 * holds, one seat with many payers, charges and a payment on one wallet at once; and, in process with a
 * clock whose timers can lag, a hold whose expiry and payment fall in the same millisecond. After each,
 * the invariants: no seat with two owners, all-or-nothing holds, one payment per reservation, money
 * debited once, balances equal to their ledgers, and an independent journal replay without findings.
 */
import fc from 'fast-check';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import { buildTestApp, TEST_ADMIN_KEY, TEST_AUTH_SECRET, type TestApp } from '../helpers/build-test-app.js';
import { HttpClient, type Reply } from './support/http-client.js';
import { auditJournal, auditLedger, openReadOnly } from './support/journal-audit.js';
import { userToken } from './support/tokens.js';

const HOLD_TTL_MS = 60_000;
const QUEUE_MAX_ACTIVE = 1_000;
let t: TestApp<ManualClock> | undefined;
let races = 0;

afterEach(async () => {
  await t?.close();
  t = undefined;
});

interface Live { t: TestApp<ManualClock>; http: HttpClient; token(user: string): string; queueTokens: Map<string, string> }

async function startLive(clock: ManualClock = new ManualClock()): Promise<Live> {
  const app = await buildTestApp<ManualClock>({ clock, config: { limits: { holdTtlMs: HOLD_TTL_MS, queueMaxActive: QUEUE_MAX_ACTIVE } } });
  t = app;
  await app.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.app.server.address() as AddressInfo;
  return { t: app, http: new HttpClient(`http://127.0.0.1:${port}`), token: (user) => userToken(user, TEST_AUTH_SECRET, clock.now()), queueTokens: new Map() };
}

async function tick(live: Live): Promise<void> {
  live.t.clock.advance(1_000);
  await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Every user joins the line and is admitted (the room is large). */
async function admitAll(live: Live, users: string[]): Promise<void> {
  for (const user of users) {
    const joined = await live.http.call('POST', '/v1/queue/tokens', { token: live.token(user) });
    expect([200, 201]).toContain(joined.status);
    live.queueTokens.set(user, joined.body.token as string);
  }
  await tick(live);
}

function gated(live: Live, user: string): { token: string; queueToken: string } {
  return { token: live.token(user), queueToken: live.queueTokens.get(user) ?? 'none' };
}

async function createSchedule(live: Live, seatCount: number, price = 100_000): Promise<string> {
  const now = live.t.clock.now();
  const created = await live.http.call('POST', '/v1/admin/concerts', {
    adminKey: TEST_ADMIN_KEY,
    body: { title: 'Race night', venue: 'Hall', schedules: [{ startsAt: new Date(now + 7 * 86_400_000).toISOString(), bookingOpensAt: new Date(now - 1_000).toISOString(), seatMap: { seatCount, grades: [{ grade: 'R', from: 1, to: seatCount, price }] } }] },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.schedules[0].scheduleId as string;
}

async function seatStatuses(live: Live, user: string, scheduleId: string): Promise<Map<number, string>> {
  const seats = await live.http.call('GET', `/v1/schedules/${scheduleId}/seats`, gated(live, user));
  expect(seats.status).toBe(200);
  return new Map((seats.body.seats as Array<{ seatNumber: number; status: string }>).map((s) => [s.seatNumber, s.status]));
}

function expectCleanFile(live: Live): void {
  const db = openReadOnly(live.t.dbPath);
  try {
    expect([...auditLedger(db), ...auditJournal(db, { queueMaxActive: QUEUE_MAX_ACTIVE, holdTtlMs: HOLD_TTL_MS }).violations]).toEqual([]);
  } finally {
    db.close();
  }
}

async function balanceAndHistory(live: Live, user: string): Promise<{ balance: number; entries: Array<{ kind: string; amount: number; reference: string }> }> {
  const balance = await live.http.call('GET', '/v1/users/me/balance', { token: live.token(user) });
  const history = await live.http.call('GET', '/v1/users/me/balance/history', { token: live.token(user) });
  return { balance: balance.body.balance as number, entries: history.body.entries };
}

describe('races over HTTP', () => {
  it('N users x M seats: overlapping multi-seat holds fired at once never share a seat and are all or nothing', async () => {
    const live = await startLive();
    const users = Array.from({ length: 30 }, (_, i) => `racer${i}`);
    await admitAll(live, users);

    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 6, max: 14 }),
      fc.array(fc.uniqueArray(fc.integer({ min: 1, max: 14 }), { minLength: 1, maxLength: 4 }), { minLength: users.length, maxLength: users.length }),
      async (seatCount, wishes) => {
        // Given a fresh schedule of few seats and thirty users each wanting one to four of them
        const scheduleId = await createSchedule(live, seatCount);
        const requests = wishes.map((seats) => seats.map((n) => ((n - 1) % seatCount) + 1)).map((seats) => [...new Set(seats)]);
        // When every hold is sent at once
        races++;
        const replies = await Promise.all(users.map((user, i) => live.http.call('POST', '/v1/reservations', { ...gated(live, user), body: { scheduleId, seatNumbers: requests[i] } })));
        // Then the winners' seats are disjoint, the map shows exactly them, and each loser names a taken seat
        const owner = new Map<number, string>();
        const winners: Array<{ user: string; reservationId: string }> = [];
        replies.forEach((reply, i) => {
          if (reply.status !== 201) return;
          winners.push({ user: users[i] as string, reservationId: reply.body.reservationId });
          for (const seat of reply.body.seats as Array<{ seatNumber: number }>) {
            expect(owner.has(seat.seatNumber), `seat ${seat.seatNumber} held twice`).toBe(false);
            owner.set(seat.seatNumber, users[i] as string);
          }
          expect((reply.body.seats as Array<{ seatNumber: number }>).map((s) => s.seatNumber)).toEqual(requests[i]);
        });
        expect(winners.length).toBeGreaterThan(0);
        replies.forEach((reply, i) => {
          if (reply.status === 201) return;
          expect(`${reply.status} ${reply.body.code}`).toBe('409 SEAT_UNAVAILABLE');
          const taken = reply.body.details.seatNumbers as number[];
          expect(taken.length).toBeGreaterThan(0);
          for (const seat of taken) {
            expect(requests[i]).toContain(seat);
            expect(owner.has(seat), `loser told seat ${seat} is taken but nobody holds it`).toBe(true);
          }
        });
        const statuses = await seatStatuses(live, users[0] as string, scheduleId);
        for (const [seat, status] of statuses) expect(status, `seat ${seat}`).toBe(owner.has(seat) ? 'TEMP_RESERVED' : 'AVAILABLE');
        // And cancelling every winner at once frees every seat
        const cancels = await Promise.all(winners.map((w) => live.http.call('DELETE', `/v1/reservations/${w.reservationId}`, { token: live.token(w.user) })));
        expect(cancels.map((c) => c.status).every((s) => s === 200)).toBe(true);
        expect([...(await seatStatuses(live, users[0] as string, scheduleId)).values()].every((s) => s === 'AVAILABLE')).toBe(true);
      },
    ), { numRuns: 12 });
    expectCleanFile(live);
  }, 120_000);

  it('one seat, many payers: exactly one payment, money taken once, replays and duplicates refused', async () => {
    const live = await startLive();
    const others = Array.from({ length: 6 }, (_, i) => `thief${i}`);
    const contenders = Array.from({ length: 12 }, (_, i) => `hopeful${i}`);
    await admitAll(live, [...contenders, ...others]);
    const scheduleId = await createSchedule(live, 1, 150_000);

    // Given twelve users racing for the only seat: exactly one holds it
    races++;
    const holds = await Promise.all(contenders.map((user) => live.http.call('POST', '/v1/reservations', { ...gated(live, user), body: { scheduleId, seatNumbers: [1] } })));
    const winnerIndex = holds.findIndex((h) => h.status === 201);
    expect(holds.filter((h) => h.status === 201)).toHaveLength(1);
    const winner = contenders[winnerIndex] as string;
    const reservationId = holds[winnerIndex]?.body.reservationId as string;
    expect((await live.http.call('POST', '/v1/users/me/balance/charge', { token: live.token(winner), body: { amount: 500_000 } })).status).toBe(200);

    // When the winner pays eight times at once (same key, other keys, no key) and six others try to pay it too
    races++;
    const attempts: Array<Promise<Reply>> = [];
    for (let i = 0; i < 8; i++) {
      const key = i < 3 ? 'same-key' : i < 6 ? `key-${i}` : undefined;
      attempts.push(live.http.call('POST', '/v1/payments', { ...gated(live, winner), body: { reservationId }, ...(key === undefined ? {} : { idempotencyKey: key }) }));
    }
    const thieves = others.map((user) => live.http.call('POST', '/v1/payments', { ...gated(live, user), body: { reservationId } }));
    const [mine, theirs] = await Promise.all([Promise.all(attempts), Promise.all(thieves)]);

    // Then one payment exists, every other attempt is refused or replays it, and the money moved once
    const paid = mine.filter((r) => r.status === 201);
    const paymentIds = new Set(paid.map((r) => r.body.paymentId as string));
    expect(paymentIds.size).toBe(1);
    for (const reply of paid) expect(reply.body.amount).toBe(150_000);
    for (const reply of mine.filter((r) => r.status !== 201)) {
      expect(['409 ALREADY_PAID', '401 QUEUE_TOKEN_INVALID', '409 IDEMPOTENCY_IN_PROGRESS']).toContain(`${reply.status} ${reply.body.code}`);
    }
    for (const reply of theirs) expect(`${reply.status} ${reply.body.code}`).toBe('404 RESERVATION_NOT_FOUND');
    const wallet = await balanceAndHistory(live, winner);
    expect(wallet.balance).toBe(350_000);
    expect(wallet.entries.filter((e) => e.kind === 'PAYMENT')).toHaveLength(1);
    for (const user of others) expect((await balanceAndHistory(live, user)).entries).toEqual([]);
    expect((await seatStatuses(live, others[0] as string, scheduleId)).get(1)).toBe('RESERVED');
    expectCleanFile(live);
  });

  it('charges and a payment on one wallet at once: the ledger explains the balance, whatever the order', async () => {
    const live = await startLive();
    const scheduleId = await createSchedule(live, 200, 100_000);
    let round = 0;
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 150_000 }),
      fc.array(fc.record({ amount: fc.integer({ min: 1, max: 200_000 }), key: fc.option(fc.constantFrom('k1', 'k2', 'k3'), { nil: undefined }) }), { minLength: 1, maxLength: 8 }),
      fc.integer({ min: 1, max: 3 }),
      async (startBalance, charges, pays) => {
        // Given a fresh user with some money and a hold of one 100 000 seat
        const user = `wallet${round++}`;
        await admitAll(live, [user]);
        if (startBalance > 0) expect((await live.http.call('POST', '/v1/users/me/balance/charge', { token: live.token(user), body: { amount: startBalance } })).status).toBe(200);
        const hold = await live.http.call('POST', '/v1/reservations', { ...gated(live, user), body: { scheduleId, seatNumbers: [round] } });
        expect(hold.status, JSON.stringify(hold.body)).toBe(201);
        // When the charges and the payments go out together
        races++;
        const requests = [
          ...charges.map((c) => live.http.call('POST', '/v1/users/me/balance/charge', { token: live.token(user), body: { amount: c.amount }, ...(c.key === undefined ? {} : { idempotencyKey: `${user}-${c.key}` }) })),
          ...Array.from({ length: pays }, () => live.http.call('POST', '/v1/payments', { ...gated(live, user), body: { reservationId: hold.body.reservationId } })),
        ];
        const replies = await Promise.all(requests);
        // Then the balance is the start plus each distinct charge minus at most one payment
        const chargeReplies = replies.slice(0, charges.length);
        const payReplies = replies.slice(charges.length);
        const chargeIds = new Map<string, number>();
        for (const reply of chargeReplies) {
          if (reply.status === 200) chargeIds.set(reply.body.chargeId, reply.body.chargedAmount);
          else expect(['409 IDEMPOTENCY_IN_PROGRESS', '422 IDEMPOTENCY_KEY_REUSED']).toContain(`${reply.status} ${reply.body.code}`);
        }
        const payments = payReplies.filter((r) => r.status === 201);
        expect(payments.length).toBeLessThanOrEqual(1);
        for (const reply of payReplies.filter((r) => r.status !== 201)) {
          expect(['402 INSUFFICIENT_BALANCE', '409 ALREADY_PAID', '401 QUEUE_TOKEN_INVALID']).toContain(`${reply.status} ${reply.body.code}`);
        }
        const payment = payments[0]?.body;
        if (payment !== undefined) {
          expect(payment.balanceBefore - payment.amount).toBe(payment.balanceAfter);
          expect(payment.balanceBefore).toBeGreaterThanOrEqual(100_000);
        }
        const charged = [...chargeIds.values()].reduce((a, b) => a + b, 0);
        const wallet = await balanceAndHistory(live, user);
        expect(wallet.balance).toBe(startBalance + charged - (payment === undefined ? 0 : 100_000));
        expect(wallet.entries.filter((e) => e.kind === 'CHARGE')).toHaveLength(chargeIds.size + (startBalance > 0 ? 1 : 0));
        expect(wallet.balance).toBeGreaterThanOrEqual(0);
        if (payment === undefined) {
          await live.http.call('DELETE', `/v1/reservations/${hold.body.reservationId}`, { token: live.token(user) });
        }
      },
    ), { numRuns: 15 });
    expectCleanFile(live);
  }, 120_000);
});

describe('a hold expiring in the same millisecond as its payment', () => {
  const orders = ['timer fires, then the payment', 'the payment, then the timer', 'the payment in flight while the timer fires'] as const;
  const cases = [-1, 0, 1].flatMap((offsetMs) => orders.map((order) => ({ offsetMs, order })));

  for (const { offsetMs, order } of cases) {
    it(`deadline ${offsetMs >= 0 ? '+' : ''}${offsetMs} ms, ${order}: paid only before the deadline, ended exactly once`, async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const live = await startLive(clock);
      await admitAll(live, ['mia']);
      const scheduleId = await createSchedule(live, 10, 100_000);
      expect((await live.http.call('POST', '/v1/users/me/balance/charge', { token: live.token('mia'), body: { amount: 300_000 } })).status).toBe(200);
      const hold = await live.http.call('POST', '/v1/reservations', { ...gated(live, 'mia'), body: { scheduleId, seatNumbers: [7] } });
      expect(hold.status).toBe(201);
      const deadlineMs = Date.parse(hold.body.holdExpiresAt as string);

      // Given the clock at the deadline plus the offset, and the expiry timer due or not yet run
      clock.stall(Math.max(0, deadlineMs + offsetMs - clock.now())); // time moves, the expiry timer is late
      const pay = (): Promise<Reply> => live.http.call('POST', '/v1/payments', { ...gated(live, 'mia'), body: { reservationId: hold.body.reservationId } });
      // When the payment and the timer meet in the given order
      races++;
      let reply: Reply;
      if (order === 'timer fires, then the payment') {
        clock.advance(0); // the late timers fire
        reply = await pay();
      } else if (order === 'the payment, then the timer') {
        reply = await pay();
        clock.advance(0); // the late timers fire
      } else {
        const inFlight = pay();
        clock.advance(0); // the late timers fire
        reply = await inFlight;
      }
      await new Promise((resolve) => setTimeout(resolve, 10));

      // Then the payment succeeds only strictly before the deadline, and the hold ends exactly once
      const paid = offsetMs < 0;
      expect(`${reply.status} ${reply.body.code ?? ''}`.trim()).toBe(paid ? '201' : '410 RESERVATION_EXPIRED');
      const reservation = await live.http.call('GET', `/v1/reservations/${hold.body.reservationId}`, { token: live.token('mia') });
      expect(reservation.body.status).toBe(paid ? 'CONFIRMED' : 'EXPIRED');
      const wallet = await balanceAndHistory(live, 'mia');
      expect(wallet.balance).toBe(paid ? 200_000 : 300_000);
      const db = openReadOnly(live.t.dbPath);
      try {
        const ends = db.prepare("SELECT type FROM journal WHERE type IN ('reservation.confirmed', 'reservation.expired', 'reservation.cancelled') AND data LIKE ?").pluck().all(`%${hold.body.reservationId as string}%`);
        expect(ends).toEqual([paid ? 'reservation.confirmed' : 'reservation.expired']);
        expect([...auditLedger(db), ...auditJournal(db, { queueMaxActive: QUEUE_MAX_ACTIVE, holdTtlMs: HOLD_TTL_MS }).violations]).toEqual([]);
      } finally {
        db.close();
      }
      // And a later timer or restart changes nothing
      clock.advance(5_000);
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect((await live.http.call('GET', `/v1/reservations/${hold.body.reservationId}`, { token: live.token('mia') })).body.status).toBe(paid ? 'CONFIRMED' : 'EXPIRED');
    });
  }
});

describe('a hold ending in the same turn as a request about it', () => {
  // The engine retires an ended hold from its schedule at decide time; its commit comes on a later turn
  // and its archive row at a later checkpoint. A request decided in between must still see the reservation.
  for (const ending of ['expired by its timer', 'cancelled'] as const) {
    it(`a hold ${ending} reads as ended, never as unknown, before the ending is committed`, async () => {
      const clock = new ManualClock(Date.UTC(2026, 0, 1));
      const live = await startLive(clock);
      await admitAll(live, ['noa']);
      const scheduleId = await createSchedule(live, 10, 100_000);
      expect((await live.http.call('POST', '/v1/users/me/balance/charge', { token: live.token('noa'), body: { amount: 300_000 } })).status).toBe(200);
      const hold = await live.http.call('POST', '/v1/reservations', { ...gated(live, 'noa'), body: { scheduleId, seatNumbers: [4] } });
      expect(hold.status).toBe(201);
      const reservationId = hold.body.reservationId as string;
      const engine = live.t.engine;

      // Given the hold's ending decided in memory, its commit still pending (same event-loop turn)
      if (ending === 'expired by its timer') {
        clock.stall(Math.max(0, Date.parse(hold.body.holdExpiresAt as string) - clock.now())); // time moves, the expiry timer is late
        clock.advance(0); // the late timers fire
      } else {
        void engine.cancelReservation('noa', reservationId);
      }
      const status = ending === 'cancelled' ? 'CANCELLED' : 'EXPIRED';
      // When the owner reads, lists, pays and cancels it in that same turn
      races++;
      const read = engine.getReservation('noa', reservationId);
      const listed = engine.listReservations('noa').map((r) => r.reservationId);
      const paid = engine.pay({ userId: 'noa', reservationId });
      const cancelled = engine.cancelReservation('noa', reservationId);
      // Then the answers are the ended reservation's, not "not found"
      expect(read.ok ? read.value.status : read.error.code).toBe(status);
      expect(listed).toContain(reservationId);
      const payOutcome = await paid;
      expect(payOutcome.ok ? 'paid' : payOutcome.error.code).toBe('RESERVATION_EXPIRED');
      const cancelOutcome = await cancelled;
      expect(cancelOutcome.ok ? 'cancelled again' : cancelOutcome.error.code).toBe('RESERVATION_NOT_HELD');
      expect((await balanceAndHistory(live, 'noa')).balance).toBe(300_000);
    });
  }
});

describe('race count', () => {
  it('ran', () => {
    process.stdout.write(`races: ${races} concurrent bursts\n`);
    expect(races).toBeGreaterThan(0);
  });
});
