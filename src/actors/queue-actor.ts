/**
 * The waiting room's actor: the pure WaitingRoom plus token minting, the one-second tick, journaling
 * and subscriptions. Status changes (admission, end) are pushed at once after their commit; position
 * moves are pushed at most once per tick per subscriber, so a line of n fans costs at most n messages a
 * second, not n per admission.
 */
import type { QueueEndReason, Unsubscribe } from '../domain/engine.js';
import type { QueueStatusView } from '../domain/views.js';
import { WaitingRoom, type AdmissionRateSnapshot, type QueueEvent, type QueueToken, type WaitingRoomLimits } from '../machines/waiting-room.js';
import type { Store } from '../persistence/store.js';
import type { Clock, TimerHandle } from './clock.js';
import type { PendingChange } from './pending-change.js';
import { queueStatusView } from './views.js';

export const QUEUE_TICK_MS = 1_000;
/** The journal stream of waiting-room events. */
const QUEUE_STREAM = 'queue';
/** Meta key of the admission-rate estimate (JSON, see machines/ewma.ts), written with the tick's changes. */
export const QUEUE_ADMISSION_RATE_KEY = 'queue_admission_rate';

interface Subscriber {
  listener: (status: QueueStatusView) => void;
  onEnded: ((reason: QueueEndReason) => void) | undefined;
  lastPosition: number;
  lastStatus: string;
}

export interface QueueActorDeps {
  clock: Clock;
  limits: WaitingRoomLimits;
  newToken: () => string;
  soldOut: () => boolean;
  /** Seats AVAILABLE across the schedules still to come (for the fans' odds). */
  seatsRemaining: () => number;
  /** Commits a change built by the tick; the actor is told after the commit through the change's callbacks. */
  commit: (change: PendingChange) => void;
  newChange: () => PendingChange;
  onAdmitted?: (count: number) => void;
  /** False on cluster replicas: an open socket's presence arrives through the log as touches instead. */
  trackPresence?: boolean;
  /** The journal stream of this line's events ('queue', the default room's). */
  stream?: string;
  /** The meta key of this line's admission-rate estimate (QUEUE_ADMISSION_RATE_KEY, the default line's). */
  admissionRateKey?: string;
  /** The row-wise state image of the tokens (the default room's queue_tokens rows when omitted). */
  image?: QueueImage;
  /**
   * Asked at each tick before anything is decided (a per-sale room: its opening, its admission rate): null
   * skips the tick (a pre-queue neither admits nor drops); the change is the tick's own.
   */
  tickPolicy?: (nowMs: number, change: PendingChange) => TickPolicy | null;
  /** Told of each event as it is applied, with its change (a room's entrants and admission log). */
  onApplied?: (event: QueueEvent, change: PendingChange) => void;
  /** What a room adds to a fan's status (its id, opening, entrant id); the default line adds nothing. */
  describe?: (token: QueueToken, status: QueueStatusView) => QueueStatusView;
}

export interface TickPolicy { admissionOpen: boolean; maxAdmissions?: number }

/** Where a line keeps its live tokens, row by row, written in the transaction of the event. */
export interface QueueImage {
  joined(event: Extract<QueueEvent, { type: 'queue.joined' }>): (store: Store) => void;
  admitted(event: Extract<QueueEvent, { type: 'queue.admitted' }>): (store: Store) => void;
  ended(event: Extract<QueueEvent, { type: 'queue.ended' }>): (store: Store) => void;
}

export class QueueActor {
  readonly room: WaitingRoom;
  private readonly subscribers = new Map<string, Set<Subscriber>>();
  /** Told only when their token ends: no status pushes, no presence (seat-map sockets). */
  private readonly endWatchers = new Map<string, Set<{ onEnded: (reason: QueueEndReason) => void }>>();
  private tickTimer: TimerHandle | null = null;

  constructor(private readonly deps: QueueActorDeps) {
    this.room = new WaitingRoom(deps.limits);
  }

  // ---- commands (decide + apply now, journal in `change`) ----

  /** The caller's live token, or a new one at the back of the line. */
  join(userId: string, change: PendingChange): { token: QueueToken; created: boolean } {
    const nowMs = this.deps.clock.now();
    const decision = this.room.decideJoin(userId, this.deps.newToken(), nowMs);
    if ('existing' in decision) {
      this.room.touch(decision.existing, nowMs);
      return { token: decision.existing, created: false };
    }
    this.applyAndRecord(decision.event, change);
    const token = this.room.get(decision.event.token);
    if (token === undefined) throw new Error('joined token missing after apply');
    return { token, created: true };
  }

  leave(token: string, change: PendingChange): boolean {
    const event = this.room.decideLeave(token, this.deps.clock.now());
    if (event === null) return false;
    this.applyAndRecord(event, change);
    return true;
  }

  /** Ends the user's token as part of their payment. */
  endForPayment(userId: string, change: PendingChange): boolean {
    const event = this.room.decideEndForUser(userId, this.deps.clock.now(), 'PAID');
    if (event === null) return false;
    this.applyAndRecord(event, change);
    return true;
  }

  // ---- queries ----

  status(token: QueueToken): QueueStatusView {
    const position = this.room.position(token);
    const nowMs = this.deps.clock.now();
    const status = queueStatusView(token, position, this.room.estimatedWaitSeconds(position, nowMs), this.deps.soldOut(), this.deps.seatsRemaining());
    return this.deps.describe === undefined ? status : this.deps.describe(token, status);
  }

  subscribe(tokenValue: string, listener: (status: QueueStatusView) => void, onEnded?: (reason: QueueEndReason) => void): Unsubscribe | null {
    const token = this.room.get(tokenValue);
    if (token === undefined) return null;
    const subscriber: Subscriber = { listener, onEnded, lastPosition: this.room.position(token), lastStatus: token.status };
    let set = this.subscribers.get(tokenValue);
    if (set === undefined) {
      set = new Set();
      this.subscribers.set(tokenValue, set);
    }
    set.add(subscriber);
    const tracked = this.deps.trackPresence !== false;
    if (tracked) this.room.setPresent(token, true, this.deps.clock.now());
    let subscribed = true;
    return () => {
      if (!subscribed) return;
      subscribed = false;
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(tokenValue);
      const live = tracked ? this.room.get(tokenValue) : undefined;
      if (live !== undefined) this.room.setPresent(live, false, this.deps.clock.now());
    };
  }

  /** Calls `onEnded` once, after the commit that ends the token; null when the token is not live. */
  watchEnd(tokenValue: string, onEnded: (reason: QueueEndReason) => void): Unsubscribe | null {
    if (this.room.get(tokenValue) === undefined) return null;
    const watchers = this.endWatchers.get(tokenValue) ?? new Set();
    this.endWatchers.set(tokenValue, watchers);
    const watcher = { onEnded };
    watchers.add(watcher);
    return () => {
      watchers.delete(watcher);
      if (watchers.size === 0 && this.endWatchers.get(tokenValue) === watchers) this.endWatchers.delete(tokenValue);
    };
  }

  // ---- tick ----

  start(): void {
    if (this.tickTimer !== null) return;
    this.tickTimer = this.deps.clock.setTimeout(() => this.onTick(), QUEUE_TICK_MS);
  }

  stop(): void {
    if (this.tickTimer !== null) this.deps.clock.clearTimeout(this.tickTimer);
    this.tickTimer = null;
  }

  private onTick(): void {
    this.tickTimer = null;
    try {
      this.tick();
    } finally {
      this.start();
    }
  }

  /** Expires, drops and admits; then, after the commit, pushes moved positions to subscribers. */
  tick(): void {
    const nowMs = this.deps.clock.now();
    const change = this.deps.newChange();
    const policy = this.deps.tickPolicy === undefined ? { admissionOpen: !this.deps.soldOut() } : this.deps.tickPolicy(nowMs, change);
    if (policy === null) {
      if (!change.isEmpty) this.deps.commit(change);
      return;
    }
    const events = this.room.decideTick(nowMs, policy);
    let admitted = 0;
    for (const event of events) {
      this.applyAndRecord(event, change);
      if (event.type === 'queue.admitted') admitted++;
    }
    if (admitted > 0) change.then(() => this.deps.onAdmitted?.(admitted));
    this.persistAdmissionRate(change, nowMs, admitted > 0);
    change.then(() => this.pushMovedPositions());
    this.deps.commit(change);
  }

  /**
   * After recovery: the admission-rate estimate as the last tick before the stop left it, resumed now
   * (the downtime is not time the line stood still). None stored or unreadable: the prior, as a new room.
   */
  restoreAdmissionRate(store: Store): void {
    const stored = store.getMeta(this.deps.admissionRateKey ?? QUEUE_ADMISSION_RATE_KEY);
    if (stored === undefined) return;
    try {
      this.room.restoreAdmissionRate(JSON.parse(stored) as AdmissionRateSnapshot, this.deps.clock.now());
    } catch {
      // Unreadable JSON: the estimate starts again from the prior; nothing else depends on it.
    }
  }

  /**
   * The estimate in the tick's change, in the same transaction as the admissions it counted. Line time
   * runs while anyone waits, so every tick writes it then (one small row a second; at most a second of
   * line time is lost to a crash); an empty line's estimate changes only with an admission.
   */
  private persistAdmissionRate(change: PendingChange, nowMs: number, admitted: boolean): void {
    if (!admitted && this.room.counts().waiting === 0) return;
    const snapshot = JSON.stringify(this.room.admissionRateSnapshot(nowMs));
    const key = this.deps.admissionRateKey ?? QUEUE_ADMISSION_RATE_KEY;
    change.write((store) => store.setMeta(key, snapshot));
  }

  // ---- internals ----

  /** Applies one event now and records its journal row, state-image write and post-commit push. */
  private applyAndRecord(event: QueueEvent, change: PendingChange): void {
    this.room.apply(event);
    change.record(this.deps.stream ?? QUEUE_STREAM, event);
    change.write(this.imageWrite(event));
    this.deps.onApplied?.(event, change);
    if (event.type === 'queue.joined') return;
    const tokenValue = event.token;
    if (event.type === 'queue.admitted') {
      change.then(() => this.pushStatus(tokenValue));
    } else {
      const reason = event.reason;
      change.then(() => this.endSubscribers(tokenValue, reason));
    }
  }

  private imageWrite(event: QueueEvent): (store: Store) => void {
    const image = this.deps.image;
    if (image === undefined) return queueImageWrite(event);
    switch (event.type) {
      case 'queue.joined': return image.joined(event);
      case 'queue.admitted': return image.admitted(event);
      case 'queue.ended': return image.ended(event);
    }
  }

  /** Pushes every subscriber's status now (a room opened: each entrant's place is known). */
  pushAll(): void {
    for (const tokenValue of this.subscribers.keys()) this.pushStatus(tokenValue);
  }

  private pushStatus(tokenValue: string): void {
    const subscribers = this.subscribers.get(tokenValue);
    const token = this.room.get(tokenValue);
    if (subscribers === undefined || token === undefined) return;
    const status = this.status(token);
    for (const subscriber of subscribers) this.deliver(subscriber, status);
  }

  private endSubscribers(tokenValue: string, reason: QueueEndReason): void {
    const subscribers = this.subscribers.get(tokenValue);
    if (subscribers !== undefined) {
      this.subscribers.delete(tokenValue);
      for (const subscriber of subscribers) subscriber.onEnded?.(reason);
    }
    const watchers = this.endWatchers.get(tokenValue);
    if (watchers !== undefined) {
      this.endWatchers.delete(tokenValue);
      for (const watcher of watchers) watcher.onEnded(reason);
    }
  }

  private pushMovedPositions(): void {
    for (const [tokenValue, subscribers] of this.subscribers) {
      const token = this.room.get(tokenValue);
      if (token === undefined) continue;
      const status = this.status(token);
      for (const subscriber of subscribers) {
        if (subscriber.lastPosition !== status.position || subscriber.lastStatus !== status.status) this.deliver(subscriber, status);
      }
    }
  }

  private deliver(subscriber: Subscriber, status: QueueStatusView): void {
    subscriber.lastPosition = status.position;
    subscriber.lastStatus = status.status;
    subscriber.listener(status);
  }
}

/** The row-wise state image of the queue, written in the same transaction as the journal row. */
function queueImageWrite(event: QueueEvent): (store: Store) => void {
  switch (event.type) {
    case 'queue.joined':
      return (store) => store.insertQueueToken(event.token, event.userId, event.seq, event.atMs);
    case 'queue.admitted':
      return (store) => store.admitQueueToken(event.token, event.activeUntilMs);
    case 'queue.ended':
      return (store) => store.deleteQueueToken(event.token);
  }
}
