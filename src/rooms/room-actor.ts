/**
 * One sale's waiting room: a line of its own (a QueueActor on its own journal stream and token rows) for the
 * schedules it covers, with the sale's opening, admission rate and cap, and the fair pre-queue of
 * docs/fair-queue.md. Fans who join before the opening are entrants; at the opening (the first tick or join
 * at or after `opensAtMs`) the list closes and the line takes the order the committed seed draws
 * (fairOrder), the later arrivals after them in arrival order. Every admission is appended to the room's
 * hash-chained log in the commit that admits the fan. All of it is decided from the room's state and the
 * injected clock, so cluster replicas, applying the same log, open and admit alike.
 */
import * as crypto from 'node:crypto';
import { createHash } from 'node:crypto';
import type { Clock } from '../actors/clock.js';
import type { PendingChange } from '../actors/pending-change.js';
import { QueueActor, type TickPolicy } from '../actors/queue-actor.js';
import { iso } from '../actors/views.js';
import type { QueueStatusView, RoomView } from '../domain/views.js';
import type { QueueEvent, QueueToken } from '../machines/waiting-room.js';
import { outlookFor } from '../machines/odds.js';
import type { RoomRow, RoomStore, RoomTokenRow } from '../persistence/room-store.js';
import { AdmissionLog, type AdmissionEntry } from './fairness/admission-log.js';
import { canonicalEntrants, compareLeads, entrantsDigest, fairOrder, hmacSha256With, leadOf } from './fairness/fair-order.js';
import type { ReceiptFields } from './fairness/receipt.js';

/** Admissions a rate may bank while nobody is waiting: a few seconds' worth, so a quiet spell is no flood later. */
const RATE_BURST_SECONDS = 2;

export interface RoomSeats {
  /** Seats AVAILABLE across the room's schedules still to come. */
  remaining: number;
  /** No seat of the room's upcoming schedules is AVAILABLE or held. */
  soldOut: boolean;
}

export interface RoomActorDeps {
  clock: Clock;
  store: RoomStore;
  activeTtlMs: number;
  idleMs: number;
  newToken: () => string;
  seats: (scheduleIds: readonly string[]) => RoomSeats;
  /** The concerts of the room's schedules, in the order of its schedules. */
  concertsOf: (scheduleIds: readonly string[]) => string[];
  commit: (change: PendingChange) => void;
  newChange: () => PendingChange;
  onAdmitted?: (count: number) => void;
  trackPresence: boolean;
}

/**
 * An entrant of the pre-queue. Until the opening it carries its token and the lead of its order key (the
 * key's first 48 bits), computed as it joins (the seed is the room's from its creation), so the opening only
 * sorts numbers; its place is set at the opening (0 before).
 */
interface Entrant { readonly id: string; joinedAtMs: number; arrival: number; token: string | null; lead: number; place: number }

/** A room's seats are summed at most this often for its fans' statuses (its admission sums them fresh each tick). */
const SEATS_REFRESH_MS = 1_000;

/** crypto.hash (Node >= 20.12): a one-shot digest, a third of createHash's cost for a short input. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

/** A token's public name in the room's entrant list and log: a hash of the token (a secret), so it gives nothing away. */
export function entrantIdOf(token: string): string {
  const input = `entrant:${token}`;
  const digest = oneShotHash === undefined ? createHash('sha256').update(input, 'utf8').digest('base64url') : oneShotHash('sha256', input, 'base64url');
  return `e${digest.slice(0, 22)}`;
}

/** What a room publishes for its audit (src/rooms/fairness/verify-room.ts), before the API adds its key and signature. */
export interface RoomAudit {
  roomId: string;
  commitment: string;
  seed: string;
  entrants: string[];
  lateArrivals: string[];
  log: AdmissionEntry[];
  head: { count: number; headHash: string };
}

export class RoomActor {
  readonly queue: QueueActor;
  readonly scheduleIds: readonly string[];
  private readonly stream: string;
  private room: RoomRow;
  /** Before the opening: the live entrants. After: the closed list (whoever was in at the opening). */
  private readonly entrants = new Map<string, Entrant>();
  private readonly lateArrivals: string[] = [];
  private readonly log = new AdmissionLog();
  private credit = 0;
  private creditAtMs = 0;
  private seatsNow: RoomSeats = { remaining: 0, soldOut: false };
  private seatsAtMs = Number.NEGATIVE_INFINITY;
  private opensAtIso: string;
  /** The last audit built, and the closed entrant list in canonical order (see audit). */
  private auditCache: RoomAudit | null = null;
  private canonicalEntrants: string[] | null = null;
  /** HMAC-SHA256 under the seed, its pads computed once: an entrant's order key. */
  private readonly orderKeyOf: (entrantId: string) => string;

  constructor(row: RoomRow, private readonly deps: RoomActorDeps) {
    this.room = row;
    this.opensAtIso = iso(row.opensAtMs);
    this.orderKeyOf = hmacSha256With(Buffer.from(row.seed, 'hex'));
    this.scheduleIds = row.scheduleIds;
    this.stream = `room:${row.roomId}`;
    const store = deps.store;
    const roomId = row.roomId;
    this.queue = new QueueActor({
      clock: deps.clock,
      limits: { maxActive: row.maxActive, activeTtlMs: deps.activeTtlMs, idleMs: deps.idleMs },
      newToken: deps.newToken,
      soldOut: () => this.seats().soldOut,
      seatsRemaining: () => this.seats().remaining,
      commit: deps.commit,
      newChange: deps.newChange,
      ...(deps.onAdmitted === undefined ? {} : { onAdmitted: deps.onAdmitted }),
      trackPresence: deps.trackPresence,
      stream: this.stream,
      // Each line's own estimate: a room's ticks must not overwrite the default line's.
      admissionRateKey: `room_admission_rate:${row.roomId}`,
      image: {
        // The row is the entrant's record too (see room-store.ts): what the room knows at the event decides.
        joined: (event) => {
          const late = this.opened;
          return () => store.insertToken(roomId, event.token, event.userId, event.seq, event.atMs, late);
        },
        admitted: (event) => () => store.admitToken(event.token, event.activeUntilMs),
        ended: (event) => (this.opened ? () => store.endToken(event.token) : () => store.deleteToken(event.token)),
      },
      tickPolicy: (nowMs, change) => this.tickPolicy(nowMs, change),
      onApplied: (event, change) => this.onApplied(event, change),
      describe: (token, status) => this.describe(token, status),
    });
  }

  get roomId(): string {
    return this.room.roomId;
  }

  get opened(): boolean {
    return this.room.openedAtMs !== null;
  }

  /** A new room's creation, in the change that creates it. */
  static record(row: RoomRow, store: RoomStore, change: PendingChange): void {
    const { seed: _secret, ...published } = row;
    change.record(`room:${row.roomId}`, { type: 'room.created', atMs: row.createdAtMs, ...published });
    change.write(() => store.insertRoom(row));
  }

  // ---- commands ----

  /** The caller's live token in this room, or a new one; a join at or after the opening time opens the room first. */
  join(userId: string, change: PendingChange): { token: QueueToken; created: boolean } {
    this.openIfDue(this.deps.clock.now(), change);
    return this.queue.join(userId, change);
  }

  /**
   * The organiser's changes, in effect at the next tick: the rate (fans a minute; null: only the cap), the cap on
   * active fans, and the opening time (before the opening only: the caller checks). A fan's countdown is pushed
   * again after the commit, so a delayed sale shows its new time at once.
   */
  update(changes: { ratePerMinute: number | null; maxActive: number; opensAtMs: number }, change: PendingChange): void {
    const atMs = this.deps.clock.now();
    const { ratePerMinute, maxActive, opensAtMs } = changes;
    const moved = opensAtMs !== this.room.opensAtMs;
    this.room = { ...this.room, ratePerMinute, maxActive, opensAtMs };
    this.opensAtIso = iso(opensAtMs);
    this.queue.room.setMaxActive(maxActive);
    const updated = { type: 'room.updated', atMs, ratePerMinute, maxActive, opensAtMs };
    change.record(this.stream, updated);
    const store = this.deps.store;
    const roomId = this.room.roomId;
    change.write(() => store.update(roomId, ratePerMinute, maxActive, opensAtMs));
    if (moved) change.then(() => this.queue.pushAll());
  }

  // ---- queries ----

  view(): RoomView {
    const nowMs = this.deps.clock.now();
    const { waiting, active } = this.queue.room.counts();
    const seats = this.seats(true);
    const room = this.room;
    return {
      roomId: room.roomId,
      name: room.name,
      scheduleIds: [...room.scheduleIds],
      concertIds: this.deps.concertsOf(room.scheduleIds),
      opensAt: iso(room.opensAtMs),
      opensInSeconds: this.opensInSeconds(nowMs),
      state: room.openedAtMs === null ? 'PRE_QUEUE' : 'OPEN',
      openedAt: room.openedAtMs === null ? null : iso(room.openedAtMs),
      admissionRatePerMinute: room.ratePerMinute,
      maxActive: room.maxActive,
      commitment: room.commitment,
      seed: room.openedAtMs === null ? null : room.seed,
      entrants: this.entrants.size,
      lateArrivals: this.lateArrivals.length,
      waiting: room.openedAtMs === null ? 0 : waiting,
      preQueue: room.openedAtMs === null ? waiting : 0,
      active,
      admitted: this.log.entries.length,
      seatsRemaining: seats.remaining,
      soldOut: seats.soldOut,
    };
  }

  /** The fan's receipt fields (the API signs them); null before the opening and for a late arrival. */
  receiptOf(token: QueueToken): ReceiptFields | null {
    const entrantId = this.entrantIdOf(token.token);
    const entrant = this.entrants.get(entrantId);
    if (entrant === undefined || entrant.place === 0 || this.room.entrantsDigest === null) return null;
    return { roomId: this.room.roomId, entrantId, place: entrant.place, commitment: this.room.commitment, entrantsDigest: this.room.entrantsDigest, joinedAtMs: entrant.joinedAtMs };
  }

  /** The audit as it stands (null before the opening: the seed stays secret until then). */
  audit(): RoomAudit | null {
    if (this.room.openedAtMs === null) return null;
    const entries = this.log.entries;
    // Anyone may ask, as often as they like: the same audit is built once per state of the log and arrivals
    // (the entrant list, closed at the opening, once for good).
    const cached = this.auditCache;
    if (cached !== null && cached.head.count === entries.length && cached.lateArrivals.length === this.lateArrivals.length) return cached;
    this.canonicalEntrants ??= canonicalEntrants(this.entrants.keys());
    this.auditCache = {
      roomId: this.room.roomId,
      commitment: this.room.commitment,
      seed: this.room.seed,
      entrants: this.canonicalEntrants,
      lateArrivals: [...this.lateArrivals],
      log: entries.map((entry) => ({ ...entry })),
      head: { count: entries.length, headHash: this.log.headHash() },
    };
    return this.auditCache;
  }

  // ---- recovery ----

  /**
   * Rebuilds the room from its rows (in arrival order): the live tokens, the entrants and late arrivals (live or
   * ENDED), the drawn order recomputed from the seed, the log. Returns how many tokens are live.
   */
  restore(rows: readonly RoomTokenRow[], nowMs: number): number {
    const live: RoomTokenRow[] = [];
    let maxArrival = 0;
    for (const row of rows) {
      const entrantId = entrantIdOf(row.token);
      if (row.late) this.lateArrivals.push(entrantId);
      else this.entrants.set(entrantId, this.opened ? { id: entrantId, joinedAtMs: row.issuedAtMs, arrival: row.arrival, token: null, lead: 0, place: 0 } : this.newEntrant(entrantId, row.token, row.issuedAtMs, row.arrival));
      if (row.arrival > maxArrival) maxArrival = row.arrival;
      if (row.status === 'ENDED') continue;
      live.push(row);
    }
    live.sort((a, b) => a.seq - b.seq);
    const line = this.queue.room;
    line.restoreAll(live.map((row) => ({ ...row, status: row.status as 'WAITING' | 'ACTIVE' })), nowMs);
    for (const row of live) {
      const token = line.get(row.token);
      if (token !== undefined) line.setTag(token, entrantIdOf(row.token));
    }
    this.queue.room.restoreNextSeq(maxArrival + 1);
    if (this.opened) this.placeEntrants(fairOrder(this.room.seed, this.entrants.keys()));
    this.log.restore(this.deps.store.admissions(this.room.roomId));
    this.creditAtMs = nowMs;
    return live.length;
  }

  private newEntrant(entrantId: string, token: string, joinedAtMs: number, arrival: number): Entrant {
    return { id: entrantId, joinedAtMs, arrival, token, lead: leadOf(this.orderKeyOf(entrantId)), place: 0 };
  }

  /** Each entrant's place in the drawn order (a restart recomputes it from the seed). */
  private placeEntrants(order: readonly string[]): void {
    order.forEach((entrantId, index) => {
      const entrant = this.entrants.get(entrantId);
      if (entrant !== undefined) entrant.place = index + 1;
    });
  }

  // ---- internals ----

  private opensInSeconds(nowMs: number): number {
    return this.room.openedAtMs === null ? Math.max(0, Math.ceil((this.room.opensAtMs - nowMs) / 1000)) : 0;
  }

  private tickPolicy(nowMs: number, change: PendingChange): TickPolicy | null {
    this.openIfDue(nowMs, change);
    if (this.room.openedAtMs === null) return null;
    const seats = this.seats(true);
    const rate = this.room.ratePerMinute;
    if (rate === null) return { admissionOpen: !seats.soldOut };
    const perSecond = rate / 60;
    this.credit = Math.min(this.credit + (perSecond * (nowMs - this.creditAtMs)) / 1000, Math.max(1, perSecond * RATE_BURST_SECONDS));
    this.creditAtMs = nowMs;
    return { admissionOpen: !seats.soldOut, maxAdmissions: Math.floor(this.credit) };
  }

  /**
   * The opening, once: the entrant list closes, the order is drawn from the seed, the line takes it (the
   * token rows their places), and every entrant counts as seen now (nobody is dropped for the wait before).
   */
  private openIfDue(nowMs: number, change: PendingChange): void {
    if (this.room.openedAtMs !== null || nowMs < this.room.opensAtMs) return;
    // fairOrder's order, from the keys computed as the entrants joined (a test holds the two equal).
    const drawn = [...this.entrants.values()];
    drawn.sort((a, b) => compareLeads(a, b, this.orderKeyOf));
    const order = drawn.map((entrant) => entrant.id);
    const tokensInOrder = order.map((entrantId, index) => {
      const entrant = this.entrants.get(entrantId);
      const token = entrant?.token;
      if (entrant === undefined || token == null) throw new Error(`room ${this.room.roomId}: entrant ${entrantId} has no waiting token`);
      entrant.token = null;
      entrant.place = index + 1;
      return token;
    });
    const digest = entrantsDigest(canonicalEntrants(this.entrants.keys()));
    this.queue.room.resequence(tokensInOrder);
    this.queue.room.markAllSeen(nowMs);
    this.room = { ...this.room, openedAtMs: nowMs, entrantsDigest: digest };
    this.credit = 0;
    this.creditAtMs = nowMs;
    const opened = { type: 'room.opened', atMs: nowMs, entrants: order.length, entrantsDigest: digest };
    change.record(this.stream, opened);
    const store = this.deps.store;
    const roomId = this.room.roomId;
    change.write(() => store.open(roomId, nowMs, digest, tokensInOrder));
    change.publish('room.opened', nowMs, { room: this.view() });
    change.then(() => this.queue.pushAll());
  }

  /** The entrants, late arrivals and log in memory (their rows are the token image's: see the constructor). */
  private onApplied(event: QueueEvent, change: PendingChange): void {
    const entrantId = event.type === 'queue.joined' ? entrantIdOf(event.token) : this.entrantIdOf(event.token);
    if (event.type === 'queue.joined') {
      const token = this.queue.room.get(event.token);
      if (token !== undefined) this.queue.room.setTag(token, entrantId);
      if (this.opened) this.lateArrivals.push(entrantId);
      else this.entrants.set(entrantId, this.newEntrant(entrantId, event.token, event.atMs, event.seq));
    } else if (event.type === 'queue.admitted') {
      const store = this.deps.store;
      const roomId = this.room.roomId;
      this.credit -= 1;
      const entry = this.log.append(entrantId, event.atMs);
      change.write(() => store.insertAdmission(roomId, entry));
    } else {
      // Left before the opening: not an entrant (the list closes with whoever is in at the opening).
      if (!this.opened) this.entrants.delete(entrantId);
    }
  }

  /** Fills in the room's part of a status built for this call (the hot path: no copy, the entrant id cached). */
  private describe(token: QueueToken, status: QueueStatusView): QueueStatusView {
    const nowMs = this.deps.clock.now();
    status.roomId = this.room.roomId;
    status.opensAt = this.opensAtIso;
    status.opensInSeconds = this.opensInSeconds(nowMs);
    status.entrantId = this.queue.room.tagOf(token) ?? entrantIdOf(token.token);
    if (this.room.openedAtMs !== null) return status;
    // Before the opening nobody has a place yet: each entrant's is drawn uniformly, so the honest odds are
    // those of the middle of the list, and the wait is the time to the opening plus that of the middle.
    const fansAhead = Math.floor((this.entrants.size - 1) / 2);
    status.status = 'PRE_QUEUE';
    status.position = 0;
    status.fansAhead = fansAhead;
    status.estimatedWaitSeconds = status.opensInSeconds + this.queue.room.estimatedWaitSeconds(fansAhead + 1, nowMs);
    status.outlook = outlookFor(fansAhead, status.seatsRemaining, status.soldOut);
    return status;
  }

  /** A live token's entrant id, kept with it since its join (an ended one's is hashed again). */
  private entrantIdOf(tokenValue: string): string {
    const token = this.queue.room.get(tokenValue);
    return (token === undefined ? null : this.queue.room.tagOf(token)) ?? entrantIdOf(tokenValue);
  }

  /** The room's seats: summed fresh for its admission and its view, at most once a second for statuses. */
  private seats(fresh = false): RoomSeats {
    const nowMs = this.deps.clock.now();
    if (fresh || nowMs < this.seatsAtMs || nowMs - this.seatsAtMs >= SEATS_REFRESH_MS) {
      this.seatsNow = this.deps.seats(this.scheduleIds);
      this.seatsAtMs = nowMs;
    }
    return this.seatsNow;
  }
}

