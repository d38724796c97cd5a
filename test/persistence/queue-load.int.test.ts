import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import { createEngine } from '../../src/actors/engine.js';
import { DEFAULT_LIMITS } from '../../src/domain/engine.js';
import { openDatabase } from '../../src/persistence/database.js';
import { startQueueLoad, type QueueLoad } from '../../src/persistence/queue-load.js';
import { Store, type QueueTokenImage } from '../../src/persistence/store.js';
import { QueueTokenRecord } from '../../src/machines/queue-token-record.js';
import { RecordIndex } from '../../src/machines/record-index.js';
import { openHarness, T0, type Harness } from '../support/engine-harness.js';

/**
 * Recovery reads a big waiting room in a worker thread while the rest of the engine recovers. What the
 * worker hands over must be exactly the rows; a worker that fails must cost only time; an engine closed
 * while its worker reads must write nothing.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

/** More than one batch of the worker (8 chunks of 8,192 rows). */
const ROWS = 80_000;

async function joinAll(harness: Harness, userIds: string[]): Promise<void> {
  for (const userId of userIds) {
    const issued = await harness.engine.issueQueueToken(userId);
    if (!issued.ok) throw new Error(issued.error.message);
  }
}

/** One token as one string: big arrays of these compare much faster than arrays of objects. */
function line(token: QueueTokenImage): string {
  return `${token.seq} ${token.token} ${token.userId} ${token.status} ${token.issuedAtMs} ${token.activeUntilMs}`;
}

/** Every token the load hands over, copied, batch after batch. */
async function drained(load: QueueLoad): Promise<QueueTokenImage[]> {
  const tokens: QueueTokenImage[] = [];
  for await (const batch of load.batches()) for (const token of batch) tokens.push({ ...token });
  return tokens;
}

async function withStore<T>(dbPath: string, body: (store: Store) => Promise<T>): Promise<T> {
  const db = openDatabase(dbPath, 'NORMAL');
  try {
    return await body(new Store(db));
  } finally {
    db.close();
  }
}

/** A database holding only `rows` token rows (seq gaps, some ACTIVE, some negative times, two astral ids). */
async function withRowsDatabase(rows: number, body: (store: Store, dbPath: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'queue-load-'));
  const dbPath = join(dir, 'rows.db');
  const db = openDatabase(dbPath, 'NORMAL');
  try {
    const insert = db.prepare('INSERT INTO queue_tokens (seq, token, user_id, status, issued_at_ms, active_until_ms) VALUES (?, ?, ?, ?, ?, ?)');
    db.transaction(() => {
      for (let i = 0; i < rows; i++) {
        const active = i % 7 === 0;
        const issuedAtMs = i % 11 === 0 ? -1_000 * i : T0 + i;
        // One astral id starts a batch's chunk, one sits in the second chunk of the first batch: both are read row by row.
        const userId = i === 70_001 ? 'fan-🎫' : i === 10_000 ? 'fan-🎟-2' : `fan-${i}`;
        insert.run(3 * i + 1, `token-${i}`, userId, active ? 'ACTIVE' : 'WAITING', issuedAtMs, active ? issuedAtMs + 60_000 : 0);
      }
    })();
    await body(new Store(db), dbPath);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('queue load', () => {
  it.each([
    ['ASCII and other BMP ids (read in chunks)', ['fan-é', 'ファン-1', 'plain', 'x'.repeat(128), 'ü-2']],
    ['an id beyond the BMP (its chunk read row by row)', ['fan-1', 'fan-🎫-2', 'fan-3', 'fan-4']],
  ])('given token rows with %s and admitted fans, when a worker reads them, then it hands over exactly the rows', async (_ids, userIds) => {
    h = await openHarness({ queueMaxActive: 3 });
    await joinAll(h, userIds);
    await h.advance(1_000); // admits three
    await h.crash();

    await withStore(h.dbPath, async (store) => {
      const load = startQueueLoad(store, h!.dbPath, 0);
      const tokens = await drained(load);
      expect(load).toMatchObject({ offThread: true, workerError: undefined });
      const rows = Array.from(store.queueTokens(), (token) => ({ ...token }));
      expect(tokens).toEqual(rows);
      expect(rows.map((token) => token.userId)).toEqual(userIds);
      expect(rows.filter((token) => token.status === 'ACTIVE')).toHaveLength(3);
    });
  });

  it('given rows over several chunks and batches, seq gaps, negative times and one id beyond the BMP, when a worker reads them, then every token matches', async () => {
    await withRowsDatabase(ROWS, async (store, dbPath) => {
      const load = startQueueLoad(store, dbPath, 0);
      const tokens = await drained(load);
      expect(load).toMatchObject({ offThread: true, workerError: undefined });
      expect(tokens).toHaveLength(ROWS);
      expect(tokens.map(line)).toEqual(Array.from(store.queueTokens(), line));
    });
  });

  it('given token rows read by a worker, then it hands over both indexes built for them, and each finds every token', async () => {
    await withRowsDatabase(ROWS, async (store, dbPath) => {
      const load = startQueueLoad(store, dbPath, 0);
      const records = (await drained(load)).map((token) => new QueueTokenRecord(token.token, token.userId, token.seq, token.issuedAtMs));
      const tables = load.takeIndexTables();
      expect(tables).toBeDefined();
      expect(load.takeIndexTables()).toBeUndefined(); // handed over once
      const byToken = new RecordIndex('token');
      const byUser = new RecordIndex('userId');
      expect(byToken.adopt(tables!.token, records)).toBe(true);
      expect(byUser.adopt(tables!.userId, records)).toBe(true);
      for (const record of records) {
        expect(byToken.get(record.token)).toBe(record);
        expect(byUser.get(record.userId)).toBe(record);
      }
      expect(byUser.get('fan-🎫')?.token).toBe('token-70001'); // chunks read row by row
      expect(byUser.get('fan-🎟-2')?.token).toBe('token-10000');
    });
  });

  it('given token rows, then a worker reads them only from the threshold on (counting stops there)', async () => {
    await withRowsDatabase(1_000, async (store, dbPath) => {
      const atThreshold = startQueueLoad(store, dbPath, 1_000);
      const belowThreshold = startQueueLoad(store, dbPath, 1_001);
      const never = startQueueLoad(store, dbPath, Number.POSITIVE_INFINITY);
      const fraction = startQueueLoad(store, dbPath, 999.5); // rounds up to 1,000
      const always = startQueueLoad(store, dbPath, -1);
      const expected = Array.from(store.queueTokens(), line);
      for (const [load, offThread] of [[atThreshold, true], [belowThreshold, false], [never, false], [fraction, true], [always, true]] as const) {
        expect((await drained(load)).map(line)).toEqual(expected);
        expect(load).toMatchObject({ offThread, workerError: undefined });
        expect(load.takeIndexTables() !== undefined).toBe(offThread);
      }
    });
  });

  it('given a worker stopped after its first batch, then the main thread reads the rows after the last one restored', async () => {
    const rows = 3 * ROWS; // the worker is far from done when the first batch arrives
    await withRowsDatabase(rows, async (store, dbPath) => {
      const load = startQueueLoad(store, dbPath, 0);
      const tokens: QueueTokenImage[] = [];
      let batches = 0;
      for await (const batch of load.batches()) {
        for (const token of batch) tokens.push({ ...token });
        if (++batches === 1) await load.cancel();
      }
      expect(load.workerError).toMatch(/exited/);
      expect(load).toMatchObject({ offThread: false });
      expect(load.takeIndexTables()).toBeUndefined();
      expect(batches).toBe(2);
      expect(tokens.map(line)).toEqual(Array.from(store.queueTokens(), line));
    });
  });

  it('given a worker that cannot open the database, then the rows are read on the main thread and the reason is kept', async () => {
    h = await openHarness({ queueMaxActive: 1 });
    await joinAll(h, ['a', 'b', 'c']);
    await h.crash();

    await withStore(h.dbPath, async (store) => {
      const load = startQueueLoad(store, `${h!.dbPath}.missing`, 0);
      const tokens = await drained(load);
      expect(load).toMatchObject({ offThread: false });
      expect(load.workerError).toMatch(/unable to open|does not exist|SQLITE_CANTOPEN/i);
      expect(tokens.map((token) => token.userId)).toEqual(['a', 'b', 'c']);
    });
  });

  it('given an engine closed while its worker still reads, then start() resolves, nothing is written and the next start sees the same line', async () => {
    h = await openHarness({ queueMaxActive: 0 });
    await joinAll(h, ['first', 'second', 'third']);
    await h.crash();
    const journalBefore = await withStore(h.dbPath, async (store) => store.maxJournalSeq());
    const checkpointBefore = await withStore(h.dbPath, async (store) => store.getMeta('checkpoint_seq'));

    const engine = createEngine({ dbPath: h.dbPath, limits: DEFAULT_LIMITS, clock: new ManualClock(T0), walCheckpointIntervalMs: 0, queueLoadOffThreadMinTokens: 0 });
    const started = engine.start();
    await engine.close();
    await expect(started).resolves.toBeUndefined();
    expect(engine.ready).toBe(false);

    await withStore(h.dbPath, async (store) => {
      expect(store.maxJournalSeq()).toBe(journalBefore);
      expect(store.getMeta('checkpoint_seq')).toBe(checkpointBefore);
    });
    await h.reopen();
    expect(h.engine.stats().queue.waiting).toBe(3);
  });
});
