/**
 * What a sale's room asks of the waiting room (src/rooms/room-actor.ts): the line re-sequenced once, at the
 * opening, in the drawn order, ahead of anyone who joins later; a cap on admissions per tick (the room's
 * rate); a cap on active fans the organiser changes while it runs.
 */
import { describe, expect, it } from 'vitest';
import { WaitingRoom, type QueueEvent } from '../../src/machines/waiting-room.js';

const LIMITS = { maxActive: 10, activeTtlMs: 600_000, idleMs: 3_600_000 };

function joined(room: WaitingRoom, users: string[], atMs = 1_000): void {
  for (const userId of users) {
    const decision = room.decideJoin(userId, `t-${userId}`, atMs);
    if (!('event' in decision)) throw new Error('already joined');
    room.apply(decision.event);
  }
}

function admitted(events: QueueEvent[]): string[] {
  return events.flatMap((event) => (event.type === 'queue.admitted' ? [event.token] : []));
}

describe('WaitingRoom for a sale\'s room', () => {
  it('given five waiting, when re-sequenced in a drawn order, then positions follow it and a later join comes after them all', () => {
    const room = new WaitingRoom(LIMITS);
    joined(room, ['a', 'b', 'c', 'd', 'e']);
    room.resequence(['t-d', 't-b', 't-e', 't-a', 't-c']);
    joined(room, ['late'], 2_000);
    const positions = ['d', 'b', 'e', 'a', 'c', 'late'].map((user) => room.position(room.get(`t-${user}`)!));
    expect(positions).toEqual([1, 2, 3, 4, 5, 6]);
    expect(room.verify()).toBeNull();
    expect(admitted(room.decideTick(3_000, { admissionOpen: true, maxAdmissions: 2 }))).toEqual(['t-d', 't-b']);
  });

  it('refuses an order that leaves a waiting token out, names one twice or names one that does not wait', () => {
    const room = new WaitingRoom(LIMITS);
    joined(room, ['a', 'b']);
    expect(() => room.resequence(['t-a'])).toThrow();
    expect(() => room.resequence(['t-a', 't-a'])).toThrow();
    expect(() => room.resequence(['t-a', 't-x'])).toThrow();
    expect(room.verify()).toBeNull();
  });

  it('given a rate of two a tick and a cap changed to three while five wait, then admissions follow both', () => {
    const room = new WaitingRoom(LIMITS);
    joined(room, ['a', 'b', 'c', 'd', 'e']);
    const first = room.decideTick(2_000, { admissionOpen: true, maxAdmissions: 2 });
    for (const event of first) room.apply(event);
    expect(admitted(first)).toEqual(['t-a', 't-b']);
    room.setMaxActive(3);
    const second = room.decideTick(3_000, { admissionOpen: true, maxAdmissions: 2 });
    for (const event of second) room.apply(event);
    expect(admitted(second)).toEqual(['t-c']);
    expect(room.counts()).toEqual({ waiting: 2, active: 3 });
    expect(admitted(room.decideTick(4_000, { admissionOpen: true, maxAdmissions: 0 }))).toEqual([]);
  });
});
