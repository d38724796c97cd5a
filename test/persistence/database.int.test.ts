import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { openDatabase, syncWalOffLoop } from '../../src/persistence/database.js';
import { MIGRATIONS } from '../../src/persistence/migrations.js';
import { ENDED_CANCELLED_KEY, ENDED_EXPIRED_KEY, FUNDING_ACCOUNT, Store } from '../../src/persistence/store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'booking-db-'));
  dirs.push(dir);
  return join(dir, 'booking.db');
}

describe('database', () => {
  it('sets every pragma explicitly, also when the same file is reopened', () => {
    const path = dbFile();
    for (const durability of ['FULL', 'NORMAL', 'FULL'] as const) {
      const db = openDatabase(path, durability);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(durability === 'FULL' ? 2 : 1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      db.close();
    }
  });

  it('refuses, inside SQLite, a transfer that would take a user account below zero', () => {
    const db = openDatabase(dbFile(), 'FULL');
    const store = new Store(db);
    db.transaction(() => store.transfer('t1', 'CHARGE', FUNDING_ACCOUNT, 'alice', 100, 1, 't1'))();
    expect(() => db.transaction(() => store.transfer('t2', 'PAYMENT', 'alice', 'house:revenue', 101, 2, 't2'))()).toThrow(/CHECK constraint/);
    // Only a charge opens an account: a payment by a user who was never charged fails the transaction
    expect(() => db.transaction(() => store.transfer('t3', 'PAYMENT', 'nobody', 'house:revenue', 1, 3, 't3'))()).toThrow(/FOREIGN KEY/);
    expect(db.prepare('SELECT COUNT(*) FROM transfers').pluck().get()).toBe(1);
    const balance = db.prepare('SELECT balance FROM accounts WHERE account_id = ?').pluck().get('alice');
    expect(balance).toBe(100);
    const total = db.prepare('SELECT SUM(balance) FROM accounts').pluck().get();
    expect(total).toBe(0);
    db.close();
  });

  it('hands FULL durability to a WAL flush off the event loop: the connection stops syncing at commit, the flush reaches the disk', async () => {
    const path = dbFile();
    const db = openDatabase(path, 'FULL');
    const walSync = syncWalOffLoop(db, path);
    expect(db.pragma('synchronous', { simple: true })).toBe(1);
    db.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
    await new Promise<void>((resolve, reject) => walSync.sync((error) => (error === null ? resolve() : reject(error))));
    walSync.syncNow();
    walSync.close();
    await new Promise<void>((resolve, reject) => walSync.sync((error) => (error === null ? reject(new Error('a closed sync must refuse')) : resolve())));
    db.close();
    expect(() => syncWalOffLoop(openDatabase(':memory:', 'FULL'), ':memory:')).toThrow(/WAL/);
  });

  it('migrates archived reservations from their JSON views to compact rows, with the totals per status', () => {
    const path = dbFile();
    const v2 = new Database(path);
    v2.exec(MIGRATIONS[0] as string);
    v2.exec(MIGRATIONS[1] as string);
    v2.pragma('user_version = 2');
    const archive = v2.prepare('INSERT INTO reservation_archive (reservation_id, user_id, status, view, ended_at_ms) VALUES (?, ?, ?, ?, ?)');
    const view = (id: string, status: string, seats: number[], heldAt: string) => JSON.stringify({
      reservationId: id, userId: 'ann', scheduleId: 'sch_1', concertId: 'con_1',
      seats: seats.map((seatNumber) => ({ seatNumber, grade: 'R', price: 150_000 })),
      totalPrice: 150_000 * seats.length, status, heldAt, holdExpiresAt: '2026-12-02T10:05:00.007Z',
    });
    archive.run('res_1', 'ann', 'CANCELLED', view('res_1', 'CANCELLED', [12, 3, 40], '2026-12-02T10:00:00.123Z'), 1_000);
    archive.run('res_2', 'ann', 'EXPIRED', view('res_2', 'EXPIRED', [7], '2026-12-02T10:00:00.999Z'), 2_000);
    archive.run('res_3', 'bob', 'CANCELLED', view('res_3', 'CANCELLED', [8], '1999-12-31T23:59:59.000Z'), 3_000);
    v2.close();

    const db = openDatabase(path, 'FULL');
    const store = new Store(db);
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_schema WHERE name = 'reservation_archive'").pluck().get()).toBe(0);
    expect(store.archivedReservation('res_1')).toEqual({
      reservationId: 'res_1', userId: 'ann', scheduleId: 'sch_1', status: 'CANCELLED', seatNumbers: [12, 3, 40], totalPrice: 450_000,
      heldAtMs: Date.parse('2026-12-02T10:00:00.123Z'), holdExpiresAtMs: Date.parse('2026-12-02T10:05:00.007Z'),
    });
    expect(store.archivedReservation('res_3')?.heldAtMs).toBe(Date.parse('1999-12-31T23:59:59.000Z'));
    expect(store.archivedReservations('ann', null, 10).map((r) => r.reservationId)).toEqual(['res_2', 'res_1']);
    expect(store.archivedReservations('ann', 'CANCELLED', 10).map((r) => r.reservationId)).toEqual(['res_1']);
    expect([store.getMeta(ENDED_EXPIRED_KEY), store.getMeta(ENDED_CANCELLED_KEY)]).toEqual(['1', '2']);
    db.close();
  });

  it('numbers concerts from before v10 in the order they were read back (time, then id), and new ones after them', () => {
    const path = dbFile();
    const v9 = new Database(path);
    for (const sql of MIGRATIONS.slice(0, 9)) v9.exec(sql);
    v9.pragma('user_version = 9');
    const insert = v9.prepare('INSERT INTO concerts (concert_id, title, venue, created_at_ms) VALUES (?, ?, ?, ?)');
    insert.run('con_b', 'B', 'V', 2_000);
    insert.run('con_a', 'A', 'V', 2_000);
    insert.run('con_z', 'Z', 'V', 1_000);
    v9.close();

    const db = openDatabase(path, 'FULL');
    const store = new Store(db);
    store.insertConcert('con_0', 'New', 'V', 500, 3);
    expect(store.concerts().map((c) => c.concert_id)).toEqual(['con_z', 'con_a', 'con_b', 'con_0']);
    db.close();
  });
});
