import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * The WAL's directory entry is synced on the thread pool, so that recovery does not wait for it; no
 * flush may be answered before it returns. The directory's fsync is held here until the test lets it go.
 */
const heldDirectorySyncs = vi.hoisted(() => [] as Array<() => void>);
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const fsync = (fd: number, done: (error: NodeJS.ErrnoException | null) => void): void => {
    heldDirectorySyncs.push(() => fs.fsync(fd, done));
  };
  return { ...fs, default: { ...fs, fsync }, fsync };
});

const { openDatabase, syncWalOffLoop } = await import('../../src/persistence/database.js');

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function flushed(sync: { sync(done: (error: Error | null) => void): void }): { answers: Array<Error | null> } {
  const state = { answers: [] as Array<Error | null> };
  sync.sync((error) => state.answers.push(error));
  return state;
}

describe('WAL sync', () => {
  it('answers no flush before the directory of a new WAL is synced, then answers every waiting flush once', async () => {
    dir = mkdtempSync(join(tmpdir(), 'wal-sync-'));
    const path = join(dir, 'db.sqlite');
    const db = openDatabase(path, 'FULL');
    const walSync = syncWalOffLoop(db, path);
    db.prepare("INSERT INTO meta (key, value) VALUES ('k', 'v')").run();
    const first = flushed(walSync);
    const second = flushed(walSync);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the WAL's own fdatasync has long returned
    expect(first.answers).toEqual([]);
    expect(second.answers).toEqual([]);

    expect(heldDirectorySyncs).toHaveLength(1);
    heldDirectorySyncs.shift()?.();
    await vi.waitFor(() => expect([first.answers, second.answers]).toEqual([[null], [null]]));
    const later = flushed(walSync);
    await vi.waitFor(() => expect(later.answers).toEqual([null]));
    walSync.close();
    db.close();
  });
});
