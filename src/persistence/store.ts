/**
 * Every SQL statement of the engine, prepared once. Writes are only ever called inside the group
 * commit's transaction; reads serve recovery and the few queries answered from disk (ledger history,
 * idempotency records).
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';

export const FUNDING_ACCOUNT = 'house:funding';
export const REVENUE_ACCOUNT = 'house:revenue';

export interface JournalRow { seq: number; at_ms: number; stream: string; type: string; data: string }
export interface AccountRow { account_id: string; kind: 'USER' | 'HOUSE'; balance: number }
export interface LedgerEntryRow { entry_id: number; kind: string; amount: number; balance_after: number; at_ms: number; reference: string }
export interface QueueTokenImage { token: string; userId: string; seq: number; status: 'WAITING' | 'ACTIVE'; issuedAtMs: number; activeUntilMs: number }
export interface IdempotencyRow { request_hash: string; outcome: string; created_at_ms: number }
/** A reservation that ended without a sale, as archived: the schedule in memory prices its seats. */
export interface EndedReservationRow {
  reservationId: string;
  userId: string;
  scheduleId: string;
  status: 'EXPIRED' | 'CANCELLED';
  seatNumbers: readonly number[];
  totalPrice: number;
  heldAtMs: number;
  holdExpiresAtMs: number;
  /** It was a waitlist offer. */
  offer?: true;
}
type EndedRowTuple = [string, string, string, 'EXPIRED' | 'CANCELLED', string, number, number, number, number];

export const ENDED_EXPIRED_KEY = 'ended_expired';
export const ENDED_CANCELLED_KEY = 'ended_cancelled';

function endedRow(row: EndedRowTuple): EndedReservationRow {
  return {
    reservationId: row[0],
    userId: row[1],
    scheduleId: row[2],
    status: row[3],
    seatNumbers: row[4].split(',').map(Number),
    totalPrice: row[5],
    heldAtMs: row[6],
    holdExpiresAtMs: row[7],
    ...(row[8] === 1 ? { offer: true as const } : {}),
  };
}

export class Store {
  private readonly appendJournalStmt: Statement;
  private readonly upsertSnapshotStmt: Statement;
  private readonly setMetaStmt: Statement;
  private readonly getMetaStmt: Statement;
  private readonly insertConcertStmt: Statement;
  private readonly ensureAccountStmt: Statement;
  private readonly addBalanceStmt: Statement;
  private readonly insertTransferStmt: Statement;
  private readonly insertEntryStmt: Statement;
  private readonly insertTokenStmt: Statement;
  private readonly admitTokenStmt: Statement;
  private readonly deleteTokenStmt: Statement;
  private readonly getIdempotencyStmt: Statement;
  private readonly putIdempotencyStmt: Statement;
  private readonly purgeIdempotencyStmt: Statement;
  private readonly trimJournalStmt: Statement;
  private readonly purgeArchiveStmt: Statement;
  private readonly historyStmt: Statement;
  private readonly archiveStmt: Statement;
  private readonly archivedStmt: Statement;
  private readonly archivedByUserStmt: Statement;

  constructor(readonly db: SqliteDatabase) {
    this.appendJournalStmt = db.prepare('INSERT INTO journal (seq, at_ms, stream, type, data) VALUES (?, ?, ?, ?, ?)');
    this.upsertSnapshotStmt = db.prepare('INSERT INTO snapshots (stream, seq, data) VALUES (?, ?, ?) ON CONFLICT (stream) DO UPDATE SET seq = excluded.seq, data = excluded.data');
    this.setMetaStmt = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.getMetaStmt = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
    this.insertConcertStmt = db.prepare('INSERT INTO concerts (concert_id, title, venue, created_at_ms, position) VALUES (?, ?, ?, ?, ?)');
    this.ensureAccountStmt = db.prepare('INSERT INTO accounts (account_id, kind, balance) VALUES (?, ?, 0) ON CONFLICT (account_id) DO NOTHING');
    this.addBalanceStmt = db.prepare('UPDATE accounts SET balance = balance + ? WHERE account_id = ? RETURNING balance').pluck();
    this.insertTransferStmt = db.prepare('INSERT INTO transfers (transfer_id, kind, debit_account, credit_account, amount, at_ms, reference) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertEntryStmt = db.prepare('INSERT INTO ledger_entries (transfer_id, account_id, kind, amount, balance_after, at_ms, reference) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.insertTokenStmt = db.prepare('INSERT INTO queue_tokens (token, user_id, seq, status, issued_at_ms, active_until_ms) VALUES (?, ?, ?, \'WAITING\', ?, 0)');
    this.admitTokenStmt = db.prepare('UPDATE queue_tokens SET status = \'ACTIVE\', active_until_ms = ? WHERE token = ?');
    this.deleteTokenStmt = db.prepare('DELETE FROM queue_tokens WHERE token = ?');
    this.getIdempotencyStmt = db.prepare('SELECT request_hash, outcome, created_at_ms FROM idempotency WHERE user_id = ? AND key = ?');
    this.putIdempotencyStmt = db.prepare('INSERT INTO idempotency (user_id, key, request_hash, outcome, created_at_ms) VALUES (?, ?, ?, ?, ?)');
    // Oldest first through idempotency_by_age, at most `limit` rows a call (see retention.ts).
    this.purgeIdempotencyStmt = db.prepare('DELETE FROM idempotency WHERE (user_id, key) IN (SELECT user_id, key FROM idempotency WHERE created_at_ms < ? ORDER BY created_at_ms LIMIT ?)');
    this.trimJournalStmt = db.prepare('DELETE FROM journal WHERE seq > ? AND seq <= ?');
    // The archive's key is time-ordered (a reservation id sorts by its hold's time): the first `limit` keys are
    // the oldest holds, so a call reads at most `limit` rows even when none is old enough.
    this.purgeArchiveStmt = db.prepare('DELETE FROM ended_reservations WHERE reservation_id IN (SELECT reservation_id FROM ended_reservations ORDER BY reservation_id LIMIT ?) AND ended_at_ms < ?');
    const endedColumns = 'reservation_id, user_id, schedule_id, status, seat_numbers, total_price, held_at_ms, hold_expires_at_ms, offer';
    this.archiveStmt = db.prepare(`INSERT INTO ended_reservations (${endedColumns}, ended_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.archivedStmt = db.prepare(`SELECT ${endedColumns} FROM ended_reservations WHERE reservation_id = ?`).raw();
    this.archivedByUserStmt = db.prepare(`SELECT ${endedColumns} FROM ended_reservations WHERE user_id = ? AND (? IS NULL OR status = ?) ORDER BY ended_at_ms DESC LIMIT ?`).raw();
    this.historyStmt = db.prepare('SELECT entry_id, kind, amount, balance_after, at_ms, reference FROM ledger_entries WHERE account_id = ? ORDER BY entry_id DESC LIMIT ?');
  }

  // --- writes (inside the group commit transaction) ---

  appendJournal(seq: number, atMs: number, stream: string, type: string, data: string): void {
    this.appendJournalStmt.run(seq, atMs, stream, type, data);
  }

  upsertSnapshot(stream: string, seq: number, data: string): void {
    this.upsertSnapshotStmt.run(stream, seq, data);
  }

  setMeta(key: string, value: string): void {
    this.setMetaStmt.run(key, value);
  }

  /** `position`: the concert's place in creation order (0 for the first). */
  insertConcert(concertId: string, title: string, venue: string, atMs: number, position: number): void {
    this.insertConcertStmt.run(concertId, title, venue, atMs, position);
  }

  /**
   * Moves `amount` from one account to another as one transfer with two ledger entries. A user account
   * that would go negative fails the CHECK constraint, which fails the whole transaction.
   */
  transfer(transferId: string, kind: 'CHARGE' | 'PAYMENT' | 'REFUND', from: string, to: string, amount: number, atMs: number, reference: string): void {
    // The house accounts exist from the schema on; a user's account from their first charge on (a payment
    // or a refund moves money of a user who was charged), so only a charge may need to create one. A
    // transfer naming a missing account fails its foreign keys, and with it the transaction.
    if (kind === 'CHARGE') this.ensureAccountStmt.run(to, 'USER');
    this.insertTransferStmt.run(transferId, kind, from, to, amount, atMs, reference);
    const fromBalance = this.addBalanceStmt.get(-amount, from) as number;
    const toBalance = this.addBalanceStmt.get(amount, to) as number;
    this.insertEntryStmt.run(transferId, from, kind, -amount, fromBalance, atMs, reference);
    this.insertEntryStmt.run(transferId, to, kind, amount, toBalance, atMs, reference);
  }

  insertQueueToken(token: string, userId: string, seq: number, issuedAtMs: number): void {
    this.insertTokenStmt.run(token, userId, seq, issuedAtMs);
  }

  admitQueueToken(token: string, activeUntilMs: number): void {
    this.admitTokenStmt.run(activeUntilMs, token);
  }

  deleteQueueToken(token: string): void {
    this.deleteTokenStmt.run(token);
  }

  putIdempotency(userId: string, key: string, requestHash: string, outcome: string, atMs: number): void {
    this.putIdempotencyStmt.run(userId, key, requestHash, outcome, atMs);
  }

  /** Deletes up to `limit` idempotency records created before `olderThanMs`, oldest first; returns how many. */
  purgeIdempotency(olderThanMs: number, limit: number): number {
    return this.purgeIdempotencyStmt.run(olderThanMs, limit).changes;
  }

  /** Deletes the journal rows with afterSeq < seq <= throughSeq (a range of the rowid B-tree); returns how many. */
  trimJournal(afterSeq: number, throughSeq: number): number {
    return this.trimJournalStmt.run(afterSeq, throughSeq).changes;
  }

  /** Deletes, among the `limit` oldest archived reservations, those that ended before `endedBeforeMs`; returns how many. */
  purgeArchive(endedBeforeMs: number, limit: number): number {
    return this.purgeArchiveStmt.run(limit, endedBeforeMs).changes;
  }

  archiveReservation(row: EndedReservationRow, endedAtMs: number): void {
    this.archiveStmt.run(row.reservationId, row.userId, row.scheduleId, row.status, row.seatNumbers.join(','), row.totalPrice, row.heldAtMs, row.holdExpiresAtMs, row.offer === true ? 1 : 0, endedAtMs);
  }

  // --- reads ---

  archivedReservation(reservationId: string): EndedReservationRow | undefined {
    const row = this.archivedStmt.get(reservationId) as EndedRowTuple | undefined;
    return row === undefined ? undefined : endedRow(row);
  }

  /** A user's archived reservations, the most recently ended first. */
  archivedReservations(userId: string, status: 'EXPIRED' | 'CANCELLED' | null, limit: number): EndedReservationRow[] {
    return (this.archivedByUserStmt.all(userId, status, status, limit) as EndedRowTuple[]).map(endedRow);
  }

  getMeta(key: string): string | undefined {
    return this.getMetaStmt.get(key) as string | undefined;
  }

  getIdempotency(userId: string, key: string): IdempotencyRow | undefined {
    return this.getIdempotencyStmt.get(userId, key) as IdempotencyRow | undefined;
  }

  history(accountId: string, limit: number): LedgerEntryRow[] {
    return this.historyStmt.all(accountId, limit) as LedgerEntryRow[];
  }

  maxJournalSeq(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(seq), 0) FROM journal').pluck().get() as number);
  }

  /** The oldest journal row kept (rows behind the checkpoint are trimmed); 0 for an empty journal. */
  minJournalSeq(): number {
    return (this.db.prepare('SELECT COALESCE(MIN(seq), 0) FROM journal').pluck().get() as number);
  }

  journalAfter(seq: number): IterableIterator<JournalRow> {
    return this.db.prepare('SELECT seq, at_ms, stream, type, data FROM journal WHERE seq > ? ORDER BY seq').iterate(seq) as IterableIterator<JournalRow>;
  }

  snapshots(): IterableIterator<{ stream: string; seq: number; data: string }> {
    return this.db.prepare('SELECT stream, seq, data FROM snapshots').iterate() as IterableIterator<{ stream: string; seq: number; data: string }>;
  }

  /** In creation order. */
  concerts(): Array<{ concert_id: string; title: string; venue: string }> {
    return this.db.prepare('SELECT concert_id, title, venue FROM concerts ORDER BY position').all() as Array<{ concert_id: string; title: string; venue: string }>;
  }

  userAccounts(): IterableIterator<AccountRow> {
    return this.db.prepare('SELECT account_id, kind, balance FROM accounts WHERE kind = \'USER\'').iterate() as IterableIterator<AccountRow>;
  }

  /** Per user, the sum of charges at or after `sinceMs` (the start of the current UTC month). */
  chargesSince(sinceMs: number): Array<{ account_id: string; total: number }> {
    return this.db.prepare('SELECT account_id, SUM(amount) AS total FROM ledger_entries WHERE kind = \'CHARGE\' AND amount > 0 AND at_ms >= ? AND account_id NOT LIKE \'house:%\' GROUP BY account_id').all(sinceMs) as Array<{ account_id: string; total: number }>;
  }

  /** Whether the waiting room holds at least `count` tokens: stops counting there (a full count of a million rows took ~160 ms). */
  hasQueueTokens(count: number): boolean {
    // A threshold from options: at most 0 always holds, NaN and Infinity never, a fraction rounds up.
    if (count <= 0) return true;
    const limit = Math.ceil(count);
    if (!Number.isSafeInteger(limit)) return false;
    return this.db.prepare('SELECT count(*) FROM (SELECT 1 FROM queue_tokens LIMIT ?)').pluck().get(limit) === limit;
  }

  /**
   * Live tokens in seq order (after `afterSeq`): a range scan of the table (seq is its rowid). Yields ONE object,
   * refilled per row (a million rows make no million objects): read it before the next step.
   */
  *queueTokens(afterSeq = Number.NEGATIVE_INFINITY): IterableIterator<QueueTokenImage> {
    const rows = this.db.prepare('SELECT token, user_id, seq, status, issued_at_ms, active_until_ms FROM queue_tokens WHERE seq > ? ORDER BY seq').raw().iterate(afterSeq) as IterableIterator<[string, string, number, 'WAITING' | 'ACTIVE', number, number]>;
    const image: QueueTokenImage = { token: '', userId: '', seq: 0, status: 'WAITING', issuedAtMs: 0, activeUntilMs: 0 };
    for (const row of rows) {
      image.token = row[0];
      image.userId = row[1];
      image.seq = row[2];
      image.status = row[3];
      image.issuedAtMs = row[4];
      image.activeUntilMs = row[5];
      yield image;
    }
  }
}
