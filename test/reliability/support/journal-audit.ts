/**
 * An independent audit of the SQLite file, read-only: the double-entry ledger adds up, and a replay of
 * the whole journal with rules written here (not the engine's) finds no seat held or sold twice, no
 * hold expired early or paid late, no payment debited twice, no balance below zero, admission in
 * strict first-come-first-served order across every restart, and waitlist offers made in list order (no fan
 * passed over whose seats fitted and who held nothing), each as a hold of the offer's length.
 *
 * The engine trims the journal behind its checkpoints (src/persistence/retention.ts), keeping one
 * checkpoint interval beyond what recovery needs. So a long run is audited by a JournalAuditor that tails
 * the journal while the server runs (`read`, every few hundred ms) and keeps its replay between reads:
 * every row is replayed once, and a row trimmed before it was read is a violation, never skipped quietly.
 * The replay is then also held against what the engine keeps instead of the trimmed rows: the journal
 * holds every row after the checkpoint, each schedule's snapshot has exactly the reservations the replay
 * has live at the snapshot's seq, and the archive has every reservation that ended unsold before the
 * checkpoint, as the journal ended it.
 */
import Database from 'better-sqlite3';
import { validateLayout } from '../../../src/venues/layout.js';
import { VenuePlan } from '../../../src/venues/venue-plan.js';

export interface JournalAuditOptions {
  queueMaxActive: number;
  holdTtlMs: number;
  /** How long a waitlist offer's hold lasts (WAITLIST_OFFER_SECONDS). */
  offerTtlMs?: number;
}

export interface JournalAuditReport {
  violations: string[];
  journalRows: number;
  transfers: number;
  /** reservationId -> final status in the journal. */
  reservationStatus: Map<string, string>;
}

interface SeatPlan { seatCount: number; priceOf: (seat: number) => number; blocked?: (seat: number) => boolean }
interface ReservationReplay {
  scheduleId: string;
  userId: string;
  seats: number[];
  heldAtMs: number;
  holdExpiresAtMs: number;
  status: string;
  paymentId: string | null;
  /** Seats given back by refunds (released), each once. */
  refundedSeats: number[];
  /** Journal seqs of the hold, the confirmation and the end (EXPIRED/CANCELLED), to know the state at any seq. */
  heldSeq: number;
  confirmedSeq: number;
  endedSeq: number;
  endedAtMs: number;
}
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

/** The whole journal at once: for a file whose journal nothing has trimmed yet (a short run). */
export function auditJournal(db: Database.Database, options: JournalAuditOptions): JournalAuditReport {
  const auditor = new JournalAuditor(options);
  auditor.read(db);
  return auditor.check(db);
}

/** Opens the file read-only for one `read` (the server may be down, starting or writing): false if it could not. */
export function tailJournal(auditor: JournalAuditor, dbPath: string): boolean {
  let db: Database.Database | undefined;
  try {
    db = openReadOnly(dbPath);
    auditor.read(db);
    return true;
  } catch {
    return false;
  } finally {
    db?.close();
  }
}

export class JournalAuditor {
  private readonly replayViolations: string[] = [];
  /** The file being read: a venue schedule's plan comes from its layout row, like the engine's. */
  private db: Database.Database | null = null;
  private readonly venuePlans = new Map<string, VenuePlan | null>();
  private lastSeq = 0;
  private rowsRead = 0;
  private readonly plans = new Map<string, SeatPlan>();
  private readonly owners = new Map<string, Map<number, string>>();
  private readonly reservations = new Map<string, ReservationReplay>();
  /** Tickets admitted at the door: ticketId -> journal seq. */
  private readonly checkedIn = new Map<string, number>();
  private readonly wallets = new Map<string, number>();
  private readonly debitedReservations = new Map<string, string>();
  private readonly confirmedPayments = new Map<string, { reservationId: string; amount: number }>();
  private readonly debits = new Map<string, { reservationId: string; amount: number }>();
  /** refundId -> the refund as the schedule's event and as the wallet's credit: they must agree, one for one. */
  private readonly scheduleRefunds = new Map<string, { reservationId: string; amount: number }>();
  private readonly walletRefunds = new Map<string, { reservationId: string; amount: number }>();
  private readonly waiting = new Map<string, number>(); // token -> seq
  private readonly active = new Set<string>();
  private lastJoinSeq = 0;
  private lastAtMs = 0;
  /** Each schedule's waitlist, in order. */
  private readonly waitlists = new Map<string, Array<{ userId: string; quantity: number }>>();
  /** A waitlist.offered row waits for the hold that follows it. */
  private pendingOffer: { userId: string; reservationId: string; scheduleId: string; quantity: number } | null = null;
  /** Offers replayed (a waitlist.offered row and its hold). */
  offers = 0;

  constructor(private readonly options: JournalAuditOptions) {}

  /** Replays the rows written since the last read, in one read transaction. Rows must follow on without a gap. */
  read(db: Database.Database): void {
    this.db = db;
    db.transaction(() => {
      const rows = db.prepare('SELECT seq, at_ms, stream, type, data FROM journal WHERE seq > ? ORDER BY seq').iterate(this.lastSeq) as IterableIterator<JournalRow>;
      for (const row of rows) {
        if (row.seq !== this.lastSeq + 1) {
          this.fail(row, `rows ${this.lastSeq + 1}..${row.seq - 1} are missing: trimmed before the audit read them, or never written`);
        }
        this.lastSeq = row.seq;
        this.rowsRead++;
        this.apply(row);
      }
    })();
  }

  private venuePlan(layoutId: string): VenuePlan | null {
    if (!this.venuePlans.has(layoutId)) {
      const json = this.db?.prepare('SELECT layout FROM venue_layouts WHERE layout_id = ?').pluck().get(layoutId) as string | undefined;
      const valid = json === undefined ? null : validateLayout(JSON.parse(json));
      this.venuePlans.set(layoutId, valid?.ok === true ? new VenuePlan(layoutId, valid.layout, json ?? '') : null);
    }
    return this.venuePlans.get(layoutId) ?? null;
  }

  private fail(row: JournalRow, message: string): void {
    if (this.replayViolations.length < 200) this.replayViolations.push(`journal #${row.seq} ${row.type}: ${message}`);
  }

  private apply(row: JournalRow): void {
    // A sale's room has a line of its own, in the order its seed drew: room-load.ts audits it over HTTP with
    // the verifier (its published log), not as the default line's first come, first served.
    if (row.stream.startsWith('room:')) return;
    const event = JSON.parse(row.data) as Event;
    const { options, plans, owners, reservations, wallets, debitedReservations, confirmedPayments, debits, waiting, active } = this;
    const fail = (message: string): void => this.fail(row, message);
    if (row.at_ms < this.lastAtMs - 5_000) fail(`time went back from ${this.lastAtMs} to ${row.at_ms}`);
    this.lastAtMs = Math.max(this.lastAtMs, row.at_ms);
    switch (row.type) {
      case 'schedule.created': {
        const grades = event.grades as Array<{ from: number; to: number; price: number }>;
        const venue = typeof event.layoutId === 'string' ? this.venuePlan(event.layoutId as string) : null;
        if (typeof event.layoutId === 'string' && venue === null) fail(`schedule of layout ${event.layoutId as string}, which the file does not have or which does not validate`);
        if (venue !== null && venue.seatCount !== event.seatCount) fail(`layout ${venue.layoutId} numbers ${venue.seatCount} seats, the schedule ${event.seatCount as number}`);
        plans.set(event.scheduleId, {
          seatCount: event.seatCount,
          priceOf: venue === null
            ? (seat) => grades.find((grade) => seat >= grade.from && seat <= grade.to)?.price ?? Number.NaN
            : (seat) => venue.layout.categories[venue.categoryOf(seat)]?.priceWon ?? Number.NaN,
          ...(venue === null ? {} : { blocked: (seat: number) => venue.isBlocked(seat) }),
        });
        owners.set(event.scheduleId, new Map());
        break;
      }
      case 'reservation.held': {
        const offer = this.pendingOffer;
        this.pendingOffer = null;
        if (event.offer === true) {
          if (offer === null || offer.reservationId !== event.reservationId || offer.userId !== event.userId || offer.scheduleId !== event.scheduleId) {
            fail(`offer hold ${event.reservationId} of ${event.userId} without its waitlist.offered row just before it`);
          } else if ((event.seatNumbers as number[]).length !== offer.quantity) {
            fail(`offers ${(event.seatNumbers as number[]).length} seats to ${event.userId}, who waits for ${offer.quantity}`);
          }
        } else if (offer !== null) {
          fail(`waitlist.offered to ${offer.userId} is followed by a hold that is not its offer`);
        }
        const plan = plans.get(event.scheduleId);
        const seatOwners = owners.get(event.scheduleId);
        if (plan === undefined || seatOwners === undefined) {
          fail(`unknown schedule ${event.scheduleId}`);
          break;
        }
        const seats = event.seatNumbers as number[];
        if (new Set(seats).size !== seats.length) fail(`duplicate seats ${seats.join(',')}`);
        for (const seat of seats) {
          if (!Number.isInteger(seat) || seat < 1 || seat > plan.seatCount) fail(`seat ${seat} outside 1..${plan.seatCount}`);
          if (plan.blocked?.(seat) === true) fail(`seat ${seat} of ${event.scheduleId} is blocked by its layout, yet held by ${event.reservationId}`);
          const owner = seatOwners.get(seat);
          if (owner !== undefined) fail(`seat ${seat} of ${event.scheduleId} held by ${event.reservationId} while ${owner} (${reservations.get(owner)?.status}) has it`);
          seatOwners.set(seat, event.reservationId);
        }
        const ttlMs = event.offer === true ? options.offerTtlMs : options.holdTtlMs;
        if (ttlMs !== undefined && event.holdExpiresAtMs - event.atMs !== ttlMs) fail(`hold lasts ${event.holdExpiresAtMs - event.atMs} ms, not ${ttlMs}`);
        if (reservations.has(event.reservationId)) fail(`reservation ${event.reservationId} held twice`);
        reservations.set(event.reservationId, {
          scheduleId: event.scheduleId, userId: event.userId, seats, heldAtMs: event.atMs, holdExpiresAtMs: event.holdExpiresAtMs, status: 'HELD', paymentId: null, refundedSeats: [],
          heldSeq: row.seq, confirmedSeq: Number.POSITIVE_INFINITY, endedSeq: Number.POSITIVE_INFINITY, endedAtMs: Number.NaN,
        });
        break;
      }
      case 'reservation.confirmed':
      case 'reservation.cancelled':
      case 'reservation.expired': {
        const reservation = reservations.get(event.reservationId);
        if (reservation === undefined) {
          fail(`unknown reservation ${event.reservationId}`);
          break;
        }
        if (reservation.status !== 'HELD') {
          fail(`reservation ${event.reservationId} is ${reservation.status}, not HELD`);
          break;
        }
        if (row.type === 'reservation.confirmed') {
          if (event.atMs >= reservation.holdExpiresAtMs) fail(`paid at ${event.atMs}, at or after the hold's deadline ${reservation.holdExpiresAtMs}`);
          const plan = plans.get(reservation.scheduleId);
          const price = plan === undefined ? Number.NaN : reservation.seats.reduce((sum, seat) => sum + plan.priceOf(seat), 0);
          if (event.payment.amount !== price) fail(`paid ${event.payment.amount} for seats worth ${price}`);
          reservation.status = 'CONFIRMED';
          reservation.paymentId = event.payment.paymentId;
          reservation.confirmedSeq = row.seq;
          confirmedPayments.set(event.payment.paymentId, { reservationId: event.reservationId, amount: event.payment.amount });
        } else {
          if (row.type === 'reservation.expired' && event.atMs < reservation.holdExpiresAtMs) {
            fail(`expired at ${event.atMs}, ${reservation.holdExpiresAtMs - event.atMs} ms before its deadline`);
          }
          reservation.status = row.type === 'reservation.expired' ? 'EXPIRED' : 'CANCELLED';
          reservation.endedSeq = row.seq;
          reservation.endedAtMs = event.atMs;
          const seatOwners = owners.get(reservation.scheduleId);
          for (const seat of reservation.seats) {
            if (seatOwners !== undefined && seatOwners.get(seat) === event.reservationId) seatOwners.delete(seat);
            else fail(`seat ${seat} released by ${event.reservationId} which did not own it`);
          }
        }
        break;
      }
      case 'reservation.refunded': {
        const reservation = reservations.get(event.reservationId);
        if (reservation === undefined || reservation.status !== 'CONFIRMED') {
          fail(`refunds ${event.reservationId}, which is ${reservation?.status ?? 'unknown'}, not CONFIRMED`);
          break;
        }
        const seats = event.refund.seatNumbers as number[];
        const plan = plans.get(reservation.scheduleId);
        const seatOwners = owners.get(reservation.scheduleId);
        for (const seat of seats) {
          if (!reservation.seats.includes(seat) || reservation.refundedSeats.includes(seat)) fail(`refunds seat ${seat}, not a booked seat of ${event.reservationId}`);
          if (seatOwners !== undefined && seatOwners.get(seat) === event.reservationId) seatOwners.delete(seat);
          else fail(`seat ${seat} refunded by ${event.reservationId} which did not own it`);
          reservation.refundedSeats.push(seat);
        }
        const price = plan === undefined ? Number.NaN : seats.reduce((sum, seat) => sum + plan.priceOf(seat), 0);
        if (event.refund.amount !== price) fail(`refunds ${event.refund.amount} for seats worth ${price}`);
        if (this.scheduleRefunds.has(event.refund.refundId)) fail(`refund ${event.refund.refundId} twice`);
        this.scheduleRefunds.set(event.refund.refundId, { reservationId: event.reservationId, amount: event.refund.amount });
        if (reservation.refundedSeats.length === reservation.seats.length) reservation.status = 'REFUNDED';
        break;
      }
      case 'wallet.refunded':
      case 'wallet.charged':
      case 'wallet.debited': {
        const before = wallets.get(event.userId) ?? 0;
        const after = row.type === 'wallet.debited' ? before - event.amount : before + event.amount;
        if (row.type === 'wallet.refunded') {
          if (this.walletRefunds.has(event.refundId)) fail(`refund ${event.refundId} credited twice`);
          this.walletRefunds.set(event.refundId, { reservationId: event.reservationId, amount: event.amount });
        }
        if (!(event.amount > 0) || !Number.isSafeInteger(event.amount)) fail(`amount ${event.amount}`);
        if (after !== event.balanceAfter) fail(`${event.userId}: ${before} ${row.type === 'wallet.debited' ? '-' : '+'} ${event.amount} is ${after}, the event says ${event.balanceAfter}`);
        if (after < 0) fail(`${event.userId} goes negative (${after})`);
        wallets.set(event.userId, event.balanceAfter);
        if (row.type === 'wallet.debited') {
          const earlier = debitedReservations.get(event.reservationId);
          if (earlier !== undefined) fail(`reservation ${event.reservationId} debited twice (${earlier}, ${event.paymentId})`);
          debitedReservations.set(event.reservationId, event.paymentId);
          debits.set(event.paymentId, { reservationId: event.reservationId, amount: event.amount });
        }
        break;
      }
      case 'queue.joined': {
        if (event.seq <= this.lastJoinSeq) fail(`seq ${event.seq} not above the last join's ${this.lastJoinSeq}`);
        this.lastJoinSeq = Math.max(this.lastJoinSeq, event.seq);
        waiting.set(event.token, event.seq);
        break;
      }
      case 'queue.admitted': {
        const seq = waiting.get(event.token);
        if (seq === undefined) {
          fail('admits a token that is not waiting');
          break;
        }
        let head = Number.POSITIVE_INFINITY;
        for (const other of waiting.values()) head = Math.min(head, other);
        if (seq !== head) fail(`admits seq ${seq} while seq ${head} waits ahead of it (not first come, first served)`);
        waiting.delete(event.token);
        active.add(event.token);
        if (active.size > options.queueMaxActive) fail(`${active.size} tokens ACTIVE, the limit is ${options.queueMaxActive}`);
        break;
      }
      case 'queue.ended': {
        if (!waiting.delete(event.token) && !active.delete(event.token)) fail('ends a token that is not live');
        break;
      }
      case 'waitlist.joined': {
        const list = this.waitlists.get(event.scheduleId) ?? [];
        this.waitlists.set(event.scheduleId, list);
        if (list.some((entry) => entry.userId === event.userId)) fail(`${event.userId} joins the waitlist of ${event.scheduleId} twice`);
        else list.push({ userId: event.userId, quantity: event.quantity });
        break;
      }
      case 'waitlist.left': {
        const list = this.waitlists.get(event.scheduleId) ?? [];
        const index = list.findIndex((entry) => entry.userId === event.userId);
        if (index < 0) fail(`${event.userId} leaves the waitlist of ${event.scheduleId} without being on it`);
        else list.splice(index, 1);
        break;
      }
      case 'waitlist.offered': {
        this.offers++;
        const list = this.waitlists.get(event.scheduleId) ?? [];
        const index = list.findIndex((entry) => entry.userId === event.userId);
        const entry = list[index];
        const plan = plans.get(event.scheduleId);
        if (index < 0 || entry === undefined || plan === undefined) {
          fail(`offers to ${event.userId}, who is not on the waitlist of ${event.scheduleId}`);
          break;
        }
        const free = plan.seatCount - (owners.get(event.scheduleId)?.size ?? 0);
        if (entry.quantity > free) fail(`offers ${entry.quantity} seats to ${event.userId} with ${free} free`);
        for (const ahead of list.slice(0, index)) {
          if (ahead.quantity <= free && !this.holdsAny(ahead.userId)) fail(`offers to ${event.userId} past ${ahead.userId}, first on the list, whose ${ahead.quantity} seats fitted in ${free} free`);
        }
        list.splice(index, 1);
        this.pendingOffer = { userId: event.userId, reservationId: event.reservationId, scheduleId: event.scheduleId, quantity: entry.quantity };
        break;
      }
      case 'schedule.cancelled':
        this.waitlists.delete(event.scheduleId);
        break;
      case 'ticket.checked_in': {
        const reservation = reservations.get(event.reservationId);
        if (reservation === undefined) fail(`checks in a ticket of unknown reservation ${event.reservationId}`);
        else if (reservation.status !== 'CONFIRMED') fail(`checks in a ticket of ${event.reservationId}, which is ${reservation.status}`);
        else if (!reservation.seats.includes(event.seatNumber) || reservation.refundedSeats.includes(event.seatNumber)) fail(`checks in seat ${event.seatNumber}, not one of ${event.reservationId} (or refunded)`);
        if (this.checkedIn.has(event.ticketId)) fail(`ticket ${event.ticketId} admitted twice (first at #${this.checkedIn.get(event.ticketId)})`);
        else this.checkedIn.set(event.ticketId, row.seq);
        break;
      }
      default:
        break;
    }
  }

  private holdsAny(userId: string): boolean {
    for (const reservation of this.reservations.values()) if (reservation.userId === userId && reservation.status === 'HELD') return true;
    return false;
  }

  /**
   * Reads what is new, then holds the replay against the database as it is: balances, live queue tokens, and
   * what the engine keeps in place of the trimmed rows. Call it on a file nothing writes (the server killed).
   */
  check(db: Database.Database): JournalAuditReport {
    this.read(db);
    const violations = [...this.replayViolations];
    const { reservations, wallets, confirmedPayments, debits, waiting, active } = this;
    const counts = db.prepare('SELECT COUNT(*) AS n, COALESCE(MIN(seq), 0) AS lo, COALESCE(MAX(seq), 0) AS hi FROM journal').get() as { n: number; lo: number; hi: number };
    if (counts.n > 0 && counts.hi - counts.lo + 1 !== counts.n) violations.push(`journal: ${counts.n} rows but seq runs ${counts.lo}..${counts.hi} (a gap or a duplicate)`);
    if (counts.hi < this.lastSeq) violations.push(`journal: rows up to ${this.lastSeq} were read, the file now ends at ${counts.hi}`);
    const checkpointSeq = Number(db.prepare('SELECT value FROM meta WHERE key = \'checkpoint_seq\'').pluck().get() ?? 0);
    if (counts.n > 0 && counts.lo > checkpointSeq + 1) violations.push(`journal: trimmed up to ${counts.lo - 1}, past the checkpoint ${checkpointSeq} (recovery needs every row after it)`);

    for (const [paymentId, confirmed] of confirmedPayments) {
      const debit = debits.get(paymentId);
      if (debit === undefined) violations.push(`journal: payment ${paymentId} confirmed reservation ${confirmed.reservationId} without a debit`);
      else if (debit.reservationId !== confirmed.reservationId || debit.amount !== confirmed.amount) violations.push(`journal: payment ${paymentId} debit and confirmation disagree`);
    }
    for (const [paymentId, debit] of debits) {
      if (!confirmedPayments.has(paymentId)) violations.push(`journal: debit ${paymentId} for ${debit.reservationId} confirmed nothing (money taken, no seat)`);
    }
    for (const [refundId, refund] of this.scheduleRefunds) {
      const credit = this.walletRefunds.get(refundId);
      if (credit === undefined) violations.push(`journal: refund ${refundId} released seats of ${refund.reservationId} without a credit`);
      else if (credit.reservationId !== refund.reservationId || credit.amount !== refund.amount) violations.push(`journal: refund ${refundId} credit and release disagree`);
    }
    for (const [refundId, credit] of this.walletRefunds) {
      if (!this.scheduleRefunds.has(refundId)) violations.push(`journal: credit ${refundId} for ${credit.reservationId} released no seat (money given, seats kept)`);
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
    violations.push(...this.checkSnapshots(db), ...this.checkArchive(db, checkpointSeq), ...this.checkCheckins(db));
    const transfers = db.prepare('SELECT COUNT(*) FROM transfers').pluck().get() as number;
    return { violations, journalRows: this.rowsRead, transfers, reservationStatus: new Map([...reservations].map(([id, r]) => [id, r.status])) };
  }

  /** The checkins table holds exactly the tickets the journal admitted: none lost, none invented. */
  private checkCheckins(db: Database.Database): string[] {
    const violations: string[] = [];
    const rows = db.prepare('SELECT reservation_id || \'.\' || seat_number FROM checkins').pluck().all() as string[];
    const table = new Set(rows);
    for (const ticketId of table) if (!this.checkedIn.has(ticketId)) violations.push(`checkins: ${ticketId} is in the table, the journal never admitted it`);
    for (const ticketId of this.checkedIn.keys()) if (!table.has(ticketId)) violations.push(`checkins: ${ticketId} was admitted (journal), the table lost it`);
    return violations;
  }

  /** Each schedule's snapshot holds exactly the reservations the replay has HELD or CONFIRMED at the snapshot's seq. */
  private checkSnapshots(db: Database.Database): string[] {
    const violations: string[] = [];
    const bySchedule = new Map<string, Array<[string, ReservationReplay]>>();
    for (const entry of this.reservations) {
      const list = bySchedule.get(entry[1].scheduleId);
      if (list === undefined) bySchedule.set(entry[1].scheduleId, [entry]);
      else list.push(entry);
    }
    const snapshots = db.prepare('SELECT stream, seq, data FROM snapshots WHERE stream LIKE \'schedule:%\'').all() as Array<{ stream: string; seq: number; data: string }>;
    for (const snapshot of snapshots) {
      const image = JSON.parse(snapshot.data) as { scheduleId: string; reservations: Array<{ id: string; user: string; seats: number[]; expiresAt: number; payment: { paymentId: string } | null }> };
      const expected = new Map<string, string>();
      for (const [id, r] of bySchedule.get(image.scheduleId) ?? []) {
        if (r.heldSeq > snapshot.seq || r.endedSeq <= snapshot.seq) continue;
        expected.set(id, `${r.userId} ${r.seats.join(',')} until ${r.holdExpiresAtMs} ${r.confirmedSeq <= snapshot.seq ? `paid ${r.paymentId}` : 'held'}`);
      }
      const found = new Map(image.reservations.map((r) => [r.id, `${r.user} ${r.seats.join(',')} until ${r.expiresAt} ${r.payment === null ? 'held' : `paid ${r.payment.paymentId}`}`]));
      for (const [id, replayed] of expected) {
        const kept = found.get(id);
        if (kept !== replayed) violations.push(`snapshot ${snapshot.stream}@${snapshot.seq}: reservation ${id} is ${kept ?? 'missing'}, the journal says ${replayed}`);
      }
      for (const id of found.keys()) if (!expected.has(id)) violations.push(`snapshot ${snapshot.stream}@${snapshot.seq}: reservation ${id} is live there, not in the journal`);
    }
    return violations.slice(0, 50);
  }

  /** The archive has every reservation the journal ended unsold up to the checkpoint, as it ended it, and nothing else. */
  private checkArchive(db: Database.Database, checkpointSeq: number): string[] {
    const violations: string[] = [];
    const rows = db.prepare('SELECT reservation_id, user_id, schedule_id, status, seat_numbers, held_at_ms, hold_expires_at_ms, ended_at_ms FROM ended_reservations').all() as Array<{
      reservation_id: string; user_id: string; schedule_id: string; status: string; seat_numbers: string; held_at_ms: number; hold_expires_at_ms: number; ended_at_ms: number;
    }>;
    const archived = new Set<string>();
    for (const row of rows) {
      archived.add(row.reservation_id);
      const r = this.reservations.get(row.reservation_id);
      const kept = `${row.status} ${row.user_id} ${row.schedule_id} ${row.seat_numbers} ${row.held_at_ms}-${row.hold_expires_at_ms} ended ${row.ended_at_ms}`;
      const replayed = r === undefined ? 'unknown' : `${r.status} ${r.userId} ${r.scheduleId} ${r.seats.join(',')} ${r.heldAtMs}-${r.holdExpiresAtMs} ended ${r.endedAtMs}`;
      if (kept !== replayed) violations.push(`archive: ${row.reservation_id} is ${kept}, the journal says ${replayed}`);
    }
    for (const [id, r] of this.reservations) {
      if (r.endedSeq <= checkpointSeq && !archived.has(id)) violations.push(`archive: ${id} ended at #${r.endedSeq} (${r.status}), before the checkpoint ${checkpointSeq}, but is not archived`);
    }
    return violations.slice(0, 50);
  }
}
