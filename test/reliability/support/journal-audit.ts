/**
 * An independent audit of the SQLite file, read-only: the double-entry ledger adds up, and a replay of
 * the whole journal with rules written here (not the engine's) finds no seat held or sold twice, no
 * hold expired early or paid late, no payment debited twice, no balance below zero, and admission in
 * strict first-come-first-served order across every restart.
 */
import Database from 'better-sqlite3';

export interface JournalAuditOptions {
  queueMaxActive: number;
  holdTtlMs: number;
}

export interface JournalAuditReport {
  violations: string[];
  journalRows: number;
  transfers: number;
  /** reservationId -> final status in the journal. */
  reservationStatus: Map<string, string>;
}

interface SeatPlan { seatCount: number; priceOf: (seat: number) => number }
interface ReservationReplay { scheduleId: string; userId: string; seats: number[]; holdExpiresAtMs: number; status: string; paymentId: string | null }
interface JournalRow { seq: number; at_ms: number; stream: string; type: string; data: string }

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Event = any;

export class LedgerFacts {
  constructor(private readonly db: Database.Database) {}

  countEntries(accountId: string, kind: string, reference: string): number {
    return this.db.prepare('SELECT COUNT(*) FROM ledger_entries WHERE account_id = ? AND kind = ? AND reference = ?').pluck().get(accountId, kind, reference) as number;
  }

  countTransfers(accountId: string, kind: 'CHARGE' | 'PAYMENT'): number {
    const column = kind === 'CHARGE' ? 'credit_account' : 'debit_account';
    return this.db.prepare(`SELECT COUNT(*) FROM transfers WHERE kind = ? AND ${column} = ?`).pluck().get(kind, accountId) as number;
  }
}

export function openReadOnly(dbPath: string): Database.Database {
  return new Database(dbPath, { readonly: true, fileMustExist: true });
}

export function auditLedger(db: Database.Database): string[] {
  const violations: string[] = [];
  const total = db.prepare('SELECT COALESCE(SUM(balance), 0) FROM accounts').pluck().get() as number;
  if (total !== 0) violations.push(`ledger: the accounts sum to ${total}, not 0`);
  const mismatched = db.prepare(`
    SELECT a.account_id AS account, a.balance AS balance, COALESCE(SUM(e.amount), 0) AS entries
    FROM accounts a LEFT JOIN ledger_entries e ON e.account_id = a.account_id
    GROUP BY a.account_id HAVING a.balance != COALESCE(SUM(e.amount), 0)`).all() as Array<{ account: string; balance: number; entries: number }>;
  for (const row of mismatched) violations.push(`ledger: ${row.account} balance ${row.balance} but its entries sum to ${row.entries}`);
  const negative = db.prepare('SELECT account_id, balance FROM accounts WHERE kind = \'USER\' AND balance < 0').all() as Array<{ account_id: string; balance: number }>;
  for (const row of negative) violations.push(`ledger: ${row.account_id} is negative (${row.balance})`);
  const unbalanced = db.prepare(`
    SELECT t.transfer_id AS id, COUNT(e.entry_id) AS n, COALESCE(SUM(e.amount), 0) AS net
    FROM transfers t LEFT JOIN ledger_entries e ON e.transfer_id = t.transfer_id
    GROUP BY t.transfer_id HAVING n != 2 OR net != 0`).all() as Array<{ id: string; n: number; net: number }>;
  for (const row of unbalanced) violations.push(`ledger: transfer ${row.id} has ${row.n} entries netting ${row.net}`);
  // Each entry's balance_after must follow from the one before it on the same account.
  const entries = db.prepare('SELECT account_id, amount, balance_after, entry_id FROM ledger_entries ORDER BY account_id, entry_id').iterate() as IterableIterator<{ account_id: string; amount: number; balance_after: number; entry_id: number }>;
  let account = '';
  let running = 0;
  for (const entry of entries) {
    if (entry.account_id !== account) {
      account = entry.account_id;
      running = 0;
    }
    running += entry.amount;
    if (running !== entry.balance_after) {
      violations.push(`ledger: entry ${entry.entry_id} of ${account} says balance ${entry.balance_after}, the entries before it sum to ${running}`);
      running = entry.balance_after;
    }
  }
  return violations;
}

export function auditJournal(db: Database.Database, options: JournalAuditOptions): JournalAuditReport {
  const violations: string[] = [];
  const counts = db.prepare('SELECT COUNT(*) AS n, COALESCE(MIN(seq), 0) AS lo, COALESCE(MAX(seq), 0) AS hi FROM journal').get() as { n: number; lo: number; hi: number };
  if (counts.n > 0 && (counts.lo !== 1 || counts.hi !== counts.n)) violations.push(`journal: ${counts.n} rows but seq runs ${counts.lo}..${counts.hi} (a gap or a duplicate)`);

  const plans = new Map<string, SeatPlan>();
  const owners = new Map<string, Map<number, string>>();
  const reservations = new Map<string, ReservationReplay>();
  const wallets = new Map<string, number>();
  const debitedReservations = new Map<string, string>();
  const confirmedPayments = new Map<string, { reservationId: string; amount: number }>();
  const debits = new Map<string, { reservationId: string; amount: number }>();
  const waiting = new Map<string, number>(); // token -> seq
  const active = new Set<string>();
  let lastJoinSeq = 0;
  let lastAtMs = 0;

  const fail = (row: JournalRow, message: string): void => {
    if (violations.length < 200) violations.push(`journal #${row.seq} ${row.type}: ${message}`);
  };

  const rows = db.prepare('SELECT seq, at_ms, stream, type, data FROM journal ORDER BY seq').iterate() as IterableIterator<JournalRow>;
  for (const row of rows) {
    const event = JSON.parse(row.data) as Event;
    if (row.at_ms < lastAtMs - 5_000) fail(row, `time went back from ${lastAtMs} to ${row.at_ms}`);
    lastAtMs = Math.max(lastAtMs, row.at_ms);
    switch (row.type) {
      case 'schedule.created': {
        const grades = event.grades as Array<{ from: number; to: number; price: number }>;
        plans.set(event.scheduleId, {
          seatCount: event.seatCount,
          priceOf: (seat) => grades.find((grade) => seat >= grade.from && seat <= grade.to)?.price ?? Number.NaN,
        });
        owners.set(event.scheduleId, new Map());
        break;
      }
      case 'reservation.held': {
        const plan = plans.get(event.scheduleId);
        const seatOwners = owners.get(event.scheduleId);
        if (plan === undefined || seatOwners === undefined) {
          fail(row, `unknown schedule ${event.scheduleId}`);
          break;
        }
        const seats = event.seatNumbers as number[];
        if (new Set(seats).size !== seats.length) fail(row, `duplicate seats ${seats.join(',')}`);
        for (const seat of seats) {
          if (!Number.isInteger(seat) || seat < 1 || seat > plan.seatCount) fail(row, `seat ${seat} outside 1..${plan.seatCount}`);
          const owner = seatOwners.get(seat);
          if (owner !== undefined) fail(row, `seat ${seat} of ${event.scheduleId} held by ${event.reservationId} while ${owner} (${reservations.get(owner)?.status}) has it`);
          seatOwners.set(seat, event.reservationId);
        }
        if (event.holdExpiresAtMs - event.atMs !== options.holdTtlMs) fail(row, `hold lasts ${event.holdExpiresAtMs - event.atMs} ms, not ${options.holdTtlMs}`);
        if (reservations.has(event.reservationId)) fail(row, `reservation ${event.reservationId} held twice`);
        reservations.set(event.reservationId, { scheduleId: event.scheduleId, userId: event.userId, seats, holdExpiresAtMs: event.holdExpiresAtMs, status: 'HELD', paymentId: null });
        break;
      }
      case 'reservation.confirmed':
      case 'reservation.cancelled':
      case 'reservation.expired': {
        const reservation = reservations.get(event.reservationId);
        if (reservation === undefined) {
          fail(row, `unknown reservation ${event.reservationId}`);
          break;
        }
        if (reservation.status !== 'HELD') {
          fail(row, `reservation ${event.reservationId} is ${reservation.status}, not HELD`);
          break;
        }
        if (row.type === 'reservation.confirmed') {
          if (event.atMs >= reservation.holdExpiresAtMs) fail(row, `paid at ${event.atMs}, at or after the hold's deadline ${reservation.holdExpiresAtMs}`);
          const plan = plans.get(reservation.scheduleId);
          const price = plan === undefined ? Number.NaN : reservation.seats.reduce((sum, seat) => sum + plan.priceOf(seat), 0);
          if (event.payment.amount !== price) fail(row, `paid ${event.payment.amount} for seats worth ${price}`);
          reservation.status = 'CONFIRMED';
          reservation.paymentId = event.payment.paymentId;
          confirmedPayments.set(event.payment.paymentId, { reservationId: event.reservationId, amount: event.payment.amount });
        } else {
          if (row.type === 'reservation.expired' && event.atMs < reservation.holdExpiresAtMs) {
            fail(row, `expired at ${event.atMs}, ${reservation.holdExpiresAtMs - event.atMs} ms before its deadline`);
          }
          reservation.status = row.type === 'reservation.expired' ? 'EXPIRED' : 'CANCELLED';
          const seatOwners = owners.get(reservation.scheduleId);
          for (const seat of reservation.seats) {
            if (seatOwners !== undefined && seatOwners.get(seat) === event.reservationId) seatOwners.delete(seat);
            else fail(row, `seat ${seat} released by ${event.reservationId} which did not own it`);
          }
        }
        break;
      }
      case 'wallet.charged':
      case 'wallet.debited': {
        const before = wallets.get(event.userId) ?? 0;
        const after = row.type === 'wallet.charged' ? before + event.amount : before - event.amount;
        if (!(event.amount > 0) || !Number.isSafeInteger(event.amount)) fail(row, `amount ${event.amount}`);
        if (after !== event.balanceAfter) fail(row, `${event.userId}: ${before} ${row.type === 'wallet.charged' ? '+' : '-'} ${event.amount} is ${after}, the event says ${event.balanceAfter}`);
        if (after < 0) fail(row, `${event.userId} goes negative (${after})`);
        wallets.set(event.userId, event.balanceAfter);
        if (row.type === 'wallet.debited') {
          const earlier = debitedReservations.get(event.reservationId);
          if (earlier !== undefined) fail(row, `reservation ${event.reservationId} debited twice (${earlier}, ${event.paymentId})`);
          debitedReservations.set(event.reservationId, event.paymentId);
          debits.set(event.paymentId, { reservationId: event.reservationId, amount: event.amount });
        }
        break;
      }
      case 'queue.joined': {
        if (event.seq <= lastJoinSeq) fail(row, `seq ${event.seq} not above the last join's ${lastJoinSeq}`);
        lastJoinSeq = Math.max(lastJoinSeq, event.seq);
        waiting.set(event.token, event.seq);
        break;
      }
      case 'queue.admitted': {
        const seq = waiting.get(event.token);
        if (seq === undefined) {
          fail(row, 'admits a token that is not waiting');
          break;
        }
        let head = Number.POSITIVE_INFINITY;
        for (const other of waiting.values()) head = Math.min(head, other);
        if (seq !== head) fail(row, `admits seq ${seq} while seq ${head} waits ahead of it (not first come, first served)`);
        waiting.delete(event.token);
        active.add(event.token);
        if (active.size > options.queueMaxActive) fail(row, `${active.size} tokens ACTIVE, the limit is ${options.queueMaxActive}`);
        break;
      }
      case 'queue.ended': {
        if (!waiting.delete(event.token) && !active.delete(event.token)) fail(row, 'ends a token that is not live');
        break;
      }
      default:
        break;
    }
  }

  for (const [paymentId, confirmed] of confirmedPayments) {
    const debit = debits.get(paymentId);
    if (debit === undefined) violations.push(`journal: payment ${paymentId} confirmed reservation ${confirmed.reservationId} without a debit`);
    else if (debit.reservationId !== confirmed.reservationId || debit.amount !== confirmed.amount) violations.push(`journal: payment ${paymentId} debit and confirmation disagree`);
  }
  for (const [paymentId, debit] of debits) {
    if (!confirmedPayments.has(paymentId)) violations.push(`journal: debit ${paymentId} for ${debit.reservationId} confirmed nothing (money taken, no seat)`);
  }
  const accounts = db.prepare('SELECT account_id, balance FROM accounts WHERE kind = \'USER\'').all() as Array<{ account_id: string; balance: number }>;
  for (const account of accounts) {
    const replayed = wallets.get(account.account_id) ?? 0;
    if (replayed !== account.balance) violations.push(`journal: ${account.account_id} replays to ${replayed}, the account says ${account.balance}`);
  }
  const liveTokens = db.prepare('SELECT token, status FROM queue_tokens').all() as Array<{ token: string; status: string }>;
  const liveCount = waiting.size + active.size;
  if (liveTokens.length !== liveCount) violations.push(`journal: replay leaves ${liveCount} live queue tokens, the table has ${liveTokens.length}`);
  for (const token of liveTokens) {
    const replayed = waiting.has(token.token) ? 'WAITING' : active.has(token.token) ? 'ACTIVE' : 'ENDED';
    if (replayed !== token.status) violations.push(`journal: queue token replays to ${replayed}, the table says ${token.status}`);
  }
  const transfers = db.prepare('SELECT COUNT(*) FROM transfers').pluck().get() as number;
  return { violations, journalRows: counts.n, transfers, reservationStatus: new Map([...reservations].map(([id, r]) => [id, r.status])) };
}
