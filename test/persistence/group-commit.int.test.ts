import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/persistence/database.js';
import { EngineStoppedError, GroupCommitter, type CommitUnit } from '../../src/persistence/group-commit.js';
import { Store } from '../../src/persistence/store.js';
import type { DurableSync, SyncCallback } from '../../src/persistence/wal-sync.js';

/** A WAL flush the test completes by hand: `finish()` ends the oldest flush in flight. */
class ManualSync implements DurableSync {
  readonly inFlight: SyncCallback[] = [];
  started = 0;
  sync(done: SyncCallback): void {
    this.started++;
    this.inFlight.push(done);
  }
  syncNow(): void {}
  ready(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
  finish(error: Error | null = null): void {
    const done = this.inFlight.shift();
    if (done === undefined) throw new Error('no flush in flight');
    done(error);
  }
}

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function unit(write: (store: Store) => void, log: string[], name: string): CommitUnit & { done: Promise<void> } {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const done = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
  return {
    done,
    write,
    committed: () => { log.push(`ack ${name}`); resolve(); },
    failed: (e) => { log.push(`fail ${name}`); reject(e); },
  };
}

describe('group commit', () => {
  it('writes every unit of one event-loop turn in one transaction, then acknowledges them in order', async () => {
    const db = openDatabase(':memory:', 'FULL');
    const store = new Store(db);
    const batches: number[] = [];
    const committer = new GroupCommitter(db, store, { onFatal: () => undefined, afterCommit: (b) => batches.push(b.units) });
    const log: string[] = [];
    const units = [1, 2, 3].map((n) => unit((s) => s.appendJournal(n, 0, 'test', 'e', '{}'), log, String(n)));
    for (const u of units) committer.submit(u);
    expect(log).toEqual([]); // nothing is acknowledged before the commit
    await Promise.all(units.map((u) => u.done));
    expect(batches).toEqual([3]);
    expect(log).toEqual(['ack 1', 'ack 2', 'ack 3']);
    expect(db.prepare('SELECT COUNT(*) FROM journal').pluck().get()).toBe(3);
  });

  it('fails stop: a failed commit acknowledges nothing of its batch, keeps nothing of it, and refuses what comes after', async () => {
    const db = openDatabase(':memory:', 'FULL');
    const store = new Store(db);
    const fatal: unknown[] = [];
    const committer = new GroupCommitter(db, store, { onFatal: (e) => fatal.push(e) });
    const log: string[] = [];
    const good = unit((s) => s.appendJournal(1, 0, 'test', 'e', '{}'), log, 'good');
    const bad = unit((s) => s.appendJournal(1, 0, 'test', 'e', '{}'), log, 'bad'); // duplicate seq: constraint error
    committer.submit(good);
    committer.submit(bad);
    await expect(good.done).rejects.toThrow();
    await expect(bad.done).rejects.toThrow();
    expect(fatal).toHaveLength(1);
    expect(db.prepare('SELECT COUNT(*) FROM journal').pluck().get()).toBe(0);
    const later = unit((s) => s.appendJournal(2, 0, 'test', 'e', '{}'), log, 'later');
    committer.submit(later);
    await expect(later.done).rejects.toBeInstanceOf(EngineStoppedError);
    expect(log).toEqual(['fail good', 'fail bad', 'fail later']);
  });

  describe('with the WAL flushed off the event loop', () => {
    it('acknowledges only after a flush that began after the COMMIT; what arrives meanwhile commits as one batch after it', async () => {
      const db = openDatabase(':memory:', 'FULL');
      const sync = new ManualSync();
      const batches: number[] = [];
      const committer = new GroupCommitter(db, new Store(db), { onFatal: () => undefined, afterCommit: (b) => batches.push(b.units) }, sync);
      const log: string[] = [];
      const journalRows = () => db.prepare('SELECT COUNT(*) FROM journal').pluck().get();
      const first = unit((s) => s.appendJournal(1, 0, 'test', 'e', '{}'), log, 'first');
      committer.submit(first);
      await turn();
      expect(journalRows()).toBe(1); // committed to the WAL
      expect(sync.started).toBe(1);
      expect(log).toEqual([]); // not yet on stable storage: not acknowledged

      // Submitted while the flush is in flight: it could not cover them, so they wait, uncommitted
      const second = unit((s) => s.appendJournal(2, 0, 'test', 'e', '{}'), log, 'second');
      const third = unit((s) => s.appendJournal(3, 0, 'test', 'e', '{}'), log, 'third');
      committer.submit(second);
      await turn();
      committer.submit(third);
      await turn();
      expect(journalRows()).toBe(1);
      expect(sync.started).toBe(1);

      // When the flush returns, its batch is answered, and the waiting ones commit together and get the next flush
      sync.finish();
      await first.done;
      expect(log).toEqual(['ack first']);
      expect(journalRows()).toBe(3);
      expect(sync.started).toBe(2);

      const drained = committer.drain();
      sync.finish();
      await drained;
      expect(log).toEqual(['ack first', 'ack second', 'ack third']);
      expect(batches).toEqual([1, 2]);
    });

    it('fails stop when a flush fails: nothing it covered or waiting behind it is acknowledged, later work is refused', async () => {
      const db = openDatabase(':memory:', 'FULL');
      const sync = new ManualSync();
      const fatal: unknown[] = [];
      const committer = new GroupCommitter(db, new Store(db), { onFatal: (e) => fatal.push(e) }, sync);
      const log: string[] = [];
      const covered = unit((s) => s.appendJournal(1, 0, 'test', 'e', '{}'), log, 'covered');
      committer.submit(covered);
      await turn();
      const waiting = unit((s) => s.appendJournal(2, 0, 'test', 'e', '{}'), log, 'waiting');
      committer.submit(waiting);
      await turn();

      sync.finish(new Error('EIO'));
      await expect(covered.done).rejects.toThrow('EIO');
      await expect(waiting.done).rejects.toThrow('EIO');
      expect(fatal).toHaveLength(1);
      expect(committer.stopped).toBe(true);
      const later = unit((s) => s.appendJournal(3, 0, 'test', 'e', '{}'), log, 'later');
      committer.submit(later);
      await expect(later.done).rejects.toBeInstanceOf(EngineStoppedError);
      expect(log).toEqual(['fail covered', 'fail waiting', 'fail later']);
      expect(db.prepare('SELECT COUNT(*) FROM journal').pluck().get()).toBe(1); // the waiting unit never committed
    });
  });
});
