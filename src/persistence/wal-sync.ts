/**
 * Durability FULL without stalling the event loop. With `synchronous = FULL` SQLite fsyncs the WAL inside
 * every COMMIT, on the JavaScript thread: while the disk flushes, no request is parsed, decided or
 * answered. Instead the write connection runs `synchronous = NORMAL` (in WAL mode: no sync at commit,
 * syncs at checkpoints) and the group commit flushes the WAL file itself with `fdatasync` on libuv's
 * thread pool, acknowledging a batch only when a flush that began after its COMMIT has returned. The
 * guarantee is FULL's: nothing is acknowledged before its WAL frames are on stable storage. A flush
 * covers every frame written before it began, so batches committed while one is in flight share the next.
 */
import { close, closeSync, existsSync, fdatasync, fdatasyncSync, fsync, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

export type SyncCallback = (error: Error | null) => void;

export interface DurableSync {
  /** Flushes everything committed so far; calls back when it is on stable storage. */
  sync(done: SyncCallback): void;
  /** The same, blocking (shutdown). */
  syncNow(): void;
  /** Resolves once a flush can keep its promise (the WAL's directory entry is durable); rejects if it never can. */
  ready(): Promise<void>;
  close(): void;
}

export class WalFileSync implements DurableSync {
  private fd: number | null;
  private readonly walPath: string;
  /** The WAL's directory entry: 'synced', the error that syncing it met, or the syncs waiting for it. */
  private directory: 'synced' | Error | SyncCallback[] = [];

  /** Opens the WAL of an open database in WAL mode (SQLite keeps the file while a connection is open). */
  constructor(databasePath: string) {
    this.walPath = `${databasePath}-wal`;
    if (!existsSync(this.walPath)) throw new Error(`no WAL file at ${this.walPath}: open the database in WAL mode first`);
    this.fd = openSync(this.walPath, 'r');
    // SQLite syncs the directory once after creating a journal; a new WAL's directory entry must survive
    // too. On the thread pool: right after a crash the directory's fsync can wait for the file system's
    // journal to commit other files' data (~250 ms measured at start-up), which recovery need not wait for.
    // Nothing is acknowledged before it returns: every sync waits for it.
    const dir = openSync(dirname(this.walPath), 'r');
    fsync(dir, (error) => {
      close(dir, () => undefined);
      this.directorySettled(error);
    });
  }

  sync(done: SyncCallback): void {
    if (this.fd === null) {
      done(new Error('WAL sync closed'));
      return;
    }
    fdatasync(this.fd, (error) => {
      if (error !== null) done(error);
      else this.whenDirectorySettled(done);
    });
  }

  syncNow(): void {
    if (this.fd === null) return;
    fdatasyncSync(this.fd);
    if (this.directory === 'synced') return;
    syncDirectoryNow(dirname(this.walPath));
    this.directorySettled(null);
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => this.whenDirectorySettled((error) => (error === null ? resolve() : reject(error))));
  }

  close(): void {
    if (this.fd === null) return;
    closeSync(this.fd);
    this.fd = null;
  }

  private whenDirectorySettled(done: SyncCallback): void {
    if (this.directory === 'synced') done(null);
    else if (Array.isArray(this.directory)) this.directory.push(done);
    else done(this.directory);
  }

  /** The first outcome counts: a later one (the blocking sync at shutdown after a failure) changes nothing. */
  private directorySettled(error: Error | null): void {
    const waiting = this.directory;
    if (!Array.isArray(waiting)) return;
    this.directory = error ?? 'synced';
    for (const done of waiting) done(error);
  }
}

function syncDirectoryNow(path: string): void {
  const dir = openSync(path, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}
