import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, syncWalOffLoop } from '../../src/persistence/database.js';
import { FUNDING_ACCOUNT, Store } from '../../src/persistence/store.js';

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
});
