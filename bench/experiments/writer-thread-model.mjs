/**
 * A model of the next step for the engine-vs-raw-inserts target (bench/profile.md, section 0): journal
 * inserts run by a writer thread, batches posted by the main thread, which spends `mainUsPerRow` of CPU
 * per row first (standing in for deciding and answering a command), with `inFlight` batches outstanding.
 * Prints rows/s beside the raw in-thread loop of the bench's baseline (same rows, same batch size).
 *
 * Usage: node bench/experiments/writer-thread-model.mjs [FULL|NORMAL] [inFlight=2] [batch=32] [mainUsPerRow=8] [seconds=3]
 * (64 closed-loop callers as two batches of 32 in flight: `FULL 2 32 8`; today's one batch of 64: `FULL 1 64 8`.)
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';

const [durability = 'FULL', inFlight = '2', batch = '32', mainUsPerRow = '8', seconds = '3'] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'writer-model-'));
const SCHEMA = 'CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, at_ms INTEGER NOT NULL, stream TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL)';
const INSERT = 'INSERT INTO journal (seq, at_ms, stream, type, data) VALUES (?, ?, ?, ?, ?)';
const data = JSON.stringify({ pad: 'x'.repeat(217) }); // the engine's mean journal row is ~257 B
const rowsPerBatch = Number(batch);
// As src/persistence/database.ts sets it for the engine and the bench's raw baseline: the WAL grows
// through a run instead of being checkpointed and rewritten in place (which makes each flush cheaper).
const AUTOCHECKPOINT_PAGES = 50_000;

function open(path) {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${durability}`);
  db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  db.exec(SCHEMA);
  return db;
}

function spin(us) {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}

function rawLoop() {
  const db = open(join(dir, 'raw.db'));
  const insert = db.prepare(INSERT);
  let seq = 0;
  const run = db.transaction((count) => {
    for (let i = 0; i < count; i++) insert.run(++seq, Date.now(), 'schedule:sch_model', 'reservation.held', data);
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
db.pragma('journal_mode = WAL');
db.pragma('synchronous = ' + workerData.durability);
db.pragma('wal_autocheckpoint = ' + workerData.autocheckpoint);
db.exec(workerData.schema);
const insert = db.prepare(workerData.insert);
const run = db.transaction((rows) => { for (const r of rows) insert.run(r[0], r[1], r[2], r[3], r[4]); });
parentPort.on('message', (rows) => { run(rows); parentPort.postMessage(rows.length); });
`;

async function writerLoop() {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { driverPath: createRequire(import.meta.url).resolve('better-sqlite3'), path: join(dir, 'writer.db'), durability, schema: SCHEMA, insert: INSERT, autocheckpoint: AUTOCHECKPOINT_PAGES },
  });
  let seq = 0;
  let rows = 0;
  let outstanding = 0;
  const startedAt = performance.now();
  const deadline = startedAt + Number(seconds) * 1000;
  const send = () => {
    const batchRows = [];
    for (let i = 0; i < rowsPerBatch; i++) {
      spin(Number(mainUsPerRow));
      batchRows.push([++seq, Date.now(), 'schedule:sch_model', 'reservation.held', data]);
    }
    outstanding++;
    worker.postMessage(batchRows);
  };
  await new Promise((resolve) => {
    worker.on('message', (count) => {
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
  console.log(`${durability}: writer thread, ${inFlight} batch(es) of ${rowsPerBatch} in flight, ${mainUsPerRow} µs of main-thread work per row: ${Math.round(writer)} rows/s; raw loop in batches of 64: ${Math.round(raw)} rows/s; ratio ${(writer / raw).toFixed(2)}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
