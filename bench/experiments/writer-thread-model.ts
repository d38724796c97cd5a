/**
 * A model of the next step for the engine-vs-raw-inserts target (bench/profile.md, section 0a): journal
 * inserts run by a writer thread, batches posted by the main thread, which spends `mainUsPerRow` of CPU
 * per row first (standing in for deciding and answering a command), with `inFlight` batches outstanding.
 * Prints rows/s beside a raw in-thread loop like the bench's baseline: both databases are opened by
 * src/persistence/database.ts (schema and pragmas of the engine), the writer thread's connection sets
 * the same per-connection pragmas.
 *
 * Usage: npx tsx bench/experiments/writer-thread-model.ts [FULL|NORMAL] [inFlight=2] [batch=32] [mainUsPerRow=8] [seconds=3]
 * (64 closed-loop callers as two batches of 32 in flight: `FULL 2 32 8`; today's one batch of 64: `FULL 1 64 8`.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WRITER_AUTOCHECKPOINT_PAGES, openDatabase } from '../../src/persistence/database.js';

type Row = [number, number, string, string, string];

const [durabilityArg = 'FULL', inFlight = '2', batch = '32', mainUsPerRow = '8', seconds = '3'] = process.argv.slice(2);
const durability = durabilityArg === 'NORMAL' ? 'NORMAL' : 'FULL';
const dir = mkdtempSync(join(tmpdir(), 'writer-model-'));
const INSERT = 'INSERT INTO journal (seq, at_ms, stream, type, data) VALUES (?, ?, ?, ?, ?)';
const data = JSON.stringify({ pad: 'x'.repeat(217) }); // the engine's mean journal row is ~257 B
const rowsPerBatch = Number(batch);

function spin(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}

function row(seq: number): Row {
  return [seq, Date.now(), 'schedule:sch_model', 'reservation.held', data];
}

function rawLoop(): number {
  const db = openDatabase(join(dir, 'raw.db'), durability);
  const insert = db.prepare(INSERT);
  let seq = 0;
  const run = db.transaction((count: number) => {
    for (let i = 0; i < count; i++) insert.run(...row(++seq));
  });
  const startedAt = performance.now();
  while (performance.now() < startedAt + Number(seconds) * 1000) run(64);
  db.close();
  return seq / ((performance.now() - startedAt) / 1000);
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.path);
db.pragma('synchronous = ' + workerData.durability);
db.pragma('wal_autocheckpoint = ' + workerData.autocheckpoint);
const insert = db.prepare(workerData.insert);
const run = db.transaction((rows) => { for (const r of rows) insert.run(r[0], r[1], r[2], r[3], r[4]); });
parentPort.on('message', (rows) => { run(rows); parentPort.postMessage(rows.length); });
`;

async function writerLoop(): Promise<number> {
  const path = join(dir, 'writer.db');
  openDatabase(path, durability).close(); // schema and WAL mode, as the engine has them
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { driverPath: createRequire(import.meta.url).resolve('better-sqlite3'), path, durability, insert: INSERT, autocheckpoint: WRITER_AUTOCHECKPOINT_PAGES },
  });
  let seq = 0;
  let rows = 0;
  let outstanding = 0;
  const startedAt = performance.now();
  const deadline = startedAt + Number(seconds) * 1000;
  const send = (): void => {
    const batchRows: Row[] = [];
    for (let i = 0; i < rowsPerBatch; i++) {
      spin(Number(mainUsPerRow));
      batchRows.push(row(++seq));
    }
    outstanding++;
    worker.postMessage(batchRows);
  };
  await new Promise<void>((resolve) => {
    worker.on('message', (count: number) => {
      outstanding--;
      rows += count;
      if (performance.now() < deadline) send();
      else if (outstanding === 0) resolve();
    });
    for (let k = 0; k < Number(inFlight); k++) send();
  });
  await worker.terminate();
  return rows / ((performance.now() - startedAt) / 1000);
}

try {
  const writer = await writerLoop();
  const raw = rawLoop();
  process.stdout.write(`${durability}: writer thread, ${inFlight} batch(es) of ${rowsPerBatch} in flight, ${mainUsPerRow} µs of main-thread work per row: ${Math.round(writer)} rows/s; raw loop in batches of 64: ${Math.round(raw)} rows/s; ratio ${(writer / raw).toFixed(2)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
