import v8 from 'node:v8';
import vm from 'node:vm';
import { transition } from 'xstate';
import { describe, expect, it } from 'vitest';
import {
  canTransition,
  QUEUE_TOKEN_MACHINE_EVENT_TYPES,
  QUEUE_TOKEN_STATES,
  queueTokenMachine,
} from '../../src/machines/queue-token.machine.js';
import { QueueEventRejectedError, WaitingRoom, type QueueEvent, type QueueToken, type WaitingRoomLimits } from '../../src/machines/waiting-room.js';

const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const LIMITS: WaitingRoomLimits = { maxActive: 2, activeTtlMs: 600_000, idleMs: 120_000 };

function givenRoom(limits: Partial<WaitingRoomLimits> = {}): WaitingRoom {
  return new WaitingRoom({ ...LIMITS, ...limits });
}

function join(room: WaitingRoom, userId: string, nowMs = T0): QueueToken {
  const decision = room.decideJoin(userId, `token-${userId}`, nowMs);
  if ('existing' in decision) return decision.existing;
  room.apply(decision.event);
  const token = room.get(decision.event.token);
  if (!token) throw new Error('joined token not found');
  return token;
}

function tick(room: WaitingRoom, nowMs: number, admissionOpen = true): QueueEvent[] {
  const events = room.decideTick(nowMs, { admissionOpen });
  for (const event of events) room.apply(event);
  return events;
}

function tokensOf(events: QueueEvent[], type: QueueEvent['type']): string[] {
  return events.filter((event) => event.type === type).map((event) => event.token);
}

function positions(room: WaitingRoom, userIds: string[]): number[] {
  return userIds.map((userId) => {
    const token = room.byUser(userId);
    return token ? room.position(token) : -1;
  });
}

describe('queueTokenMachine transition table', () => {
  it('given every state and event, when the machine is stepped with xstate transition(), then canTransition agrees', () => {
    for (const state of QUEUE_TOKEN_STATES) {
      for (const type of QUEUE_TOKEN_MACHINE_EVENT_TYPES) {
        const snapshot = queueTokenMachine.resolveState({ value: state, context: {} });
        const [next] = transition(queueTokenMachine, snapshot, { type });
        expect(canTransition(state, type), `${state} + ${type}`).toBe(next.value !== state);
      }
    }
  });

  it('encodes WAITING -> ACTIVE -> ENDED and WAITING -> ENDED only', () => {
    expect(canTransition('WAITING', 'queue.admit')).toBe(true);
    expect(canTransition('WAITING', 'queue.end')).toBe(true);
    expect(canTransition('ACTIVE', 'queue.end')).toBe(true);
    expect(canTransition('ACTIVE', 'queue.admit')).toBe(false);
    expect(canTransition('ENDED', 'queue.end')).toBe(false);
    expect(canTransition('ENDED', 'queue.admit')).toBe(false);
  });
});

describe('WaitingRoom joins', () => {
  it('given an empty room, when two users join, then they wait at positions 1 and 2 with increasing seqs', () => {
    const room = givenRoom();
    const decision = room.decideJoin('alice', 'token-alice', T0);
    expect(decision).toEqual({ event: { type: 'queue.joined', token: 'token-alice', userId: 'alice', seq: 1, atMs: T0 } });
    expect(room.counts()).toEqual({ waiting: 0, active: 0 }); // deciding changes nothing

    const alice = join(room, 'alice');
    const bob = join(room, 'bob', T0 + 5);
    expect([alice.status, bob.status]).toEqual(['WAITING', 'WAITING']);
    expect([room.position(alice), room.position(bob)]).toEqual([1, 2]);
    expect([alice.seq, bob.seq]).toEqual([1, 2]);
    expect(bob).toMatchObject({ issuedAtMs: T0 + 5, activeUntilMs: 0, lastSeenAtMs: T0 + 5 });
    expect(room.counts()).toEqual({ waiting: 2, active: 0 });
    expect(room.nextSeq()).toBe(3);
    expect(room.verify()).toBeNull();
  });

  it('given a waiting user, when the same user asks again, then the existing token comes back and keeps its place', () => {
    const room = givenRoom();
    join(room, 'alice');
    join(room, 'bob');
    const decision = room.decideJoin('alice', 'token-other', T0 + 1000);
    expect('existing' in decision && decision.existing.token).toBe('token-alice');
    expect(positions(room, ['alice', 'bob'])).toEqual([1, 2]);
    expect(room.get('token-other')).toBeUndefined();
  });

  it('given an active user, when the user asks again, then the active token comes back', () => {
    const room = givenRoom({ maxActive: 1 });
    join(room, 'alice');
    tick(room, T0 + 1000);
    const decision = room.decideJoin('alice', 'token-again', T0 + 2000);
    expect('existing' in decision && decision.existing).toMatchObject({ token: 'token-alice', status: 'ACTIVE' });
  });
});

describe('WaitingRoom leaving', () => {
  it('given three waiting users, when the middle one leaves, then the last moves up to position 2', () => {
    const room = givenRoom();
    for (const user of ['alice', 'bob', 'carol']) join(room, user);
    const event = room.decideLeave('token-bob', T0 + 10);
    expect(event).toEqual({ type: 'queue.ended', token: 'token-bob', atMs: T0 + 10, reason: 'LEFT' });
    room.apply(event as QueueEvent);
    expect(positions(room, ['alice', 'bob', 'carol'])).toEqual([1, -1, 2]);
    expect(room.get('token-bob')).toBeUndefined();
    expect(room.counts()).toEqual({ waiting: 2, active: 0 });
    expect(room.verify()).toBeNull();
  });

  it('given an unknown token, when leaving, then there is nothing to journal', () => {
    expect(givenRoom().decideLeave('nope', T0)).toBeNull();
  });

  it('given a user who left, when joining again, then the new token goes to the back of the line', () => {
    const room = givenRoom();
    join(room, 'alice');
    join(room, 'bob');
    room.apply(room.decideLeave('token-alice', T0) as QueueEvent);
    const decision = room.decideJoin('alice', 'token-alice-2', T0 + 1);
    if (!('event' in decision)) throw new Error('expected a new token');
    room.apply(decision.event);
    expect(positions(room, ['bob', 'alice'])).toEqual([1, 2]);
  });

  it('given an active payer, when the payment ends the token, then it is gone and the slot frees for the head', () => {
    const room = givenRoom({ maxActive: 1 });
    join(room, 'alice');
    join(room, 'bob');
    tick(room, T0 + 1000);
    const paid = room.decideEndForUser('alice', T0 + 5000, 'PAID');
    expect(paid).toEqual({ type: 'queue.ended', token: 'token-alice', atMs: T0 + 5000, reason: 'PAID' });
    room.apply(paid as QueueEvent);
    expect(room.byUser('alice')).toBeUndefined();
    expect(tokensOf(tick(room, T0 + 6000), 'queue.admitted')).toEqual(['token-bob']);
    expect(room.decideEndForUser('nobody', T0, 'PAID')).toBeNull();
  });
});

describe('WaitingRoom idle drop', () => {
  it('given a waiting user not seen for idleMs, when the tick runs, then the token is dropped as IDLE_DROPPED', () => {
    const room = givenRoom({ maxActive: 0 });
    join(room, 'alice');
    join(room, 'bob');
    room.touch(room.byUser('bob') as QueueToken, T0 + 60_000);
    expect(tick(room, T0 + 119_999)).toEqual([]);
    const events = tick(room, T0 + 120_000);
    expect(events).toEqual([{ type: 'queue.ended', token: 'token-alice', atMs: T0 + 120_000, reason: 'IDLE_DROPPED' }]);
    expect(positions(room, ['alice', 'bob'])).toEqual([-1, 1]);
    expect(tokensOf(tick(room, T0 + 180_000), 'queue.ended')).toEqual(['token-bob']);
    expect(room.counts()).toEqual({ waiting: 0, active: 0 });
  });

  it('given a waiting user with an open WebSocket, when idleMs passes many times, then the token stays', () => {
    const room = givenRoom({ maxActive: 0 });
    const alice = join(room, 'alice');
    room.setPresent(alice, true);
    room.setPresent(alice, true); // a second tab
    expect(tick(room, T0 + 600_000)).toEqual([]);
    room.setPresent(alice, false, T0 + 600_000);
    expect(tick(room, T0 + 700_000)).toEqual([]); // one socket still open
    room.setPresent(alice, false, T0 + 700_000);
    expect(tick(room, T0 + 819_999)).toEqual([]); // idles from the last close
    expect(tokensOf(tick(room, T0 + 820_000), 'queue.ended')).toEqual(['token-alice']);
  });

  it('given more idle tokens than the per-tick bound, when ticks run, then they are dropped in bounded batches', () => {
    const room = new WaitingRoom({ ...LIMITS, maxActive: 0 }, { maxIdleDropsPerTick: 2 });
    for (const user of ['a', 'b', 'c', 'd', 'e']) join(room, user);
    expect(tick(room, T0 + 200_000)).toHaveLength(2);
    expect(tick(room, T0 + 201_000)).toHaveLength(2);
    expect(tick(room, T0 + 202_000)).toHaveLength(1);
    expect(room.counts().waiting).toBe(0);
  });

  it('given the idle head of the line, when a slot is free at the same tick, then the next live user is admitted instead', () => {
    const room = givenRoom({ maxActive: 1 });
    join(room, 'alice');
    join(room, 'bob');
    room.touch(room.byUser('bob') as QueueToken, T0 + 100_000);
    const events = tick(room, T0 + 120_000, true);
    expect(tokensOf(events, 'queue.ended')).toEqual(['token-alice']);
    expect(tokensOf(events, 'queue.admitted')).toEqual(['token-bob']);
  });
});

describe('WaitingRoom admission', () => {
  it('given five waiting users and two slots, when the tick runs, then the two heads are admitted in seq order', () => {
    const room = givenRoom();
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'];
    for (const user of users) join(room, user);
    const events = tick(room, T0 + 1000);
    expect(events).toEqual([
      { type: 'queue.admitted', token: 'token-u1', atMs: T0 + 1000, activeUntilMs: T0 + 1000 + 600_000 },
      { type: 'queue.admitted', token: 'token-u2', atMs: T0 + 1000, activeUntilMs: T0 + 1000 + 600_000 },
    ]);
    expect(positions(room, users)).toEqual([0, 0, 1, 2, 3]);
    expect(room.byUser('u1')).toMatchObject({ status: 'ACTIVE', activeUntilMs: T0 + 601_000 });
    expect(room.counts()).toEqual({ waiting: 3, active: 2 });
    expect(tick(room, T0 + 2000)).toEqual([]); // full
    room.apply(room.decideLeave('token-u1', T0 + 2500) as QueueEvent);
    expect(tokensOf(tick(room, T0 + 3000), 'queue.admitted')).toEqual(['token-u3']);
    expect(room.waitingInOrder().map((token) => token.userId)).toEqual(['u4', 'u5']);
    expect(room.verify()).toBeNull();
  });

  it('given an active token past its TTL, when the tick runs, then it expires and the head takes the slot in the same tick', () => {
    const room = givenRoom({ maxActive: 1 });
    join(room, 'alice');
    join(room, 'bob');
    tick(room, T0 + 1000);
    room.touch(room.byUser('bob') as QueueToken, T0 + 600_000);
    expect(tick(room, T0 + 600_999)).toEqual([]);
    const events = tick(room, T0 + 601_000);
    expect(events).toEqual([
      { type: 'queue.ended', token: 'token-alice', atMs: T0 + 601_000, reason: 'ACTIVE_EXPIRED' },
      { type: 'queue.admitted', token: 'token-bob', atMs: T0 + 601_000, activeUntilMs: T0 + 1_201_000 },
    ]);
    expect(room.byUser('alice')).toBeUndefined();
  });

  it('given admission is closed (sold out), when the tick runs, then nobody is admitted but actives still expire', () => {
    const room = givenRoom({ maxActive: 1 });
    join(room, 'alice');
    join(room, 'bob');
    tick(room, T0 + 1000);
    room.touch(room.byUser('bob') as QueueToken, T0 + 600_000);
    const events = tick(room, T0 + 601_000, false);
    expect(events).toEqual([{ type: 'queue.ended', token: 'token-alice', atMs: T0 + 601_000, reason: 'ACTIVE_EXPIRED' }]);
    expect(room.byUser('bob')?.status).toBe('WAITING');
    expect(room.counts()).toEqual({ waiting: 1, active: 0 });
  });

  it('given events that do not fit the state, when applied, then they are rejected and nothing changes', () => {
    const room = givenRoom({ maxActive: 1 });
    join(room, 'alice');
    tick(room, T0 + 1000);
    expect(() => room.apply({ type: 'queue.admitted', token: 'token-alice', atMs: T0, activeUntilMs: T0 })).toThrow(QueueEventRejectedError);
    expect(() => room.apply({ type: 'queue.ended', token: 'ghost', atMs: T0, reason: 'LEFT' })).toThrow(QueueEventRejectedError);
    expect(() => room.apply({ type: 'queue.joined', token: 'token-x', userId: 'alice', seq: 9, atMs: T0 })).toThrow(QueueEventRejectedError);
    expect(() => room.apply({ type: 'queue.joined', token: 'token-alice', userId: 'zed', seq: 9, atMs: T0 })).toThrow(QueueEventRejectedError);
    expect(room.counts()).toEqual({ waiting: 0, active: 1 });
    expect(room.verify()).toBeNull();
  });
});

describe('WaitingRoom ETA', () => {
  it('given no admission yet, when estimating, then the prior maxActive / TTL seconds is used', () => {
    const room = givenRoom({ maxActive: 100, activeTtlMs: 600_000 }); // prior 1/6 per second
    expect(room.admissionRatePerSecond()).toBeCloseTo(100 / 600);
    expect(room.estimatedWaitSeconds(0, T0)).toBe(0);
    expect(room.estimatedWaitSeconds(1, T0)).toBe(6);
    expect(room.estimatedWaitSeconds(10, T0)).toBe(60);
  });

  /** A full room of two and a long line; one admitted fan leaves every `everyMs` and the tick admits the head. */
  function steadyLine(everyMs: number, turns: number): { room: WaitingRoom; nowMs: number; fan: QueueToken } {
    const room = givenRoom({ maxActive: 2, activeTtlMs: 600_000 }); // floor: 2 per 600 s
    for (let i = 0; i < 100; i++) room.setPresent(join(room, `u${i}`), true, T0); // connected: never idle-dropped
    const fan = join(room, 'fan');
    room.setPresent(fan, true, T0);
    let nowMs = T0 + 1000;
    tick(room, nowMs); // the opening batch fills both slots
    for (let turn = 0; turn < turns; turn++) {
      nowMs += everyMs;
      const leaving = room.all().find((token) => token.status === 'ACTIVE') as QueueToken;
      room.apply(room.decideLeave(leaving.token, nowMs) as QueueEvent);
      tick(room, nowMs);
    }
    return { room, nowMs, fan };
  }

  it('given a slot freeing every 5 s, when estimating, then the rate reads one per 5 s, at admissions and between them', () => {
    const { room, nowMs } = steadyLine(5_000, 60);
    expect(room.admissionRatePerSecond(nowMs)).toBeCloseTo(1 / 5, 2);
    for (let ms = 0; ms <= 5_000; ms += 500) expect(room.admissionRatePerSecond(nowMs + ms)).toBe(room.admissionRatePerSecond(nowMs));
  });

  it('given a waiting fan between admissions, when time passes up to the interval the rate predicts, then the ETA does not rise', () => {
    const { room, nowMs, fan } = steadyLine(5_000, 20);
    const position = room.position(fan);
    const etas = [0, 1_000, 2_000, 3_000, 4_000, 4_999].map((ms) => room.estimatedWaitSeconds(position, nowMs + ms));
    expect(new Set(etas).size).toBe(1);
    expect(etas[0]).toBeLessThan(position * 5 * 1.5);
  });

  it('given the line quieter than its rate explains, when estimating, then the ETA rises with the quiet, never past the floor', () => {
    const { room, nowMs, fan } = steadyLine(5_000, 20);
    const position = room.position(fan);
    const at = (ms: number): number => room.estimatedWaitSeconds(position, nowMs + ms);
    expect(at(60_000)).toBeGreaterThan(at(5_000));
    expect(at(120_000)).toBeGreaterThanOrEqual(at(60_000));
    expect(at(3_600_000)).toBe(Math.ceil(position / (2 / 600))); // the worst case: every slot frees within its TTL
  });

  it('given an empty line for an hour, when a fan joins, then the empty hour is not counted as a quiet line', () => {
    const { room, nowMs } = steadyLine(5_000, 20);
    const rate = room.admissionRatePerSecond(nowMs);
    // everyone left: the line is empty for an hour
    for (const token of room.all()) room.apply(room.decideLeave(token.token, nowMs) as QueueEvent);
    const later = nowMs + 3_600_000;
    join(room, 'newcomer', later);
    expect(room.admissionRatePerSecond(later + 1_000)).toBe(rate);
  });

  it('given maxActive 0, when estimating, then the wait is unbounded rather than a division by zero', () => {
    expect(givenRoom({ maxActive: 0 }).estimatedWaitSeconds(3, T0)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('WaitingRoom recovery', () => {
  it('given joins applied out of seq order, when queried, then the line is still ordered by seq', () => {
    const room = givenRoom();
    for (const seq of [5, 3, 9, 4]) room.apply({ type: 'queue.joined', token: `t${seq}`, userId: `u${seq}`, seq, atMs: T0 });
    expect(room.waitingInOrder().map((token) => token.seq)).toEqual([3, 4, 5, 9]);
    expect(room.position(room.get('t9') as QueueToken)).toBe(4);
    room.apply({ type: 'queue.joined', token: 't1', userId: 'u1', seq: 1, atMs: T0 });
    room.apply({ type: 'queue.ended', token: 't4', atMs: T0, reason: 'LEFT' });
    expect(room.waitingInOrder().map((token) => token.seq)).toEqual([1, 3, 5, 9]);
    expect(room.nextSeq()).toBe(10);
    expect(room.verify()).toBeNull();
  });

  it('given a journal, when replayed into a fresh room, then tokens, positions and rate come back the same', () => {
    const journal: QueueEvent[] = [];
    const room = givenRoom();
    const record = (event: QueueEvent): void => {
      journal.push(event);
      room.apply(event);
    };
    for (const user of ['a', 'b', 'c', 'd']) {
      const decision = room.decideJoin(user, `token-${user}`, T0);
      if ('event' in decision) record(decision.event);
    }
    record(room.decideLeave('token-c', T0 + 10) as QueueEvent);
    for (const event of room.decideTick(T0 + 1000, { admissionOpen: true })) record(event);

    const replayed = givenRoom();
    for (const event of journal) replayed.apply(event);
    replayed.markAllSeen(T0 + 500_000);
    expect([...replayed.all()].map(({ token, status, seq, activeUntilMs }) => ({ token, status, seq, activeUntilMs }))).toEqual(
      [...room.all()].map(({ token, status, seq, activeUntilMs }) => ({ token, status, seq, activeUntilMs })),
    );
    expect(positions(replayed, ['a', 'b', 'd'])).toEqual([0, 0, 1]);
    expect(replayed.admissionRatePerSecond(T0 + 3000)).toBe(room.admissionRatePerSecond(T0 + 3000));
    // presence restarts at recovery time: nobody is dropped for the downtime
    expect(tokensOf(replayed.decideTick(T0 + 500_000, { admissionOpen: false }), 'queue.ended')).toEqual([]);
  });

  it('given a snapshot of live tokens, when restored, then statuses, positions and the next seq come back', () => {
    const room = givenRoom();
    for (const user of ['a', 'b', 'c', 'd', 'e']) join(room, user);
    tick(room, T0 + 1000);
    room.apply(room.decideLeave('token-e', T0 + 2000) as QueueEvent);
    const snapshot = { nextSeq: room.nextSeq(), tokens: [...room.all()].map((token) => ({ ...token })) };

    const restored = givenRoom();
    restored.restoreAll([...snapshot.tokens].sort((x, y) => x.seq - y.seq), T0 + 9000);
    restored.restoreNextSeq(snapshot.nextSeq);
    expect(positions(restored, ['a', 'b', 'c', 'd'])).toEqual(positions(room, ['a', 'b', 'c', 'd']));
    expect(restored.byUser('a')).toMatchObject({ status: 'ACTIVE', activeUntilMs: T0 + 601_000 });
    expect(restored.byUser('c')?.lastSeenAtMs).toBe(T0 + 9000);
    expect(restored.nextSeq()).toBe(6);
    expect(restored.verify()).toBeNull();
  });
});

describe('WaitingRoom at a million waiting tokens', () => {
  it('given 1,000,000 joins, when the last position is looked up, then it is 1,000,000 and the indexes are consistent', () => {
    v8.setFlagsFromString('--expose-gc');
    const collectGarbage = vm.runInNewContext('gc') as () => void;
    const count = 1_000_000;
    const heapAtStart = heapUsedAfterGc(collectGarbage);
    // Tokens shaped like the real ones: 128 random-looking bits as base64url (22 characters).
    const tokenBytes = Buffer.alloc(16);
    const tokens: string[] = [];
    const userIds: string[] = [];
    for (let i = 0; i < count; i++) {
      tokenBytes.writeUInt32LE(i, 0);
      tokenBytes.writeUInt32LE(Math.imul(i, 2654435761) >>> 0, 4);
      tokens.push(tokenBytes.toString('base64url'));
      userIds.push(`user-${i}`);
    }
    const heapWithStrings = heapUsedAfterGc(collectGarbage);

    const room = new WaitingRoom({ maxActive: 100, activeTtlMs: 600_000, idleMs: 120_000 });
    const joinStartedAt = performance.now();
    for (let i = 0; i < count; i++) {
      const decision = room.decideJoin(userIds[i] as string, tokens[i] as string, T0 + i);
      if ('event' in decision) room.apply(decision.event);
    }
    const joinSeconds = (performance.now() - joinStartedAt) / 1000;
    const heapWithRoom = heapUsedAfterGc(collectGarbage);

    const last = room.get(tokens[count - 1] as string) as QueueToken;
    expect(room.position(last)).toBe(count);
    expect(room.counts()).toEqual({ waiting: count, active: 0 });
    expect(room.position(room.get(tokens[0] as string) as QueueToken)).toBe(1);

    const lookups = 200_000;
    const lookupStartedAt = performance.now();
    let positionSum = 0;
    for (let i = 0; i < lookups; i++) {
      positionSum += room.position(room.get(tokens[(i * 7919) % count] as string) as QueueToken);
    }
    const lookupSeconds = (performance.now() - lookupStartedAt) / 1000;
    expect(positionSum).toBeGreaterThan(0);

    // a hole in the middle and one admission tick move the last fan up by exactly that much
    room.apply(room.decideLeave(tokens[count / 2] as string, T0 + count) as QueueEvent);
    for (const user of userIds.slice(0, 10)) room.touch(room.byUser(user) as QueueToken, T0 + count);
    const tickStartedAt = performance.now();
    const events = tick(room, T0 + count + 1000);
    const tickMs = performance.now() - tickStartedAt;
    expect(tokensOf(events, 'queue.admitted')).toHaveLength(100);
    expect(room.position(last)).toBe(count - 1 - 100 - tokensOf(events, 'queue.ended').length);
    expect(room.verify()).toBeNull();

    console.log(
      `[waiting-room 1M] heap: room ${mb(heapWithRoom - heapWithStrings)} MB + token/user strings ` +
        `${mb(heapWithStrings - heapAtStart)} MB = ${mb(heapWithRoom - heapAtStart)} MB; ` +
        `joins ${Math.round(count / joinSeconds)}/s; position lookups ${Math.round(lookups / lookupSeconds)}/s; ` +
        `tick with ${events.length} events ${tickMs.toFixed(1)} ms`,
    );
  }, 300_000);
});

function heapUsedAfterGc(collectGarbage: () => void): number {
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
