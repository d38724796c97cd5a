import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { admit, createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';

let h: Harness;
afterEach(async () => h?.dispose());

describe('engine: a booking from queue to payment', () => {
  it('holds, charges, pays and keeps it all across a restart', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    await admit(h, 'alice');

    const hold = await h.engine.hold({ userId: 'alice', scheduleId, seatNumbers: [1, 2] });
    expect(hold.ok).toBe(true);
    if (!hold.ok) return;
    expect(hold.value.status).toBe('HELD');
    expect(hold.value.totalPrice).toBe(400_000);

    const charge = await h.engine.charge({ userId: 'alice', amount: 500_000 });
    expect(charge.ok && charge.value.balance).toBe(500_000);

    const paid = await h.engine.pay({ userId: 'alice', reservationId: hold.value.reservationId });
    expect(paid.ok).toBe(true);
    if (!paid.ok) return;
    expect(paid.value).toMatchObject({ amount: 400_000, balanceBefore: 500_000, balanceAfter: 100_000, queueTokenExpired: true });

    const engine = await h.reopen();
    expect(engine.getBalance('alice').balance).toBe(100_000);
    const seats = engine.getSeatMap(scheduleId);
    expect(seats.ok && seats.value.seats.filter((s) => s.status === 'RESERVED').map((s) => s.seatNumber)).toEqual([1, 2]);
    expect(engine.getPayment('alice', paid.value.paymentId).ok).toBe(true);
    expect(engine.getReservation('alice', hold.value.reservationId)).toMatchObject({ ok: true, value: { status: 'CONFIRMED' } });
  });

  it('expires a hold at its absolute deadline, also across a restart', async () => {
    h = await openHarness({ holdTtlMs: 300_000 });
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const hold = await h.engine.hold({ userId: 'bob', scheduleId, seatNumbers: [5] });
    if (!hold.ok) throw new Error(hold.error.code);
    await h.advance(200_000);
    let engine = await h.reopen();
    expect(engine.getReservation('bob', hold.value.reservationId)).toMatchObject({ ok: true, value: { status: 'HELD' } });
    await h.advance(99_999);
    expect(engine.getReservation('bob', hold.value.reservationId)).toMatchObject({ ok: true, value: { status: 'HELD' } });
    await h.advance(1);
    expect(engine.getReservation('bob', hold.value.reservationId)).toMatchObject({ ok: true, value: { status: 'EXPIRED' } });
    engine = await h.reopen();
    expect(engine.getReservation('bob', hold.value.reservationId)).toMatchObject({ ok: true, value: { status: 'EXPIRED' } });
    const seat = engine.getSeatMap(scheduleId);
    expect(seat.ok && seat.value.seats[4]?.status).toBe('AVAILABLE');
  });
});

describe('engine: a buyer of several reservations', () => {
  it('lists every one they bought, the first, second and third, live, after a kill -9 and after a clean restart', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    expect((await h.engine.charge({ userId: 'fan', amount: 1_000_000 })).ok).toBe(true);
    const confirmed = (engine: typeof h.engine): string[] => engine.listReservations('fan', 'CONFIRMED').map((r) => r.reservationId).sort();
    const bought: string[] = [];
    for (const seat of [7, 8, 9]) {
      const hold = await h.engine.hold({ userId: 'fan', scheduleId, seatNumbers: [seat] });
      if (!hold.ok) throw new Error(hold.error.code);
      const paid = await h.engine.pay({ userId: 'fan', reservationId: hold.value.reservationId });
      expect(paid.ok ? 'paid' : paid.error.code).toBe('paid');
      bought.push(hold.value.reservationId);
      expect(confirmed(h.engine)).toEqual([...bought].sort());
    }
    // Recovery indexes them from the journal (no checkpoint yet), then from the snapshot: each once
    expect(confirmed(await h.crash())).toEqual([...bought].sort());
    expect(confirmed(await h.reopen())).toEqual([...bought].sort());
  });
});

describe('engine: reservations that ended unsold', () => {
  it('are read and listed exactly once, before their checkpoint, after a crash before it and after it', async () => {
    h = await openHarness({ holdTtlMs: 60_000 });
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const cancelled = await h.engine.hold({ userId: 'cy', scheduleId, seatNumbers: [1] });
    if (!cancelled.ok) throw new Error(cancelled.error.code);
    expect((await h.engine.cancelReservation('cy', cancelled.value.reservationId)).ok).toBe(true);
    const expired = await h.engine.hold({ userId: 'cy', scheduleId, seatNumbers: [2] });
    if (!expired.ok) throw new Error(expired.error.code);
    await h.advance(60_000);
    const live = await h.engine.hold({ userId: 'cy', scheduleId, seatNumbers: [3] });
    if (!live.ok) throw new Error(live.error.code);
    const expected = [
      { reservationId: live.value.reservationId, status: 'HELD' },
      { reservationId: expired.value.reservationId, status: 'EXPIRED' },
      { reservationId: cancelled.value.reservationId, status: 'CANCELLED' },
    ];
    const seen = (engine: typeof h.engine) => ({
      listed: engine.listReservations('cy').map((r) => ({ reservationId: r.reservationId, status: r.status })),
      read: expected.map((r) => { const got = engine.getReservation('cy', r.reservationId); return got.ok ? got.value : got.error.code; }),
      cancelledOnly: engine.listReservations('cy', 'CANCELLED'),
      stats: engine.stats().reservations,
    });
    const before = seen(h.engine);
    expect(before.listed).toEqual(expected);
    expect(before.read.map((r) => typeof r === 'string' ? r : r.status)).toEqual(['HELD', 'EXPIRED', 'CANCELLED']);
    // The whole view, priced from the seat map, whether it is read from memory or rebuilt from an archive row
    expect(before.read[2]).toEqual({
      reservationId: cancelled.value.reservationId, userId: 'cy', scheduleId, concertId: cancelled.value.concertId,
      seats: [{ seatNumber: 1, grade: cancelled.value.seats[0]?.grade, price: cancelled.value.totalPrice }],
      totalPrice: cancelled.value.totalPrice, status: 'CANCELLED', heldAt: cancelled.value.heldAt, holdExpiresAt: cancelled.value.holdExpiresAt,
    });
    expect(before.cancelledOnly).toEqual([before.read[2]]);
    expect(before.stats).toMatchObject({ held: 1, expired: 1, cancelled: 1 });
    // Given a kill -9 before any checkpoint (the ends are only in the journal), then a clean restart (archived)
    expect(seen(await h.crash())).toEqual(before);
    expect(seen(await h.reopen())).toEqual(before);
    // Another user never sees them
    expect(h.engine.getReservation('dee', cancelled.value.reservationId)).toMatchObject({ ok: false, error: { code: 'RESERVATION_NOT_FOUND' } });
    expect(h.engine.listReservations('dee')).toEqual([]);
  });
});

describe('engine: a fan who cancels again and again', () => {
  it('sees every cancelled hold, the first, second and third, before their checkpoint and after a kill -9', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const cancelled: string[] = [];
    const listed = (engine: typeof h.engine): string[] => engine.listReservations('eve', 'CANCELLED').map((r) => r.reservationId).sort();
    for (const seat of [11, 12, 13]) {
      const hold = await h.engine.hold({ userId: 'eve', scheduleId, seatNumbers: [seat] });
      if (!hold.ok) throw new Error(hold.error.code);
      expect((await h.engine.cancelReservation('eve', hold.value.reservationId)).ok).toBe(true);
      cancelled.push(hold.value.reservationId);
      expect(listed(h.engine)).toEqual([...cancelled].sort());
    }
    expect(listed(await h.crash())).toEqual([...cancelled].sort());
  });
});

describe('engine: hold deadlines', () => {
  it('drops the deadline of every hold that ends early, so a churn of holds and cancels keeps no garbage for the TTL', async () => {
    h = await openHarness({ holdTtlMs: 300_000 });
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    // White box: the deadlines are not observable from outside, only their memory is.
    const timers = (h.engine as unknown as { holdTimers: { size: number; heapSize: number } }).holdTimers;
    await h.engine.charge({ userId: 'payer', amount: 1_000_000 });
    for (let i = 0; i < 1_500; i++) {
      const held = await h.engine.hold({ userId: `fan${i % 7}`, scheduleId, seatNumbers: [(i % 40) + 1] });
      if (!held.ok) throw new Error(held.error.code);
      expect((await h.engine.cancelReservation(`fan${i % 7}`, held.value.reservationId)).ok).toBe(true);
    }
    const last = await h.engine.hold({ userId: 'payer', scheduleId, seatNumbers: [50] });
    if (!last.ok) throw new Error(last.error.code);
    expect((await h.engine.pay({ userId: 'payer', reservationId: last.value.reservationId })).ok).toBe(true);
    expect(timers.size).toBe(0);
    // Settled entries are swept once 1,024 of them outnumber the live ones (kept, there would be 1,501)
    expect(timers.heapSize).toBeLessThanOrEqual(1_024);
  });
});

describe('engine: the waiting room across restarts', () => {
  it('keeps the line in order and never reuses a seq after the newest token ended', async () => {
    h = await openHarness({ queueMaxActive: 1, queueWaitingIdleMs: 3_600_000, queueActiveTtlMs: 3_600_000 });
    await createOpenSchedule(h.engine, h.clock.now());
    const tokens: Record<string, string> = {};
    for (const user of ['a', 'b', 'c', 'd']) {
      const issued = await h.engine.issueQueueToken(user);
      if (!issued.ok) throw new Error(issued.error.code);
      tokens[user] = issued.value.status.token;
    }
    await h.advance(1_000); // admits 'a'
    expect(await h.engine.leaveQueue('d', tokens.d as string)).toMatchObject({ ok: true });
    let engine = await h.reopen();
    expect(engine.queueStatus('a', tokens.a as string)).toMatchObject({ ok: true, value: { status: 'ACTIVE', position: 0 } });
    expect(engine.queueStatus('b', tokens.b as string)).toMatchObject({ ok: true, value: { status: 'WAITING', position: 1 } });
    expect(engine.queueStatus('c', tokens.c as string)).toMatchObject({ ok: true, value: { status: 'WAITING', position: 2 } });
    const e = await engine.issueQueueToken('e');
    expect(e.ok && e.value.status.position).toBe(3);
    engine = await h.reopen();
    expect(engine.queueStatus('e', e.ok ? e.value.status.token : '')).toMatchObject({ ok: true, value: { position: 3 } });
  });
});

describe('engine: stats', () => {
  it('counts expired and cancelled reservations, also after a restart', async () => {
    h = await openHarness({ holdTtlMs: 1_000 });
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const a = await h.engine.hold({ userId: 'a', scheduleId, seatNumbers: [1] });
    await h.engine.hold({ userId: 'b', scheduleId, seatNumbers: [2] });
    if (!a.ok) throw new Error(a.error.code);
    await h.engine.cancelReservation('a', a.value.reservationId);
    await h.advance(1_000);
    expect(h.engine.stats().reservations).toMatchObject({ held: 0, expired: 1, cancelled: 1 });
    const engine = await h.reopen();
    expect(engine.stats().reservations).toMatchObject({ held: 0, expired: 1, cancelled: 1 });
    expect(engine.stats().seats).toMatchObject({ available: 50, held: 0, confirmed: 0 });
  });
});

describe('engine: seat-map versions across restarts', () => {
  it('continues the version sequence subscribers saw, also for a batch of several events', async () => {
    h = await openHarness({ holdTtlMs: 1_000 });
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    await h.engine.hold({ userId: 'a', scheduleId, seatNumbers: [1] });
    h.clock.stall(1_000); // a's hold is due, its timer has not fired yet
    // One batch: expire a's overdue hold and hold seat 1 for b.
    const seen: number[] = [];
    h.engine.subscribeSeatMap(scheduleId, (delta) => seen.push(delta.version));
    const held = await h.engine.hold({ userId: 'b', scheduleId, seatNumbers: [1] });
    expect(held.ok).toBe(true);
    const before = h.engine.getSeatMap(scheduleId);
    const engine = await h.crash();
    const after = engine.getSeatMap(scheduleId);
    expect(before.ok && after.ok && after.value.version).toBe(before.ok ? before.value.version : -1);
    expect(seen.at(-1)).toBe(before.ok ? before.value.version : -1);
  });
});

describe('engine: checkpoints after a crash recovery', () => {
  it('snapshots every schedule rebuilt from the journal tail before the checkpoint moves past it', async () => {
    h = await openHarness();
    const a = (await createOpenSchedule(h.engine, h.clock.now())).scheduleId;
    const b = (await createOpenSchedule(h.engine, h.clock.now())).scheduleId;
    let engine = await h.crash(); // both schedules come back from journal rows only
    await engine.hold({ userId: 'ann', scheduleId: a, seatNumbers: [1] }); // touches a only
    engine = await h.reopen(); // the shutdown checkpoint moves past the rows that created b
    engine = await h.reopen();
    expect(engine.getSeatMap(b).ok).toBe(true);
    expect(engine.getSeatMap(a)).toMatchObject({ ok: true, value: { seats: expect.arrayContaining([expect.objectContaining({ seatNumber: 1, status: 'TEMP_RESERVED' })]) } });
  });
});

describe('engine: answers that changed nothing', () => {
  /** From now on every journal insert fails, as a disk error would: the next commit fails and the engine stops. */
  function failNextCommit(dbPath: string): void {
    const other = new Database(dbPath);
    other.exec("CREATE TRIGGER injected_io_error BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'injected disk I/O error'); END;");
    other.close();
  }

  it('given a token issued in a batch whose commit fails, when the fan asks again in that batch, then neither answer hands out the token', async () => {
    h = await openHarness();
    failNextCommit(h.dbPath);
    const first = h.engine.issueQueueToken('fay');
    const again = h.engine.issueQueueToken('fay');
    const answers = await Promise.allSettled([first, again]);
    // Before, the repeat was answered at once with the token still on its way to disk, which the failed commit undid.
    expect(answers.map((answer) => answer.status === 'fulfilled' && answer.value.ok)).toEqual([false, false]);
    expect(h.fatal).toHaveLength(1);
  });

  it('given a token issued a moment ago, when the fan asks again before it is durable, then the repeat is answered after it, with the same token', async () => {
    h = await openHarness();
    const order: string[] = [];
    const first = h.engine.issueQueueToken('gil').then((answer) => { order.push('first'); return answer; });
    const again = h.engine.issueQueueToken('gil').then((answer) => { order.push('again'); return answer; });
    const [issued, repeated] = await Promise.all([first, again]);
    if (!issued.ok || !repeated.ok) throw new Error('not issued');
    expect(order).toEqual(['first', 'again']);
    expect(repeated.value).toMatchObject({ created: false, status: { token: issued.value.status.token } });
  });
});
