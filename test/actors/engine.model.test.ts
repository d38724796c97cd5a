/**
 * Model-based test of the whole engine (fast-check `fc.commands`): holds, cancels, expiries (clock
 * advances), charges, payments, queue joins/leaves/admissions and restarts (close and reopen on the same
 * SQLite file, gracefully or as a kill -9) at random points, each checked against a small reference model. After every step:
 * no seat held or sold twice, balances equal their ledgers and never go negative, every acknowledged
 * change survives a restart, and the waiting line keeps its order.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReservationStatus, SeatStatus } from '../../src/domain/views.js';
import { createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';

const USERS = ['ann', 'ben', 'cho', 'dae'] as const;
const HOLD_TTL_MS = 60_000;
const SEAT_COUNT = 8;

interface ModelReservation { id: string; user: string; schedule: number; seats: number[]; status: ReservationStatus; deadlineMs: number }
interface Model {
  nowMs: number;
  reservations: ModelReservation[];
  balances: Map<string, number>;
  /** Users with a live queue token, in join order. */
  line: string[];
}
interface Real { h: Harness; scheduleIds: string[] }

function seatStatus(model: Model, schedule: number, seat: number): SeatStatus {
  const r = model.reservations.find((x) => x.schedule === schedule && x.seats.includes(seat) && (x.status === 'HELD' || x.status === 'CONFIRMED'));
  return r === undefined ? 'AVAILABLE' : r.status === 'HELD' ? 'TEMP_RESERVED' : 'RESERVED';
}

function checkInvariants(model: Model, real: Real): void {
  const { engine } = real.h;
  real.scheduleIds.forEach((scheduleId, index) => {
    const map = engine.getSeatMap(scheduleId);
    if (!map.ok) throw new Error('seat map missing');
    for (const seat of map.value.seats.filter((s) => s.seatNumber <= SEAT_COUNT)) {
      expect(seat.status, `schedule ${index} seat ${seat.seatNumber}`).toBe(seatStatus(model, index, seat.seatNumber));
    }
  });
  for (const r of model.reservations) {
    const got = engine.getReservation(r.user, r.id);
    expect(got.ok && got.value.status, `reservation ${r.id}`).toBe(r.status);
  }
  for (const user of USERS) {
    const balance = engine.getBalance(user).balance;
    expect(balance).toBe(model.balances.get(user) ?? 0);
    expect(balance).toBeGreaterThanOrEqual(0);
    const ledger = engine.balanceHistory(user).entries.reduce((sum, e) => sum + (e.kind === 'PAYMENT' ? -e.amount : e.amount), 0);
    expect(ledger).toBe(balance);
  }
  const house = real.h.engine.stats();
  expect(house.seats.held + house.seats.confirmed + house.seats.available).toBe(real.scheduleIds.length * 50);
  // Waiting users keep their join order: positions rise along the model's line.
  let lastPosition = 0;
  for (const user of real.h.engine.stats().queue.waiting > 0 ? model.line : []) {
    const status = queueStatusOf(real, user);
    if (status === null || status.status === 'ACTIVE') continue;
    expect(status.position).toBeGreaterThan(lastPosition);
    lastPosition = status.position;
  }
}

const tokens = new Map<string, string>();
function queueStatusOf(real: Real, user: string) {
  const token = tokens.get(user);
  if (token === undefined) return null;
  const status = real.h.engine.queueStatus(user, token);
  return status.ok ? status.value : null;
}

/** Mostly one of the user's own reservations, sometimes anyone's (to exercise ownership checks). */
function pickReservation(model: Model, user: string, pick: number): ModelReservation {
  const own = model.reservations.filter((r) => r.user === user);
  const pool = own.length > 0 && pick % 4 !== 0 ? own : model.reservations;
  return pool[pick % pool.length] as ModelReservation;
}

function heldBy(model: Model, user: string): ModelReservation | undefined {
  return model.reservations.find((r) => r.user === user && r.status === 'HELD');
}

class Hold implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: string, readonly schedule: number, readonly seats: number[]) {}
  check(): boolean { return true; }
  async run(model: Model, real: Real): Promise<void> {
    const out = await real.h.engine.hold({ userId: this.user, scheduleId: real.scheduleIds[this.schedule] as string, seatNumbers: this.seats });
    const taken = this.seats.filter((s) => seatStatus(model, this.schedule, s) !== 'AVAILABLE');
    if (new Set(this.seats).size !== this.seats.length) expect(out.ok ? 'ok' : out.error.code).toBe('INVALID_SEAT');
    else if (heldBy(model, this.user) !== undefined) expect(out.ok ? 'ok' : out.error.code).toBe('HOLD_LIMIT_REACHED');
    else if (taken.length > 0) expect(out.ok ? 'ok' : out.error).toMatchObject({ code: 'SEAT_UNAVAILABLE', details: { seatNumbers: taken } });
    else {
      if (!out.ok) throw new Error(`hold refused: ${out.error.code}`);
      expect(Date.parse(out.value.holdExpiresAt)).toBe(model.nowMs + HOLD_TTL_MS);
      model.reservations.push({ id: out.value.reservationId, user: this.user, schedule: this.schedule, seats: this.seats, status: 'HELD', deadlineMs: model.nowMs + HOLD_TTL_MS });
    }
    checkInvariants(model, real);
  }
  toString(): string { return `hold(${this.user}, s${this.schedule}, [${this.seats}])`; }
}

class Cancel implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: string, readonly pick: number) {}
  check(model: Readonly<Model>): boolean { return model.reservations.length > 0; }
  async run(model: Model, real: Real): Promise<void> {
    const r = pickReservation(model, this.user, this.pick);
    const out = await real.h.engine.cancelReservation(this.user, r.id);
    if (r.user !== this.user) expect(out.ok ? 'ok' : out.error.code).toBe('RESERVATION_NOT_FOUND');
    else if (r.status !== 'HELD') expect(out.ok ? 'ok' : out.error.code).toBe('RESERVATION_NOT_HELD');
    else {
      expect(out.ok && out.value.status).toBe('CANCELLED');
      r.status = 'CANCELLED';
    }
    checkInvariants(model, real);
  }
  toString(): string { return `cancel(${this.user}, #${this.pick})`; }
}

class Charge implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: string, readonly amount: number) {}
  check(): boolean { return true; }
  async run(model: Model, real: Real): Promise<void> {
    const out = await real.h.engine.charge({ userId: this.user, amount: this.amount });
    const before = model.balances.get(this.user) ?? 0;
    expect(out.ok).toBe(true);
    if (out.ok) {
      expect(out.value.balance).toBe(before + this.amount);
      model.balances.set(this.user, before + this.amount);
    }
    checkInvariants(model, real);
  }
  toString(): string { return `charge(${this.user}, ${this.amount})`; }
}

class Pay implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: string, readonly pick: number) {}
  check(model: Readonly<Model>): boolean { return model.reservations.length > 0; }
  async run(model: Model, real: Real): Promise<void> {
    const r = pickReservation(model, this.user, this.pick);
    const out = await real.h.engine.pay({ userId: this.user, reservationId: r.id });
    const price = r.seats.reduce((sum, s) => sum + (s <= 10 ? 200_000 : s <= 30 ? 150_000 : 100_000), 0);
    const balance = model.balances.get(this.user) ?? 0;
    const code = out.ok ? 'ok' : out.error.code;
    if (r.user !== this.user) expect(code).toBe('RESERVATION_NOT_FOUND');
    else if (r.status === 'CONFIRMED') expect(code).toBe('ALREADY_PAID');
    else if (r.status !== 'HELD') expect(code).toBe('RESERVATION_EXPIRED');
    else if (balance < price) expect(code).toBe('INSUFFICIENT_BALANCE');
    else {
      expect(out.ok && out.value.balanceAfter).toBe(balance - price);
      r.status = 'CONFIRMED';
      model.balances.set(this.user, balance - price);
      model.line = model.line.filter((u) => u !== this.user);
      tokens.delete(this.user);
    }
    checkInvariants(model, real);
  }
  toString(): string { return `pay(${this.user}, #${this.pick})`; }
}

class Join implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: string) {}
  check(): boolean { return true; }
  async run(model: Model, real: Real): Promise<void> {
    const out = await real.h.engine.issueQueueToken(this.user);
    if (!out.ok) throw new Error(out.error.code);
    const known = model.line.includes(this.user);
    expect(out.value.created).toBe(!known);
    if (known) expect(out.value.status.token).toBe(tokens.get(this.user));
    else {
      model.line.push(this.user);
      tokens.set(this.user, out.value.status.token);
    }
    checkInvariants(model, real);
  }
  toString(): string { return `join(${this.user})`; }
}

class Leave implements fc.AsyncCommand<Model, Real> {
  constructor(readonly user: string) {}
  check(model: Readonly<Model>): boolean { return model.line.includes(this.user); }
  async run(model: Model, real: Real): Promise<void> {
    const out = await real.h.engine.leaveQueue(this.user, tokens.get(this.user) as string);
    expect(out.ok).toBe(true);
    model.line = model.line.filter((u) => u !== this.user);
    tokens.delete(this.user);
    checkInvariants(model, real);
  }
  toString(): string { return `leave(${this.user})`; }
}

class Advance implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check(): boolean { return true; }
  async run(model: Model, real: Real): Promise<void> {
    await real.h.advance(this.ms);
    model.nowMs += this.ms;
    for (const r of model.reservations) if (r.status === 'HELD' && r.deadlineMs <= model.nowMs) r.status = 'EXPIRED';
    checkInvariants(model, real);
  }
  toString(): string { return `advance(${this.ms})`; }
}

class Restart implements fc.AsyncCommand<Model, Real> {
  check(): boolean { return true; }
  async run(model: Model, real: Real): Promise<void> {
    await real.h.reopen();
    checkInvariants(model, real);
  }
  toString(): string { return 'restart()'; }
}

/** kill -9: recovery from the files as they are on disk, without the shutdown checkpoint. */
class Crash implements fc.AsyncCommand<Model, Real> {
  check(): boolean { return true; }
  async run(model: Model, real: Real): Promise<void> {
    await real.h.crash();
    checkInvariants(model, real);
  }
  toString(): string { return 'crash()'; }
}

const user = fc.constantFrom(...USERS);
const seats = fc.array(fc.integer({ min: 1, max: SEAT_COUNT }), { minLength: 1, maxLength: 3 });
const commands = [
  fc.tuple(user, fc.integer({ min: 0, max: 1 }), seats).map(([u, s, n]) => new Hold(u, s, n)),
  fc.tuple(user, fc.nat()).map(([u, p]) => new Cancel(u, p)),
  fc.tuple(user, fc.constantFrom(100_000, 250_000, 600_000, 1_000_000)).map(([u, a]) => new Charge(u, a)),
  fc.tuple(user, fc.nat()).map(([u, p]) => new Pay(u, p)),
  user.map((u) => new Join(u)),
  user.map((u) => new Leave(u)),
  fc.constantFrom(1, 999, 1_000, 30_000, HOLD_TTL_MS).map((ms) => new Advance(ms)),
  fc.constant(new Restart()),
  fc.constant(new Crash()),
];

let current: Harness | undefined;
afterEach(async () => {
  await current?.dispose();
  current = undefined;
});

describe('engine against a reference model', () => {
  it('keeps every invariant through random commands, expiries and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 60, size: 'max' }), async (cmds) => {
        await current?.dispose();
        tokens.clear();
        const h = await openHarness({ holdTtlMs: HOLD_TTL_MS, queueMaxActive: 2, queueActiveTtlMs: 3_600_000, queueWaitingIdleMs: 3_600_000, monthlyChargeMax: 1e12, balanceMax: 1e12 });
        current = h;
        const scheduleIds = [(await createOpenSchedule(h.engine, h.clock.now())).scheduleId, (await createOpenSchedule(h.engine, h.clock.now())).scheduleId];
        const model: Model = { nowMs: h.clock.now(), reservations: [], balances: new Map(), line: [] };
        await fc.asyncModelRun(() => ({ model, real: { h, scheduleIds } }), cmds);
        expect(h.fatal).toEqual([]);
      }),
      { numRuns: 40 },
    );
  }, 180_000);
});
