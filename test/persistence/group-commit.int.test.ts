import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/persistence/database.js';
import { EngineStoppedError, GroupCommitter, type CommitUnit } from '../../src/persistence/group-commit.js';
import { Store } from '../../src/persistence/store.js';

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
});
