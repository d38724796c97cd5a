/**
 * The checkins table: one row per ticket scanned at the door, written only inside the group commit's
 * transaction (same connection as the Store), read back whole at recovery.
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';

export interface CheckinRow { reservationId: string; seatNumber: number; scheduleId: string; checkedInAtMs: number }

export class CheckinStore {
  private readonly insertStmt: Statement;

  constructor(private readonly db: SqliteDatabase) {
    this.insertStmt = db.prepare('INSERT INTO checkins (reservation_id, seat_number, schedule_id, checked_in_at_ms) VALUES (?, ?, ?, ?)');
  }

  /** A second row for the same ticket fails the primary key, and with it the transaction: it never happens. */
  insert(row: CheckinRow): void {
    this.insertStmt.run(row.reservationId, row.seatNumber, row.scheduleId, row.checkedInAtMs);
  }

  *all(): IterableIterator<CheckinRow> {
    const rows = this.db.prepare('SELECT reservation_id, seat_number, schedule_id, checked_in_at_ms FROM checkins').raw().iterate() as IterableIterator<[string, number, string, number]>;
    for (const [reservationId, seatNumber, scheduleId, checkedInAtMs] of rows) yield { reservationId, seatNumber, scheduleId, checkedInAtMs };
  }
}
