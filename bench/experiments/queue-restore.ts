/**
 * The waiting room's share of a start after a crash, without Node's start-up around it (bench/profile.md,
 * section 0): a database holding `tokens` token rows is read the way recovery reads it, by the reader
 * thread (which also builds the indexes' tables) or on this thread, and restored into a WaitingRoom.
 * Prints, per round, the time spent making records as batches arrive, waiting for the reader, and in
 * `finish` (adopting the tables, or filing every record when there are none).
 *
 * Usage: npx tsx bench/experiments/queue-restore.ts [tokens=1000000] [rounds=3]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WaitingRoom } from '../../src/machines/waiting-room.js';
import { openDatabase } from '../../src/persistence/database.js';
import { startQueueLoad } from '../../src/persistence/queue-load.js';
import { Store } from '../../src/persistence/store.js';

const [tokensArg = '1000000', roundsArg = '3'] = process.argv.slice(2);
const TOKENS = Number(tokensArg);
const ACTIVE = 100;
const T0 = Date.UTC(2026, 11, 1);

function fillDatabase(dbPath: string): void {
  const db = openDatabase(dbPath, 'NORMAL');
  const insert = db.prepare('INSERT INTO queue_tokens (seq, token, user_id, status, issued_at_ms, active_until_ms) VALUES (?, ?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < TOKENS; i++) {
      const token = `${(T0 + i).toString(16).padStart(12, '0')}${randomBytes(16).toString('base64url')}`;
      insert.run(i + 1, token, `fan-${i}`, i < ACTIVE ? 'ACTIVE' : 'WAITING', T0 + i, i < ACTIVE ? T0 + 600_000 : 0);
    }
  })();
  db.close();
}

async function restoreOnce(store: Store, dbPath: string, offThread: boolean): Promise<string> {
  const startedAt = performance.now();
  const load = startQueueLoad(store, dbPath, offThread ? 0 : Number.POSITIVE_INFINITY);
  const room = new WaitingRoom({ maxActive: ACTIVE, activeTtlMs: 600_000, idleMs: 600_000 });
  const restore = room.beginRestore(T0 + TOKENS);
  let makingMs = 0;
  for await (const batch of load.batches()) {
    const batchAt = performance.now();
    restore.add(batch);
    makingMs += performance.now() - batchAt;
  }
  const finishAt = performance.now();
  const tables = load.takeIndexTables();
  const { count, indexesAdopted } = restore.finish(tables);
  const finishMs = performance.now() - finishAt;
  const totalMs = performance.now() - startedAt;
  if (count !== TOKENS) throw new Error(`restored ${count} of ${TOKENS}`);
  const where = offThread ? `reader thread, indexes ${tables === undefined ? 'not built' : indexesAdopted ? 'adopted' : 'refused'}` : 'this thread, indexes filed';
  return `${where}: ${Math.round(totalMs)} ms in all; making records ${Math.round(makingMs)} ms, waiting ${Math.round(totalMs - makingMs - finishMs)} ms, finish ${Math.round(finishMs)} ms`;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'queue-restore-'));
  const dbPath = join(dir, 'queue.db');
  try {
    fillDatabase(dbPath);
    const db = openDatabase(dbPath, 'NORMAL');
    const store = new Store(db);
    for (let round = 1; round <= Number(roundsArg); round++) {
      for (const offThread of [true, false]) console.log(`round ${round}, ${await restoreOnce(store, dbPath, offThread)}`);
    }
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
