/**
 * Every per-sale waiting room, by id, by the schedules each covers (a schedule is in one room at most;
 * schedules in none stay with the default line) and by its live tokens (one lookup per status poll,
 * however many rooms are open).
 */
import type { PendingChange } from '../actors/pending-change.js';
import type { RoomRow, RoomStore } from '../persistence/room-store.js';
import { RoomActor, type RoomActorDeps } from './room-actor.js';

export class RoomBook {
  private readonly rooms = new Map<string, RoomActor>();
  private readonly bySchedule = new Map<string, RoomActor>();
  private readonly byToken = new Map<string, RoomActor>();
  private ticking = false;

  constructor(
    readonly store: RoomStore,
    private readonly deps: Omit<RoomActorDeps, 'store' | 'tokenLive'>,
  ) {}

  get size(): number {
    return this.rooms.size;
  }

  get(roomId: string): RoomActor | undefined {
    return this.rooms.get(roomId);
  }

  /** In creation order. */
  list(): RoomActor[] {
    return [...this.rooms.values()];
  }

  ofSchedule(scheduleId: string): RoomActor | undefined {
    return this.bySchedule.get(scheduleId);
  }

  /** The room whose line holds this live token, if any. */
  ofToken(tokenValue: string): RoomActor | undefined {
    return this.byToken.get(tokenValue);
  }

  /** A new room, live at once (its creation in `change`); its ticks start with the others'. */
  create(row: RoomRow, change: PendingChange): RoomActor {
    RoomActor.record(row, this.store, change);
    const room = this.add(row);
    room.restoreEmpty(this.deps.clock.now());
    if (this.ticking) room.queue.start();
    return room;
  }

  /** At a start: every room from its rows; returns how many live tokens they hold. */
  restore(nowMs: number): number {
    let tokens = 0;
    const tokensByRoom = this.store.tokensByRoom();
    for (const row of this.store.rooms()) tokens += this.add(row).restore(tokensByRoom.get(row.roomId) ?? [], nowMs);
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
    const room = new RoomActor(row, {
      ...this.deps,
      store: this.store,
      tokenLive: (token, live) => {
        if (live) this.byToken.set(token, room);
        else this.byToken.delete(token);
      },
    });
    this.rooms.set(row.roomId, room);
    for (const scheduleId of row.scheduleIds) this.bySchedule.set(scheduleId, room);
    return room;
  }
}
