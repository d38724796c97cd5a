/**
 * The auditors must be able to fail: fed a journal, ledger or record with a planted fault, each names it.
 * (The crash loop, races and storage-fault suites trust these checks.)
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/persistence/migrations.js';
import { AuditModel } from './support/audit-model.js';
import { auditJournal, auditLedger, JournalAuditor } from './support/journal-audit.js';
import type { RecordLine } from './support/record.js';
import { RELIABILITY_ARENA } from './support/catalogue.js';

const TTL = 1_000;

function database(): Database.Database {
  const db = new Database(':memory:');
  for (const sql of MIGRATIONS) db.exec(sql);
  return db;
}

function journal(db: Database.Database, events: Array<Record<string, unknown> & { type: string }>): void {
  const insert = db.prepare('INSERT INTO journal (seq, at_ms, stream, type, data) VALUES (?, ?, ?, ?, ?)');
  events.forEach((event, i) => insert.run(i + 1, (event['atMs'] as number | undefined) ?? 0, 'x', event.type, JSON.stringify(event)));
}

const created = { type: 'schedule.created', atMs: 0, scheduleId: 's', concertId: 'c', startsAtMs: 9e12, bookingOpensAtMs: 0, seatCount: 10, grades: [{ grade: 'R', from: 1, to: 10, price: 100 }] };
const held = (reservationId: string, seatNumbers: number[], atMs = 0): Record<string, unknown> & { type: string } =>
  ({ type: 'reservation.held', scheduleId: 's', reservationId, userId: `u-${reservationId}`, seatNumbers, atMs, holdExpiresAtMs: atMs + TTL });

describe('auditors find planted faults', () => {
  const audit = (db: Database.Database): string[] => auditJournal(db, { queueMaxActive: 2, holdTtlMs: TTL }).violations;

  it('a clean journal passes', () => {
    const db = database();
    journal(db, [created, held('r1', [1, 2]), { type: 'reservation.expired', scheduleId: 's', reservationId: 'r1', atMs: TTL }, held('r2', [2], TTL)]);
    expect(audit(db)).toEqual([]);
  });

  it('a seat held by two reservations', () => {
    const db = database();
    journal(db, [created, held('r1', [1, 2]), held('r2', [2, 3])]);
    expect(audit(db).join()).toMatch(/seat 2 .* held by r2 while r1/);
  });

  it('a hold expired before its deadline, a payment after it', () => {
    const db = database();
    journal(db, [created, held('r1', [1]), { type: 'reservation.expired', scheduleId: 's', reservationId: 'r1', atMs: TTL - 1 },
      held('r2', [2]), { type: 'reservation.confirmed', scheduleId: 's', reservationId: 'r2', atMs: TTL, payment: { paymentId: 'p', amount: 100 } }]);
    expect(audit(db).join()).toMatch(/1 ms before its deadline/);
    expect(audit(db).join()).toMatch(/at or after the hold's deadline/);
  });

  it('a reservation debited twice, a debit that confirmed nothing, a negative balance', () => {
    const db = database();
    journal(db, [
      { type: 'wallet.charged', userId: 'u', chargeId: 'c1', amount: 100, atMs: 0, balanceAfter: 100 },
      { type: 'wallet.debited', userId: 'u', paymentId: 'p1', reservationId: 'r', amount: 100, atMs: 0, balanceAfter: 0 },
      { type: 'wallet.debited', userId: 'u', paymentId: 'p2', reservationId: 'r', amount: 100, atMs: 0, balanceAfter: -100 },
    ]);
    const found = audit(db).join('\n');
    expect(found).toMatch(/debited twice/);
    expect(found).toMatch(/goes negative/);
    expect(found).toMatch(/confirmed nothing/);
  });

  it('a refund of a seat twice or of a seat not booked, a release without a credit, a credit without a release', () => {
    const db = database();
    const refunded = (refundId: string, seatNumbers: number[], amount: number): Record<string, unknown> & { type: string } =>
      ({ type: 'reservation.refunded', scheduleId: 's', reservationId: 'r1', atMs: 1, refund: { refundId, seatNumbers, amount, refundedAtMs: 1, reason: 'USER' } });
    journal(db, [
      created, held('r1', [1, 2]),
      { type: 'wallet.charged', userId: 'u-r1', chargeId: 'c1', amount: 200, atMs: 0, balanceAfter: 200 },
      { type: 'wallet.debited', userId: 'u-r1', paymentId: 'p1', reservationId: 'r1', amount: 200, atMs: 0, balanceAfter: 0 },
      { type: 'reservation.confirmed', scheduleId: 's', reservationId: 'r1', atMs: 0, payment: { paymentId: 'p1', amount: 200 } },
      refunded('f1', [1], 100),
      { type: 'wallet.refunded', userId: 'u-r1', refundId: 'f1', reservationId: 'r1', amount: 100, atMs: 1, balanceAfter: 100 },
      refunded('f2', [1, 3], 200),
      { type: 'wallet.refunded', userId: 'u-r1', refundId: 'f9', reservationId: 'r1', amount: 100, atMs: 1, balanceAfter: 200 },
    ]);
    const found = audit(db).join('\n');
    expect(found).toMatch(/refunds seat 1, not a booked seat of r1/);
    expect(found).toMatch(/refunds seat 3, not a booked seat of r1/);
    expect(found).toMatch(/refund f2 released seats of r1 without a credit/);
    expect(found).toMatch(/credit f9 for r1 released no seat/);
  });

  it('admission out of first-come order, and past the active limit', () => {
    const db = database();
    journal(db, [
      { type: 'queue.joined', token: 'a', userId: 'a', seq: 1, atMs: 0 },
      { type: 'queue.joined', token: 'b', userId: 'b', seq: 2, atMs: 0 },
      { type: 'queue.joined', token: 'c', userId: 'c', seq: 3, atMs: 0 },
      { type: 'queue.admitted', token: 'b', atMs: 1, activeUntilMs: 9 },
      { type: 'queue.admitted', token: 'a', atMs: 1, activeUntilMs: 9 },
      { type: 'queue.admitted', token: 'c', atMs: 1, activeUntilMs: 9 },
    ]);
    const found = audit(db).join('\n');
    expect(found).toMatch(/admits seq 2 while seq 1 waits/);
    expect(found).toMatch(/3 tokens ACTIVE, the limit is 2/);
  });

  it('a waitlist offer past a fan whose seats fitted, one to a fan not on the list, an offer hold of the wrong length', () => {
    const db = database();
    const small = { ...created, scheduleId: 's', seatCount: 2, grades: [{ grade: 'R', from: 1, to: 2, price: 100 }] };
    const joined = (userId: string, quantity: number): Record<string, unknown> & { type: string } => ({ type: 'waitlist.joined', scheduleId: 's', userId, quantity, atMs: 0 });
    const offered = (userId: string, reservationId: string, seatNumbers: number[], ttl = 5 * TTL): Array<Record<string, unknown> & { type: string }> => [
      { type: 'waitlist.offered', scheduleId: 's', userId, reservationId, atMs: TTL },
      { type: 'reservation.held', scheduleId: 's', reservationId, userId, seatNumbers, atMs: TTL, holdExpiresAtMs: TTL + ttl, offer: true },
    ];
    journal(db, [
      small, held('r1', [1, 2]), joined('first', 1), joined('second', 1),
      { type: 'reservation.expired', scheduleId: 's', reservationId: 'r1', atMs: TTL },
      ...offered('second', 'o1', [1]), ...offered('stranger', 'o2', [2]),
    ]);
    const found = auditJournal(db, { queueMaxActive: 2, holdTtlMs: TTL, offerTtlMs: 5 * TTL }).violations.join('\n');
    expect(found).toMatch(/offers to second past first, first on the list, whose 1 seats fitted in 2 free/);
    expect(found).toMatch(/offers to stranger, who is not on the waitlist/);

    const fair = database();
    journal(fair, [small, held('r1', [1, 2]), joined('first', 2), { type: 'reservation.expired', scheduleId: 's', reservationId: 'r1', atMs: TTL }, ...offered('first', 'o1', [1, 2], TTL)]);
    expect(auditJournal(fair, { queueMaxActive: 2, holdTtlMs: TTL, offerTtlMs: 5 * TTL }).violations.join()).toMatch(/hold lasts 1000 ms, not 5000/);
  });

  it('a ledger that does not add up', () => {
    const db = database();
    db.exec(`UPDATE accounts SET balance = -100 WHERE account_id = 'house:funding'; INSERT INTO accounts VALUES ('u', 'USER', 150);
      INSERT INTO transfers VALUES ('c1', 'CHARGE', 'house:funding', 'u', 100, 0, 'c1');
      INSERT INTO ledger_entries (transfer_id, account_id, kind, amount, balance_after, at_ms, reference) VALUES ('c1', 'house:funding', 'CHARGE', -100, -100, 0, 'c1'), ('c1', 'u', 'CHARGE', 100, 100, 0, 'c1');`);
    const found = auditLedger(db).join('\n');
    expect(found).toMatch(/sum to 50, not 0/);
    expect(found).toMatch(/u balance 150 but its entries sum to 100/);
  });

  it('one key answered twice differently in the record', () => {
    const model = new AuditModel();
    const ack = (chargeId: string): RecordLine => ({ kind: 'ack', id: chargeId, at: 1, user: 'u', op: 'charge', status: 200, body: { chargeId, chargedAmount: 5 }, replayed: false, key: 'k', reqBody: { amount: 5 } });
    model.add([ack('c1'), ack('c2')]);
    expect(model.recordViolations.join()).toMatch(/key k of u answered twice differently/);
  });

  it('a ticket admitted twice, one of a reservation not paid, a check-in the table lost or invented', () => {
    const db = database();
    const paid = { type: 'reservation.confirmed', scheduleId: 's', reservationId: 'r1', atMs: 1, payment: { paymentId: 'p', amount: 200 } };
    const checkin = (reservationId: string, seatNumber: number): Record<string, unknown> & { type: string } =>
      ({ type: 'ticket.checked_in', atMs: 2, ticketId: `${reservationId}.${seatNumber}`, reservationId, scheduleId: 's', seatNumber, checkedInAtMs: 2 });
    journal(db, [created, held('r1', [1, 2]), paid, held('r2', [3]), checkin('r1', 1), checkin('r1', 1), checkin('r2', 3), checkin('r1', 5), checkin('r1', 2)]);
    db.prepare("INSERT INTO checkins (reservation_id, seat_number, schedule_id, checked_in_at_ms) VALUES ('r1', 1, 's', 2), ('r9', 9, 's', 2)").run();

    const found = audit(db).join('\n');

    expect(found).toMatch(/ticket r1\.1 admitted twice/);
    expect(found).toMatch(/checks in a ticket of r2, which is HELD/);
    expect(found).toMatch(/checks in seat 5, not one of r1/);
    expect(found).toMatch(/checkins: r9\.9 is in the table, the journal never admitted it/);
    expect(found).toMatch(/checkins: r1\.2 was admitted \(journal\), the table lost it/);
    const model = new AuditModel();
    const ack = (checkedInAt: string): RecordLine => ({ kind: 'ack', id: checkedInAt, at: 1, user: 'u', op: 'checkin', status: 200, body: { ticketId: 'r1.1', reservationId: 'r1', checkedInAt }, replayed: false });
    model.add([ack('t1'), ack('t2')]);
    expect(model.recordViolations.join()).toMatch(/ticket r1\.1 admitted twice: at t1 and at t2/);
  });

  it('a venue schedule: a blocked seat held, a layout the file lacks; a best-available hold not side by side, a standing hold of other places', () => {
    const db = database();
    db.prepare('INSERT INTO venue_layouts (layout_id, layout, summary, created_at_ms) VALUES (?, ?, ?, 0)').run('lay_1', JSON.stringify(RELIABILITY_ARENA), '{}');
    const venueCreated = { ...created, scheduleId: 'v', seatCount: 73, grades: [], layoutId: 'lay_1' };
    journal(db, [venueCreated, { ...held('r1', [12]), scheduleId: 'v' }, { ...created, scheduleId: 'w', layoutId: 'lay_gone' }]);
    const found = audit(db).join('\n');
    expect(found).toMatch(/seat 12 of v is blocked by its layout, yet held by r1/);
    expect(found).toMatch(/schedule of layout lay_gone, which the file does not have/);

    const model = new AuditModel();
    const hold = (id: string, reqBody: unknown, labels: string[]): RecordLine => ({
      kind: 'ack', id, at: 1, user: 'u', op: 'hold', status: 201, replayed: false, reqBody,
      body: { reservationId: id, scheduleId: 'v', seats: labels.map((label, i) => ({ seatNumber: i + 1, label })), holdExpiresAt: '', totalPrice: 0 },
    });
    model.add([
      hold('ok', { scheduleId: 'v', bestAvailable: { quantity: 2 } }, ['A-1-3', 'A-1-4']),
      hold('apart', { scheduleId: 'v', bestAvailable: { quantity: 2 } }, ['A-1-3', 'A-1-5']),
      hold('rows', { scheduleId: 'v', bestAvailable: { quantity: 2 } }, ['A-1-3', 'A-2-4']),
      hold('short', { scheduleId: 'v', generalAdmission: { areaId: 'FLOOR', quantity: 2 } }, ['FLOOR']),
    ]);
    const record = model.recordViolations.join('\n');
    expect(record).not.toMatch(/hold ok/);
    expect(record).toMatch(/best-available hold apart of 2 got A-1-3, A-1-5/);
    expect(record).toMatch(/best-available hold rows of 2 got A-1-3, A-2-4/);
    expect(record).toMatch(/standing hold short of 2 got FLOOR/);
  });

  describe('a journal trimmed behind its checkpoints', () => {
    const options = { queueMaxActive: 2, holdTtlMs: TTL };
    const rows = [created, held('r1', [1, 2]), { type: 'reservation.cancelled', scheduleId: 's', reservationId: 'r1', atMs: 5 }, held('r2', [2], 6)];
    const snapshot = (reservations: unknown[]): string => JSON.stringify({ scheduleId: 's', reservations });
    /** Given the rows read as they were written, then a checkpoint at seq 3 that snapshotted, archived and trimmed. */
    function checkpointed(archived = true): { db: Database.Database; auditor: JournalAuditor } {
      const db = database();
      journal(db, rows);
      const auditor = new JournalAuditor(options);
      auditor.read(db);
      db.prepare('INSERT INTO snapshots (stream, seq, data) VALUES (?, ?, ?)').run('schedule:s', 3, snapshot([]));
      if (archived) db.exec("INSERT INTO ended_reservations (reservation_id, user_id, schedule_id, status, seat_numbers, total_price, held_at_ms, hold_expires_at_ms, ended_at_ms) VALUES ('r1', 'u-r1', 's', 'CANCELLED', '1,2', 200, 0, 1000, 5)");
      db.exec("INSERT INTO meta VALUES ('checkpoint_seq', '3'); DELETE FROM journal WHERE seq <= 2");
      return { db, auditor };
    }

    it('passes when every row was read before it went and the kept state agrees', () => {
      const { db, auditor } = checkpointed();
      expect(auditor.check(db).violations).toEqual([]);
    });

    it('names rows trimmed before the audit read them', () => {
      const { db } = checkpointed();
      expect(auditJournal(db, options).violations.join()).toMatch(/rows 1\.\.2 are missing/);
    });

    it('names rows trimmed past the checkpoint', () => {
      const { db, auditor } = checkpointed();
      db.exec("UPDATE meta SET value = '1' WHERE key = 'checkpoint_seq'");
      expect(auditor.check(db).violations.join()).toMatch(/trimmed up to 2, past the checkpoint 1/);
    });

    it('names a snapshot or an archive that disagrees with the journal', () => {
      const { db, auditor } = checkpointed(false);
      db.prepare('UPDATE snapshots SET data = ?').run(snapshot([{ id: 'r9', user: 'u', seats: [3], heldAt: 0, expiresAt: TTL, payment: null }]));
      const found = auditor.check(db).violations.join('\n');
      expect(found).toMatch(/reservation r9 is live there, not in the journal/);
      expect(found).toMatch(/r1 ended at #3 \(CANCELLED\), before the checkpoint 3, but is not archived/);
    });
  });
});
