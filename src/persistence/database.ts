import Database from 'better-sqlite3';
import type { Durability } from './durability.js';
import { MIGRATIONS } from './migrations.js';
import { WalFileSync, type DurableSync } from './wal-sync.js';

export type SqliteDatabase = Database.Database;

export const BUSY_TIMEOUT_MS = 5_000;
/** The writer's own automatic checkpoint: a safety valve only (see wal-checkpointer.ts). */
export const WRITER_AUTOCHECKPOINT_PAGES = 50_000;

/**
 * Opens the database with every pragma set explicitly: better-sqlite3 reports synchronous=FULL on a
 * fresh WAL database and NORMAL when the same file is reopened, so nothing is left to defaults.
 * FULL: a commit survives power loss. NORMAL (WAL): a power loss may drop the last commits; a process
 * crash never does.
 */
export function openDatabase(path: string, durability: Durability): SqliteDatabase {
  const db = new Database(path);
  if (path !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability}`);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('foreign_keys = ON');
  db.pragma('temp_store = MEMORY');
  db.pragma('cache_size = -65536');
  // A safety valve only: checkpoints normally run in the WAL checkpointer's worker thread, off the commit path.
  db.pragma(`wal_autocheckpoint = ${WRITER_AUTOCHECKPOINT_PAGES}`);
  db.pragma('journal_size_limit = 67108864');
  migrate(db);
  return db;
}

/**
 * FULL's guarantee with the flush moved off the event loop (see wal-sync.ts): the connection stops
 * syncing the WAL inside each COMMIT and the returned sync, driven by the group commit, takes over.
 * Only for a database opened with FULL in WAL mode (a file).
 */
export function syncWalOffLoop(db: SqliteDatabase, path: string): DurableSync {
  if (db.pragma('journal_mode', { simple: true }) !== 'wal') throw new Error('syncWalOffLoop needs a WAL database');
  const walSync = new WalFileSync(path);
  db.pragma('synchronous = NORMAL');
  return walSync;
}

export function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current; version < MIGRATIONS.length; version++) {
    const sql = MIGRATIONS[version];
    if (sql === undefined) break;
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}
