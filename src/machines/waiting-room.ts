import { AdmissionRateEstimate, type AdmissionRateSnapshot } from './ewma.js';
import { IdleList } from './idle-list.js';
import { canTransition, machineEventOf, type QueueEvent, type QueueToken } from './queue-token.machine.js';
import { NOT_IN_LINE, QueueTokenRecord } from './queue-token-record.js';
import { RecordIndex, type PrebuiltIndexTable } from './record-index.js';
import { DEFAULT_MIN_COMPACTION_SLOTS, WaitingLine } from './waiting-line.js';

export type { QueueEvent, QueueToken, QueueEndReason } from './queue-token.machine.js';
export type { AdmissionRateSnapshot } from './ewma.js';

export interface WaitingRoomLimits {
  maxActive: number;
  activeTtlMs: number;
  idleMs: number;
}

export interface WaitingRoomTuning {
  /** Age at which an admission interval weighs 1/e in the admission-rate estimate (see ewma.ts). */
  admissionRateWindowMs: number;
  /** Bound on idle drops journaled by one tick; the rest go on the next ticks. */
  maxIdleDropsPerTick: number;
  /** The waiting line compacts its holes only above this many slots (tests lower it to exercise compaction). */
  lineCompactionMinSlots: number;
}

export interface RestoreOutcome {
  count: number;
  /** Whether both indexes adopted the tables handed to `finish` (false when there were none, or one was refused). */
  indexesAdopted: boolean;
}

/**
 * Both indexes' tables, prebuilt for restored tokens (see WaitingRoom.beginRestore). Adopting a table
 * does not look for a key that comes twice: its builder vouches for that (recovery's reader builds them
 * only from the token rows, whose token and user_id are UNIQUE).
 */
export interface RestoredIndexTables {
  token: PrebuiltIndexTable;
  userId: PrebuiltIndexTable;
}

export const DEFAULT_WAITING_ROOM_TUNING: WaitingRoomTuning = {
  admissionRateWindowMs: 60_000,
  maxIdleDropsPerTick: 10_000,
  lineCompactionMinSlots: DEFAULT_MIN_COMPACTION_SLOTS,
};

/** An event that does not fit the current state: a bug in the caller (or a corrupt journal), never user input. */
export class QueueEventRejectedError extends Error {
  constructor(
    readonly event: QueueEvent,
    reason: string,
  ) {
    super(`queue event ${event.type} rejected: ${reason}`);
    this.name = 'QueueEventRejectedError';
  }
}

/**
 * The waiting room as pure decide/evolve logic: FIFO by seq with capacity admission, active TTL, idle
 * drop and an admission-rate ETA. No I/O, no clock, no randomness: time arrives as `nowMs`, tokens
 * from the caller. decide* methods return the events to journal without changing state; `apply`
 * evolves the state by one event (the same path recovery replays). Apply each decision's events before
 * the next decision: two decideJoin calls without an apply between would hand out the same seq.
 */
export class WaitingRoom {
  private readonly byToken = new RecordIndex('token');
  private readonly byUserId = new RecordIndex('userId');
  private line: WaitingLine;
  private readonly idle = new IdleList();
  /** ACTIVE tokens; at most maxActive, so the tick's scan for expiry is bounded by the limit, not the line. */
  private readonly active = new Set<QueueTokenRecord>();
  private readonly rate: AdmissionRateEstimate;
  private readonly tuning: WaitingRoomTuning;
  private maxSeqSeen = 0;
  /** The latest time any call brought in: stands in for "now" where an API takes no time argument. */
  private latestNowMs = 0;

  constructor(
    public limits: WaitingRoomLimits,
    tuning: Partial<WaitingRoomTuning> = {},
  ) {
    if (!(limits.maxActive >= 0 && limits.activeTtlMs > 0 && limits.idleMs > 0)) {
      throw new RangeError('waiting room limits must be positive');
    }
    this.tuning = { ...DEFAULT_WAITING_ROOM_TUNING, ...tuning };
    this.line = new WaitingLine(this.tuning.lineCompactionMinSlots);
    // Worst case: every admitted fan keeps the slot for the full TTL.
    this.rate = new AdmissionRateEstimate(this.tuning.admissionRateWindowMs, this.worstCaseRatePerSecond());
  }

  // ---- decide ---------------------------------------------------------------------------------

  decideJoin(userId: string, newToken: string, nowMs: number): { existing: QueueToken } | { event: QueueEvent } {
    this.observeTime(nowMs);
    const existing = this.byUserId.get(userId);
    if (existing) return { existing };
    if (this.byToken.has(newToken)) throw new Error('queue token collision: the caller must supply a fresh random token');
    return { event: { type: 'queue.joined', token: newToken, userId, seq: this.nextSeq(), atMs: nowMs } };
  }

  decideLeave(token: string, nowMs: number): QueueEvent | null {
    this.observeTime(nowMs);
    return this.byToken.has(token) ? { type: 'queue.ended', token, atMs: nowMs, reason: 'LEFT' } : null;
  }

  decideEndForUser(userId: string, nowMs: number, reason: 'PAID'): QueueEvent | null {
    this.observeTime(nowMs);
    const record = this.byUserId.get(userId);
    return record ? { type: 'queue.ended', token: record.token, atMs: nowMs, reason } : null;
  }

  /**
   * The 1-second tick: expire ACTIVE tokens past their TTL, drop WAITING tokens not seen for idleMs and
   * not present, then admit heads (FIFO by seq) into the free slots unless admission is closed.
   * Events come in that order, so applying them in order frees slots before filling them.
   */
  decideTick(nowMs: number, options: { admissionOpen: boolean; maxAdmissions?: number }): QueueEvent[] {
    this.observeTime(nowMs);
    const events: QueueEvent[] = [];
    let activeAfterExpiry = this.active.size;
    for (const record of this.active) {
      if (nowMs >= record.activeUntilMs) {
        events.push({ type: 'queue.ended', token: record.token, atMs: nowMs, reason: 'ACTIVE_EXPIRED' });
        activeAfterExpiry--;
      }
    }
    const dropped = new Set<QueueTokenRecord>();
    const idleSinceMs = nowMs - this.limits.idleMs;
    for (let record = this.idle.first(); record !== null; record = record.idleNext) {
      if (record.lastSeenAtMs > idleSinceMs || dropped.size >= this.tuning.maxIdleDropsPerTick) break;
      events.push({ type: 'queue.ended', token: record.token, atMs: nowMs, reason: 'IDLE_DROPPED' });
      dropped.add(record);
    }
    if (!options.admissionOpen) return events;
    let freeSlots = Math.min(this.limits.maxActive - activeAfterExpiry, options.maxAdmissions ?? Number.POSITIVE_INFINITY);
    if (freeSlots <= 0) return events;
    const activeUntilMs = nowMs + this.limits.activeTtlMs;
    for (const record of this.line.fromHead()) {
      if (freeSlots === 0) break;
      if (dropped.has(record)) continue;
      events.push({ type: 'queue.admitted', token: record.token, atMs: nowMs, activeUntilMs });
      freeSlots--;
    }
    return events;
  }

  // ---- evolve ---------------------------------------------------------------------------------

  /** Applies one event. Deterministic; throws QueueEventRejectedError for an event that does not fit. */
  apply(event: QueueEvent): void {
    this.observeTime(event.atMs);
    if (event.type === 'queue.joined') {
      this.applyJoined(event);
      return;
    }
    const record = this.byToken.get(event.token);
    if (!record) throw new QueueEventRejectedError(event, 'unknown token');
    const machineEvent = machineEventOf(event);
    if (machineEvent === null || !canTransition(record.status, machineEvent)) {
      throw new QueueEventRejectedError(event, `not allowed while ${record.status}`);
    }
    if (event.type === 'queue.admitted') {
      this.line.remove(record);
      this.idle.remove(record);
      record.status = 'ACTIVE';
      record.activeUntilMs = event.activeUntilMs;
      this.active.add(record);
      this.rate.record(1, event.atMs);
    } else {
      this.line.remove(record);
      this.idle.remove(record);
      this.active.delete(record);
      this.byToken.delete(record);
      this.byUserId.delete(record);
    }
    this.rate.setLineWaiting(this.line.size > 0, event.atMs);
  }

  private applyJoined(event: Extract<QueueEvent, { type: 'queue.joined' }>): void {
    if (this.byToken.has(event.token)) throw new QueueEventRejectedError(event, 'token already live');
    if (this.byUserId.has(event.userId)) throw new QueueEventRejectedError(event, 'user already has a live token');
    const record = new QueueTokenRecord(event.token, event.userId, event.seq, event.atMs);
    this.byToken.add(record);
    this.byUserId.add(record);
    this.line.add(record);
    this.idle.append(record);
    if (event.seq > this.maxSeqSeen) this.maxSeqSeen = event.seq;
    this.rate.setLineWaiting(true, event.atMs);
  }

  /**
   * A room's opening (src/rooms): the waiting tokens take the seqs 1..n in the order given (the pre-queue's
   * drawn order), ahead of anyone who joins later (their seqs follow the highest seen). Every waiting token
   * must be named once; none may be ACTIVE (nobody is admitted before a room opens).
   */
  resequence(tokensInOrder: readonly string[]): void {
    if (this.active.size > 0) throw new Error('resequence needs a room nobody was admitted from');
    if (tokensInOrder.length !== this.line.size) throw new Error(`resequence names ${tokensInOrder.length} tokens, ${this.line.size} wait`);
    const named = new Set<QueueTokenRecord>();
    const records = tokensInOrder.map((token) => {
      const record = this.byToken.get(token);
      if (record === undefined || record.status !== 'WAITING' || named.has(record)) throw new Error('resequence names a token that does not wait, or one twice');
      named.add(record);
      return record;
    });
    this.line = new WaitingLine(this.tuning.lineCompactionMinSlots);
    records.forEach((record, index) => {
      record.seq = index + 1;
    });
    this.line.restoreInOrder(records);
  }

  /** The organiser changed the room's cap on active fans; in effect at the next tick. */
  setMaxActive(maxActive: number): void {
    if (!(maxActive >= 0)) throw new RangeError('maxActive must be 0 or more');
    this.limits = { ...this.limits, maxActive };
  }

  // ---- recovery helpers (state images rather than events) ------------------------------------------

  /**
   * Recovery in bulk: every live token (the token rows), in seq order, into an empty room. The indexes
   * are sized once for the count and refuse a token or user that comes twice.
   */
  restoreAll(tokens: Iterable<Omit<QueueToken, 'lastSeenAtMs'>>, nowMs: number): number {
    const restore = this.beginRestore(nowMs);
    restore.add(tokens);
    return restore.finish().count;
  }

  /**
   * restoreAll in steps, for tokens that arrive in batches (read by another thread): `add` each batch in
   * seq order, then `finish` once. Nothing else may touch the room in between. `finish` may be handed
   * the two indexes' tables prebuilt for the tokens in the order they were added (ordinal 0 first); a
   * table that does not hold together is ignored and the tokens are filed one by one.
   */
  beginRestore(nowMs: number): { add(tokens: Iterable<Omit<QueueToken, 'lastSeenAtMs'>>): void; finish(tables?: RestoredIndexTables): RestoreOutcome } {
    if (this.byToken.size > 0) throw new Error('restoreAll needs an empty waiting room');
    const restored: QueueTokenRecord[] = [];
    return {
      add: (tokens) => {
        // `tokens` may hand out one object refilled per step (the recovery's readers do): copy, never keep it.
        for (const token of tokens) {
          const record = new QueueTokenRecord(token.token, token.userId, token.seq, token.issuedAtMs);
          record.lastSeenAtMs = nowMs > token.issuedAtMs ? nowMs : token.issuedAtMs;
          if (token.status === 'ACTIVE') {
            record.status = 'ACTIVE';
            record.activeUntilMs = token.activeUntilMs;
            this.active.add(record);
          } else {
            this.idle.append(record);
          }
          if (token.seq > this.maxSeqSeen) this.maxSeqSeen = token.seq;
          restored.push(record);
        }
      },
      finish: (tables) => {
        const tokensAdopted = this.fileRestored(this.byToken, restored, tables?.token);
        const usersAdopted = this.fileRestored(this.byUserId, restored, tables?.userId);
        this.line.restoreInOrder(restored.filter((record) => record.status === 'WAITING'));
        this.rate.setLineWaiting(this.line.size > 0, nowMs);
        this.observeTime(nowMs);
        return { count: restored.length, indexesAdopted: tokensAdopted && usersAdopted };
      },
    };
  }

  /** Whether the prebuilt table was adopted (false: none, or refused, and the records were filed one by one). */
  private fileRestored(index: RecordIndex, records: readonly QueueTokenRecord[], table: PrebuiltIndexTable | undefined): boolean {
    if (table !== undefined && index.adopt(table, records)) return true;
    // Filed after the records were made, not while: sized once for the count, and by then most records
    // have left the young generation, so the big table does not pin a million young objects in the
    // remembered set (filing each record as it is made measured ~30% slower).
    index.reserve(records.length);
    for (const record of records) {
      if (!index.add(record)) throw new Error('restored queue tokens hold a token or user twice');
    }
    return false;
  }

  /** The admission-rate estimate to persist with the queue's changes (see ewma.ts), as of `nowMs`. */
  admissionRateSnapshot(nowMs: number): AdmissionRateSnapshot {
    return this.rate.snapshot(nowMs);
  }

  /**
   * After the tokens are restored: resumes the persisted estimate at `nowMs` instead of the prior, so a
   * waiting fan's ETA does not jump at a restart. False (and the prior kept) for a snapshot that does not hold together.
   */
  restoreAdmissionRate(snapshot: AdmissionRateSnapshot, nowMs: number): boolean {
    return this.rate.restore(snapshot, nowMs, this.line.size > 0);
  }

  /** Keeps seqs monotonic across a snapshot whose highest-seq tokens had already ended. */
  restoreNextSeq(nextSeq: number): void {
    if (nextSeq - 1 > this.maxSeqSeen) this.maxSeqSeen = nextSeq - 1;
  }

  /**
   * After replay: every waiting token counts as seen at `nowMs`, so nobody is idle-dropped for the
   * time the server was down (presence is not journaled). O(waiting), once per recovery.
   */
  markAllSeen(nowMs: number): void {
    this.observeTime(nowMs);
    for (const record of this.byToken.values()) {
      if (record.lastSeenAtMs < nowMs) record.lastSeenAtMs = nowMs;
    }
  }

  // ---- queries and presence -------------------------------------------------------------------

  get(token: string): QueueToken | undefined {
    return this.byToken.get(token);
  }

  byUser(userId: string): QueueToken | undefined {
    return this.byUserId.get(userId);
  }

  /** 1 = head of the waiting line, 0 when ACTIVE (or no longer live). O(log n). */
  position(token: QueueToken): number {
    const record = this.recordOf(token);
    return record && record.status === 'WAITING' ? this.line.rank(record) : 0;
  }

  /**
   * ceil(position / rate), 0 at position 0. The rate is the measured estimate (ewma.ts: it holds between
   * admissions and falls only once the line is quieter than it predicts), floored at the worst case
   * (maxActive / TTL: every slot frees at the latest when its TTL runs out), so a lull in admissions
   * never makes the estimate infinite and a fast-moving line shows its real speed. Position and rate
   * both hold between admissions, so the ETA does too: with admissions as likely any second, the wait
   * still ahead does not shrink by the time already waited.
   */
  estimatedWaitSeconds(position: number, nowMs: number): number {
    if (position <= 0) return 0;
    const ratePerSecond = Math.max(this.rate.ratePerSecondAt(nowMs), this.worstCaseRatePerSecond());
    if (ratePerSecond <= 0) return Number.MAX_SAFE_INTEGER; // maxActive 0: nobody is ever admitted
    return Math.ceil(position / ratePerSecond);
  }

  /** Keeps `tag` with a live token (a room's entrant id): no lookup of its own when the token is read. */
  setTag(token: QueueToken, tag: string): void {
    const record = this.recordOf(token);
    if (record) record.tag = tag;
  }

  tagOf(token: QueueToken): string | null {
    return (token instanceof QueueTokenRecord ? token : this.recordOf(token))?.tag ?? null;
  }

  /** Presence from polling: not journaled, so after a restart presence restarts at recovery time. */
  touch(token: QueueToken, nowMs: number): void {
    this.observeTime(nowMs);
    const record = this.recordOf(token);
    if (!record || nowMs <= record.lastSeenAtMs) return;
    record.lastSeenAtMs = nowMs;
    this.idle.moveToTail(record);
  }

  /**
   * An open WebSocket (counted: several may be open). While present a waiting token is never
   * idle-dropped; when the last socket closes the token counts as seen then (`nowMs`, or the latest
   * time the room has seen) and idles from there.
   */
  setPresent(token: QueueToken, present: boolean, nowMs: number = this.latestNowMs): void {
    const record = this.recordOf(token);
    if (!record) return;
    if (present) {
      record.presentCount++;
      this.idle.remove(record);
      return;
    }
    if (record.presentCount === 0) return;
    record.presentCount--;
    if (record.presentCount > 0) return;
    if (nowMs > record.lastSeenAtMs) record.lastSeenAtMs = nowMs;
    if (record.status === 'WAITING') this.idle.append(record);
  }

  counts(): { waiting: number; active: number } {
    return { waiting: this.line.size, active: this.active.size };
  }

  /** The measured admission rate (the prior until the first admission) as of `nowMs` or the latest time seen. */
  admissionRatePerSecond(nowMs: number = this.latestNowMs): number {
    return this.rate.ratePerSecondAt(nowMs);
  }

  nextSeq(): number {
    return this.maxSeqSeen + 1;
  }

  waitingInOrder(limit = Number.POSITIVE_INFINITY): QueueToken[] {
    const result: QueueToken[] = [];
    if (limit <= 0) return result;
    for (const record of this.line.fromHead()) {
      result.push(record);
      if (result.length >= limit) break;
    }
    return result;
  }

  /** Every live token in seq order: the line merged with the (at most maxActive) ACTIVE tokens. */
  all(): QueueToken[] {
    const active = [...this.active].sort((a, b) => a.seq - b.seq);
    const result: QueueToken[] = [];
    let next = 0;
    for (const record of this.line.fromHead()) {
      while (next < active.length && (active[next] as QueueTokenRecord).seq < record.seq) result.push(active[next++] as QueueTokenRecord);
      result.push(record);
    }
    while (next < active.length) result.push(active[next++] as QueueTokenRecord);
    return result;
  }

  /** Self-check for tests: every index agrees with the token maps. Returns the first fault or null. */
  verify(): string | null {
    const lineFault = this.line.verify();
    if (lineFault) return lineFault;
    let waiting = 0;
    let idle = 0;
    for (const record of this.byToken.values()) {
      if (this.byUserId.get(record.userId) !== record) return `user ${record.userId} does not map to its token`;
      if (record.status === 'WAITING') {
        waiting++;
        if (record.slot === NOT_IN_LINE) return `waiting token seq ${record.seq} is not in the line`;
        const inIdleList = this.idle.has(record);
        if (inIdleList !== (record.presentCount === 0)) return `waiting token seq ${record.seq} idle-list membership is wrong`;
        if (inIdleList) idle++;
      } else if (!this.active.has(record) || record.slot !== NOT_IN_LINE || this.idle.has(record)) {
        return `active token seq ${record.seq} is misfiled`;
      }
    }
    if (this.byUserId.size !== this.byToken.size) return 'user map and token map differ in size';
    if (waiting !== this.line.size) return `waiting ${waiting} != line size ${this.line.size}`;
    if (idle !== this.idle.size) return `idle list holds ${this.idle.size}, expected ${idle}`;
    if (waiting + this.active.size !== this.byToken.size) return 'active set size is wrong';
    return null;
  }

  private recordOf(token: QueueToken): QueueTokenRecord | undefined {
    return this.byToken.get(token.token);
  }

  private worstCaseRatePerSecond(): number {
    return this.limits.maxActive / (this.limits.activeTtlMs / 1000);
  }

  private observeTime(nowMs: number): void {
    if (nowMs > this.latestNowMs) this.latestNowMs = nowMs;
  }
}
