/**
 * The per-sale waiting rooms' tables (schema v11): each room, its tokens row by row and its admission log.
 * A token's row is its entrant record too: one that ends after the opening stays, ENDED, in the entrant list
 * or the late arrivals; one that leaves before the opening is deleted (it never was an entrant). Written only
 * inside the group commit's transaction, in the change of the event they image; read back whole at a start
 * (src/rooms/room-book.ts restores each room from them).
 */
import type { Statement } from 'better-sqlite3';
import type { SqliteDatabase } from './database.js';
import type { QueueTokenImage } from './store.js';

export interface RoomRow {
  roomId: string;
  name: string;
  scheduleIds: string[];
  opensAtMs: number;
  ratePerMinute: number | null;
  maxActive: number;
  seed: string;
  commitment: string;
  openedAtMs: number | null;
  entrantsDigest: string | null;
  createdAtMs: number;
}

/** A token as kept: live (WAITING, ACTIVE) or ENDED after the opening; `arrival` is its seq at its join. */
export interface RoomTokenRow extends Omit<QueueTokenImage, 'status'> { status: QueueTokenImage['status'] | 'ENDED'; arrival: number; late: boolean }
export interface AdmissionRow { seq: number; entrantId: string; admittedAtMs: number; hash: string }

export class RoomStore {
  private readonly insertRoomStmt: Statement;
  private readonly updateStmt: Statement;
  private readonly openStmt: Statement;
  private readonly insertTokenStmt: Statement;
  private readonly admitTokenStmt: Statement;
  private readonly deleteTokenStmt: Statement;
  private readonly resequenceStmt: Statement;
  private readonly endTokenStmt: Statement;
  private readonly insertAdmissionStmt: Statement;
  private readonly roomsStmt: Statement;
  private readonly tokensStmt: Statement;
  private readonly admissionsStmt: Statement;

  constructor(db: SqliteDatabase) {
    this.insertRoomStmt = db.prepare(`INSERT INTO rooms (room_id, name, schedule_ids, opens_at_ms, rate_per_minute, max_active, seed, commitment, created_at_ms, position)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, (SELECT COUNT(*) FROM rooms))`);
    this.updateStmt = db.prepare('UPDATE rooms SET rate_per_minute = ?, max_active = ?, opens_at_ms = ? WHERE room_id = ?');
    this.openStmt = db.prepare('UPDATE rooms SET opened_at_ms = ?, entrants_digest = ? WHERE room_id = ?');
    this.insertTokenStmt = db.prepare('INSERT INTO room_tokens (token, room_id, user_id, seq, arrival, late, status, issued_at_ms, active_until_ms) VALUES (?, ?, ?, ?, ?, ?, \'WAITING\', ?, 0)');
    this.endTokenStmt = db.prepare('UPDATE room_tokens SET status = \'ENDED\' WHERE token = ?');
    this.admitTokenStmt = db.prepare('UPDATE room_tokens SET status = \'ACTIVE\', active_until_ms = ? WHERE token = ?');
    this.deleteTokenStmt = db.prepare('DELETE FROM room_tokens WHERE token = ?');
    this.resequenceStmt = db.prepare('UPDATE room_tokens SET seq = ? WHERE token = ?');
    this.insertAdmissionStmt = db.prepare('INSERT INTO room_admissions (room_id, seq, entrant_id, admitted_at_ms, hash) VALUES (?, ?, ?, ?, ?)');
    this.roomsStmt = db.prepare(`SELECT room_id, name, schedule_ids, opens_at_ms, rate_per_minute, max_active, seed, commitment, opened_at_ms, entrants_digest, created_at_ms
      FROM rooms ORDER BY position`).raw();
    this.tokensStmt = db.prepare('SELECT room_id, token, user_id, seq, arrival, late, status, issued_at_ms, active_until_ms FROM room_tokens').raw();
    this.admissionsStmt = db.prepare('SELECT seq, entrant_id, admitted_at_ms, hash FROM room_admissions WHERE room_id = ? ORDER BY seq').raw();
  }

  // --- writes (inside the group commit transaction) ---

  insertRoom(room: RoomRow): void {
    this.insertRoomStmt.run(room.roomId, room.name, JSON.stringify(room.scheduleIds), room.opensAtMs, room.ratePerMinute, room.maxActive, room.seed, room.commitment, room.createdAtMs);
  }

  /** The organiser's changes: rate, cap, and (before the opening only: the engine checks) the opening time. */
  update(roomId: string, ratePerMinute: number | null, maxActive: number, opensAtMs: number): void {
    this.updateStmt.run(ratePerMinute, maxActive, opensAtMs, roomId);
  }

  /** The opening: its time, the digest of the closed entrant list, and every entrant's drawn place as its token's seq. */
  open(roomId: string, openedAtMs: number, entrantsDigest: string, tokensInOrder: readonly string[]): void {
    this.openStmt.run(openedAtMs, entrantsDigest, roomId);
    tokensInOrder.forEach((token, index) => this.resequenceStmt.run(index + 1, token));
  }

  insertToken(roomId: string, token: string, userId: string, seq: number, issuedAtMs: number, late: boolean): void {
    this.insertTokenStmt.run(token, roomId, userId, seq, seq, late ? 1 : 0, issuedAtMs);
  }

  /** A token ended after the opening: kept, as an entrant or a late arrival. */
  endToken(token: string): void {
    this.endTokenStmt.run(token);
  }

  admitToken(token: string, activeUntilMs: number): void {
    this.admitTokenStmt.run(activeUntilMs, token);
  }

  deleteToken(token: string): void {
    this.deleteTokenStmt.run(token);
  }

  insertAdmission(roomId: string, admission: AdmissionRow): void {
    this.insertAdmissionStmt.run(roomId, admission.seq, admission.entrantId, admission.admittedAtMs, admission.hash);
  }

  // --- reads (at a start) ---

  rooms(): RoomRow[] {
    return (this.roomsStmt.all() as Array<[string, string, string, number, number | null, number, string, string, number | null, string | null, number]>)
      .map(([roomId, name, scheduleIds, opensAtMs, ratePerMinute, maxActive, seed, commitment, openedAtMs, entrantsDigest, createdAtMs]) => ({
        roomId, name, scheduleIds: JSON.parse(scheduleIds) as string[], opensAtMs, ratePerMinute, maxActive, seed, commitment, openedAtMs, entrantsDigest, createdAtMs,
      }));
  }

  /** Every room's tokens, live and ENDED, each room's in arrival order (read in one pass, in join order). */
  tokensByRoom(): Map<string, RoomTokenRow[]> {
    const byRoom = new Map<string, RoomTokenRow[]>();
    type Row = [string, string, string, number, number, number, RoomTokenRow['status'], number, number];
    for (const [roomId, token, userId, seq, arrival, late, status, issuedAtMs, activeUntilMs] of this.tokensStmt.iterate() as IterableIterator<Row>) {
      let tokens = byRoom.get(roomId);
      if (tokens === undefined) byRoom.set(roomId, (tokens = []));
      tokens.push({ token, userId, seq, arrival, late: late === 1, status, issuedAtMs, activeUntilMs });
    }
    for (const tokens of byRoom.values()) tokens.sort((a, b) => a.arrival - b.arrival);
    return byRoom;
  }

  admissions(roomId: string): AdmissionRow[] {
    return (this.admissionsStmt.all(roomId) as Array<[string, string, number, string]>)
      .map(([seq, entrantId, admittedAtMs, hash]) => ({ seq: Number(seq), entrantId, admittedAtMs, hash }));
  }
}
