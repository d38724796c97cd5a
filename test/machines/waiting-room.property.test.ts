import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WaitingRoom, type QueueEvent, type WaitingRoomLimits } from '../../src/machines/waiting-room.js';

/**
 * Model-based test: random joins, leaves, payments, ticks, touches, presence changes, time moves and
 * restarts (journal replay) against a reference model that is a plain array in seq order. After every
 * step each token's status, position and times must match, and the room's own indexes must agree.
 */

const T0 = Date.UTC(2030, 0, 1);
const USERS = ['ann', 'ben', 'cat', 'dan', 'eve'];
/** Compaction on almost every removal, so small runs exercise it. */
const TUNING = { lineCompactionMinSlots: 2 };

interface ModelToken {
  token: string;
  userId: string;
  seq: number;
  status: 'WAITING' | 'ACTIVE';
  lastSeenAtMs: number;
  activeUntilMs: number;
  presentCount: number;
}

interface Model {
  limits: WaitingRoomLimits;
  nowMs: number;
  nextSeq: number;
  tokens: ModelToken[]; // in seq order
}

interface Real {
  room: WaitingRoom;
  nowMs: number;
  journal: QueueEvent[];
}

type RoomCommand = fc.Command<Model, Real>;

function record(real: Real, event: QueueEvent): void {
  real.journal.push(event);
  real.room.apply(event);
}

function tokenOf(model: Model, userId: string): ModelToken | undefined {
  return model.tokens.find((token) => token.userId === userId);
}

function removeToken(model: Model, token: string): void {
  model.tokens = model.tokens.filter((candidate) => candidate.token !== token);
}

function assertMatches(model: Model, real: Real): void {
  const { room } = real;
  let waitingAhead = 0;
  for (const expected of model.tokens) {
    const actual = room.get(expected.token);
    expect(actual, `token ${expected.token}`).toBeDefined();
    if (!actual) return;
    expect({
      userId: actual.userId,
      seq: actual.seq,
      status: actual.status,
      lastSeenAtMs: actual.lastSeenAtMs,
      activeUntilMs: actual.activeUntilMs,
    }).toEqual({
      userId: expected.userId,
      seq: expected.seq,
      status: expected.status,
      lastSeenAtMs: expected.lastSeenAtMs,
      activeUntilMs: expected.activeUntilMs,
    });
    expect(room.byUser(expected.userId)).toBe(actual);
    if (expected.status === 'WAITING') waitingAhead++;
    expect(room.position(actual), `position of ${expected.token}`).toBe(expected.status === 'ACTIVE' ? 0 : waitingAhead);
  }
  expect(room.counts()).toEqual({ waiting: waitingAhead, active: model.tokens.length - waitingAhead });
  expect([...room.all()].length).toBe(model.tokens.length);
  expect(room.waitingInOrder().map((token) => token.token)).toEqual(
    model.tokens.filter((token) => token.status === 'WAITING').map((token) => token.token),
  );
  expect(room.nextSeq()).toBe(model.nextSeq);
  expect(room.verify()).toBeNull();
}

class JoinCommand implements RoomCommand {
  constructor(readonly userId: string) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const decision = real.room.decideJoin(this.userId, `t${real.room.nextSeq()}`, real.nowMs);
    const existing = tokenOf(model, this.userId);
    if (existing) {
      expect('existing' in decision && decision.existing.token).toBe(existing.token);
    } else {
      if (!('event' in decision)) throw new Error(`expected a join for ${this.userId}`);
      expect(decision.event).toMatchObject({ type: 'queue.joined', userId: this.userId, seq: model.nextSeq });
      record(real, decision.event);
      model.tokens.push({
        token: decision.event.token, userId: this.userId, seq: model.nextSeq, status: 'WAITING',
        lastSeenAtMs: model.nowMs, activeUntilMs: 0, presentCount: 0,
      });
      model.nextSeq++;
    }
    assertMatches(model, real);
  }
  toString = (): string => `join(${this.userId})`;
}

class LeaveCommand implements RoomCommand {
  constructor(readonly userId: string) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const expected = tokenOf(model, this.userId);
    const event = real.room.decideLeave(expected?.token ?? `unknown-${this.userId}`, real.nowMs);
    if (!expected) {
      expect(event).toBeNull();
    } else {
      expect(event).toEqual({ type: 'queue.ended', token: expected.token, atMs: real.nowMs, reason: 'LEFT' });
      record(real, event as QueueEvent);
      removeToken(model, expected.token);
    }
    assertMatches(model, real);
  }
  toString = (): string => `leave(${this.userId})`;
}

class PayCommand implements RoomCommand {
  constructor(readonly userId: string) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const expected = tokenOf(model, this.userId);
    const event = real.room.decideEndForUser(this.userId, real.nowMs, 'PAID');
    if (!expected) {
      expect(event).toBeNull();
    } else {
      expect(event).toEqual({ type: 'queue.ended', token: expected.token, atMs: real.nowMs, reason: 'PAID' });
      record(real, event as QueueEvent);
      removeToken(model, expected.token);
    }
    assertMatches(model, real);
  }
  toString = (): string => `pay(${this.userId})`;
}

class TouchCommand implements RoomCommand {
  constructor(readonly userId: string) {}
  check = (model: Readonly<Model>): boolean => tokenOf(model as Model, this.userId) !== undefined;
  run(model: Model, real: Real): void {
    const expected = tokenOf(model, this.userId) as ModelToken;
    real.room.touch(real.room.get(expected.token) as NonNullable<ReturnType<WaitingRoom['get']>>, real.nowMs);
    expected.lastSeenAtMs = Math.max(expected.lastSeenAtMs, model.nowMs);
    assertMatches(model, real);
  }
  toString = (): string => `touch(${this.userId})`;
}

class PresenceCommand implements RoomCommand {
  constructor(readonly userId: string, readonly open: boolean) {}
  check = (model: Readonly<Model>): boolean => tokenOf(model as Model, this.userId) !== undefined;
  run(model: Model, real: Real): void {
    const expected = tokenOf(model, this.userId) as ModelToken;
    real.room.setPresent(real.room.get(expected.token) as NonNullable<ReturnType<WaitingRoom['get']>>, this.open, real.nowMs);
    if (this.open) {
      expected.presentCount++;
    } else if (expected.presentCount > 0) {
      expected.presentCount--;
      if (expected.presentCount === 0) expected.lastSeenAtMs = Math.max(expected.lastSeenAtMs, model.nowMs);
    }
    assertMatches(model, real);
  }
  toString = (): string => `${this.open ? 'socketOpen' : 'socketClose'}(${this.userId})`;
}

class TickCommand implements RoomCommand {
  constructor(readonly admissionOpen: boolean) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const { limits, nowMs } = model;
    const expired = model.tokens.filter((token) => token.status === 'ACTIVE' && nowMs >= token.activeUntilMs);
    const dropped = model.tokens.filter(
      (token) => token.status === 'WAITING' && token.presentCount === 0 && nowMs - token.lastSeenAtMs >= limits.idleMs,
    );
    const activeLeft = model.tokens.filter((token) => token.status === 'ACTIVE').length - expired.length;
    const admitted = this.admissionOpen
      ? model.tokens
          .filter((token) => token.status === 'WAITING' && !dropped.includes(token))
          .slice(0, Math.max(0, limits.maxActive - activeLeft))
      : [];

    const events = real.room.decideTick(real.nowMs, { admissionOpen: this.admissionOpen });
    const endedBy = (reason: string): string[] =>
      events.flatMap((event) => (event.type === 'queue.ended' && event.reason === reason ? [event.token] : [])).sort();
    expect(endedBy('ACTIVE_EXPIRED')).toEqual(expired.map((token) => token.token).sort());
    expect(endedBy('IDLE_DROPPED')).toEqual(dropped.map((token) => token.token).sort());
    expect(events.filter((event) => event.type === 'queue.admitted')).toEqual(
      admitted.map((token) => ({ type: 'queue.admitted', token: token.token, atMs: nowMs, activeUntilMs: nowMs + limits.activeTtlMs })),
    );
    expect(events.length).toBe(expired.length + dropped.length + admitted.length);
    for (const event of events) record(real, event);

    for (const token of [...expired, ...dropped]) removeToken(model, token.token);
    for (const token of admitted) {
      token.status = 'ACTIVE';
      token.activeUntilMs = nowMs + limits.activeTtlMs;
    }
    assertMatches(model, real);
  }
  toString = (): string => `tick(${this.admissionOpen ? 'open' : 'closed'})`;
}

class AdvanceCommand implements RoomCommand {
  constructor(readonly ms: number) {}
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    model.nowMs += this.ms;
    real.nowMs += this.ms;
    assertMatches(model, real);
  }
  toString = (): string => `advance(${this.ms}ms)`;
}

/** Close and recover: replay the journal into a fresh room. Presence (not journaled) restarts now. */
class RestartCommand implements RoomCommand {
  check = (): boolean => true;
  run(model: Model, real: Real): void {
    const rateBefore = real.room.admissionRatePerSecond(real.nowMs);
    const recovered = new WaitingRoom(model.limits, TUNING);
    for (const event of real.journal) recovered.apply(event);
    recovered.markAllSeen(real.nowMs);
    real.room = recovered;
    for (const token of model.tokens) {
      token.presentCount = 0;
      token.lastSeenAtMs = Math.max(token.lastSeenAtMs, model.nowMs);
    }
    expect(recovered.admissionRatePerSecond(real.nowMs)).toBe(rateBefore);
    assertMatches(model, real);
  }
  toString = (): string => 'restart';
}

const user = fc.constantFrom(...USERS);
const commands = [
  user.map((userId) => new JoinCommand(userId)),
  user.map((userId) => new JoinCommand(userId)),
  user.map((userId) => new LeaveCommand(userId)),
  user.map((userId) => new PayCommand(userId)),
  user.map((userId) => new TouchCommand(userId)),
  fc.tuple(user, fc.boolean()).map(([userId, open]) => new PresenceCommand(userId, open)),
  fc.boolean().map((open) => new TickCommand(open)),
  fc.constant(new TickCommand(true)),
  fc.oneof(fc.integer({ min: 0, max: 4000 }), fc.constantFrom(500, 1000, 2000)).map((ms) => new AdvanceCommand(ms)),
  fc.constant(new RestartCommand()),
];

const limitsArbitrary: fc.Arbitrary<WaitingRoomLimits> = fc.record({
  maxActive: fc.integer({ min: 0, max: 3 }),
  // multiples of 500 ms so time moves often land exactly on a deadline
  activeTtlMs: fc.integer({ min: 2, max: 16 }).map((halfSeconds) => halfSeconds * 500),
  idleMs: fc.integer({ min: 2, max: 12 }).map((halfSeconds) => halfSeconds * 500),
});

describe('WaitingRoom against a reference model', () => {
  it('property: positions, statuses and times match a plain array after random operations', () => {
    fc.assert(
      fc.property(limitsArbitrary, fc.commands(commands, { maxCommands: 80, size: 'max' }), (limits, cmds) => {
        const setup = (): { model: Model; real: Real } => ({
          model: { limits, nowMs: T0, nextSeq: 1, tokens: [] },
          real: { room: new WaitingRoom(limits, TUNING), nowMs: T0, journal: [] },
        });
        fc.modelRun(setup, cmds);
      }),
      { numRuns: 400 },
    );
  });
});
