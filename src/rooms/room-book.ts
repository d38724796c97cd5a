/**
 * Every per-sale waiting room, by id and by the schedules each covers (a schedule is in one room at most;
 * schedules in none stay with the default line). A room's tokens name it: `r<ordinal>_<secret>`, the ordinal
 * its place in creation order, so a token finds its room without a lookup however many rooms are open.
 */
import type { PendingChange } from '../actors/pending-change.js';
import type { RoomRow, RoomStore } from '../persistence/room-store.js';
import type { Store } from '../persistence/store.js';
import { RoomActor, type RoomActorDeps } from './room-actor.js';

/** The first character of every room's token; the default line's start with a hex digit (src/actors/ids.ts). */
export const ROOM_TOKEN_PREFIX = 'r';

/** The prefix of a room's tokens. */
export function roomTokenPrefix(ordinal: number): string {
  return `${ROOM_TOKEN_PREFIX}${ordinal}_`;
}

export class RoomBook {
  private readonly rooms = new Map<string, RoomActor>();
  private readonly inOrder: RoomActor[] = [];
  private readonly bySchedule = new Map<string, RoomActor>();
  private ticking = false;

  constructor(
    readonly store: RoomStore,
    private readonly deps: Omit<RoomActorDeps, 'store' | 'newToken'> & { newSecret: () => string },
  ) {}

  get size(): number {
    return this.rooms.size;
  }

  get(roomId: string): RoomActor | undefined {
    return this.rooms.get(roomId);
  }

  /** In creation order. */
  list(): RoomActor[] {
    return [...this.inOrder];
  }

  ofSchedule(scheduleId: string): RoomActor | undefined {
    return this.bySchedule.get(scheduleId);
  }

  /** The room whose line holds this live token, if any. */
  /** The room a token names (whether the token is live there is the room's to say). */
  ofToken(tokenValue: string): RoomActor | undefined {
    if (!tokenValue.startsWith(ROOM_TOKEN_PREFIX)) return undefined;
    const end = tokenValue.indexOf('_');
    const ordinal = end > 1 && end <= 8 ? Number(tokenValue.slice(1, end)) : Number.NaN;
    return Number.isSafeInteger(ordinal) ? this.inOrder[ordinal] : undefined;
  }

  /** A new room, live at once (its creation in `change`); its ticks start with the others'. */
  create(row: RoomRow, change: PendingChange): RoomActor {
    RoomActor.record(row, this.store, change);
    const room = this.add(row);
    if (this.ticking) room.queue.start();
    return room;
  }

  /** At a start: every room from its rows (its admission-rate estimate from `meta`); returns how many live tokens they hold. */
  restore(nowMs: number, meta: Store): number {
    let tokens = 0;
    const tokensByRoom = this.store.tokensByRoom();
    for (const row of this.store.rooms()) {
      const room = this.add(row);
      tokens += room.restore(tokensByRoom.get(row.roomId) ?? [], nowMs);
      room.queue.restoreAdmissionRate(meta);
    }
    return tokens;
  }

  start(): void {
    this.ticking = true;
    for (const room of this.rooms.values()) room.queue.start();
  }

  stop(): void {
    this.ticking = false;
    for (const room of this.rooms.values()) room.queue.stop();
  }

  private add(row: RoomRow): RoomActor {
    const { newSecret, ...deps } = this.deps;
    const prefix = roomTokenPrefix(this.inOrder.length);
    const room = new RoomActor(row, { ...deps, store: this.store, newToken: () => `${prefix}${newSecret()}` });
    this.rooms.set(row.roomId, room);
    this.inOrder.push(room);
    for (const scheduleId of row.scheduleIds) this.bySchedule.set(scheduleId, room);
    return room;
  }
}
