/**
 * Durability FULL without stalling the event loop. With `synchronous = FULL` SQLite fsyncs the WAL inside
 * every COMMIT, on the JavaScript thread: while the disk flushes, no request is parsed, decided or
 * answered. Instead the write connection runs `synchronous = NORMAL` (in WAL mode: no sync at commit,
 * syncs at checkpoints) and the group commit flushes the WAL file itself with `fdatasync` on libuv's
 * thread pool, acknowledging a batch only when a flush that began after its COMMIT has returned. The
 * guarantee is FULL's: nothing is acknowledged before its WAL frames are on stable storage. A flush
 * covers every frame written before it began, so batches committed while one is in flight share the next.
 */
import { closeSync, existsSync, fdatasync, fdatasyncSync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export type SyncCallback = (error: Error | null) => void;

export interface DurableSync {
  /** Flushes everything committed so far; calls back when it is on stable storage. */
  sync(done: SyncCallback): void;
  /** The same, blocking (shutdown). */
  syncNow(): void;
  close(): void;
}

export class WalFileSync implements DurableSync {
  private fd: number | null;

  /** Opens the WAL of an open database in WAL mode (SQLite keeps the file while a connection is open). */
  constructor(databasePath: string) {
    const walPath = `${databasePath}-wal`;
    if (!existsSync(walPath)) throw new Error(`no WAL file at ${walPath}: open the database in WAL mode first`);
    this.fd = openSync(walPath, 'r');
    // SQLite syncs the directory once after creating a journal; a new WAL's directory entry must survive too.
    const dir = openSync(dirname(walPath), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  sync(done: SyncCallback): void {
    if (this.fd === null) {
      done(new Error('WAL sync closed'));
      return;
    }
    fdatasync(this.fd, done);
  }

  syncNow(): void {
    if (this.fd !== null) fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }
}
