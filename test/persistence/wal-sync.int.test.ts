import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The WAL's directory entry is synced on the thread pool, so that recovery does not wait for it; no
 * flush may be answered before it has returned, and a directory that cannot be synced fails every flush.
 * The directory's fsync is held here until a test lets it go (or fail); the WAL's own fdatasyncs are
 * counted as they return.
 */
const fsCalls = vi.hoisted(() => ({ heldDirectorySyncs: [] as Array<(error?: Error) => void>, fdatasyncsReturned: 0 }));
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fsync = (fd: number, done: (error: NodeJS.ErrnoException | null) => void): void => {
    fsCalls.heldDirectorySyncs.push((error) => (error === undefined ? fs.fsync(fd, done) : done(error)));
  };
  const fdatasync = (fd: number, done: (error: NodeJS.ErrnoException | null) => void): void => {
    fs.fdatasync(fd, (error) => {
      fsCalls.fdatasyncsReturned++;
      done(error);
    });
  };
  return { ...fs, default: { ...fs, fsync, fdatasync }, fsync, fdatasync };
});

const { openDatabase, syncWalOffLoop } = await import('../../src/persistence/database.js');
const { createEngine } = await import('../../src/actors/engine.js');
const { DEFAULT_LIMITS } = await import('../../src/domain/engine.js');

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  fsCalls.heldDirectorySyncs.length = 0;
  fsCalls.fdatasyncsReturned = 0;
});

function openWal(): { sync: ReturnType<typeof syncWalOffLoop>; close(): void } {
  dir = mkdtempSync(join(tmpdir(), 'wal-sync-'));
  const path = join(dir, 'db.sqlite');
  const db = openDatabase(path, 'FULL');
  const sync = syncWalOffLoop(db, path);
  db.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
  return { sync, close: () => { sync.close(); db.close(); } };
}

function flushed(sync: { sync(done: (error: Error | null) => void): void }): { answers: Array<Error | null> } {
  const state = { answers: [] as Array<Error | null> };
  sync.sync((error) => state.answers.push(error));
  return state;
}

function settled(promise: Promise<void>): { outcome: 'pending' | 'resolved' | Error } {
  const state: { outcome: 'pending' | 'resolved' | Error } = { outcome: 'pending' };
  promise.then(() => { state.outcome = 'resolved'; }, (error: Error) => { state.outcome = error; });
  return state;
}

describe('WAL sync', () => {
  it('answers no flush before the directory of a new WAL is synced, then answers every waiting flush once', async () => {
    const wal = openWal();
    const first = flushed(wal.sync);
    const second = flushed(wal.sync);
    const ready = settled(wal.sync.ready());
    await vi.waitFor(() => expect(fsCalls.fdatasyncsReturned).toBe(2)); // the WAL itself is on disk
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect([first.answers, second.answers, ready.outcome]).toEqual([[], [], 'pending']);

    expect(fsCalls.heldDirectorySyncs).toHaveLength(1);
    fsCalls.heldDirectorySyncs.shift()?.();
    await vi.waitFor(() => expect([first.answers, second.answers, ready.outcome]).toEqual([[null], [null], 'resolved']));
    const later = flushed(wal.sync);
    await vi.waitFor(() => expect(later.answers).toEqual([null]));
    wal.close();
  });

  it('given a directory that cannot be synced, then every flush, waiting or later, fails with its error, and so does ready', async () => {
    const wal = openWal();
    const waiting = flushed(wal.sync);
    const ready = settled(wal.sync.ready());
    await vi.waitFor(() => expect(fsCalls.fdatasyncsReturned).toBe(1));
    const failure = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    fsCalls.heldDirectorySyncs.shift()?.(failure);
    await vi.waitFor(() => expect(waiting.answers).toEqual([failure]));
    expect(ready.outcome).toBe(failure);
    const later = flushed(wal.sync);
    await vi.waitFor(() => expect(later.answers).toEqual([failure]));
    wal.close();
  });

  it('given the directory still pending at shutdown, then the blocking flush syncs it and no later flush waits', async () => {
    const wal = openWal();
    wal.sync.syncNow();
    const later = flushed(wal.sync);
    await vi.waitFor(() => expect(later.answers).toEqual([null]));
    await expect(wal.sync.ready()).resolves.toBeUndefined();
    fsCalls.heldDirectorySyncs.shift()?.(); // the thread pool's sync returns late: nothing changes
    wal.close();
  });

  it('given an engine at FULL whose WAL directory cannot be synced, then it does not start (rather than failing its first commit once ready)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'wal-sync-engine-'));
    const engine = createEngine({ dbPath: join(dir, 'booking.db'), limits: DEFAULT_LIMITS, durability: 'FULL', walCheckpointIntervalMs: 0 });
    const started = engine.start();
    await vi.waitFor(() => expect(fsCalls.heldDirectorySyncs).toHaveLength(1));
    fsCalls.heldDirectorySyncs.shift()?.(Object.assign(new Error('EINVAL: invalid argument, fsync'), { code: 'EINVAL' }));
    await expect(started).rejects.toThrow(/EINVAL/);
    expect(engine.ready).toBe(false);
    await engine.close();
  });
});
