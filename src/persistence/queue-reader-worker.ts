/**
 * The worker thread's side of reading the waiting room (see queue-load.ts): its code, evaluated as
 * plain CommonJS so that it runs the same from src/ under the tests and from dist/, and the messages it
 * sends. The worker opens its own read-only connection, reads in one read transaction, and sends the
 * token rows in batches of columns followed by an 'end' with the total and the waiting room's token and
 * user indexes, built for the rows in the order sent.
 */
import { keyHash, tableCapacityFor } from '../machines/record-index.js';
import type { RestoredIndexTables } from '../machines/waiting-room.js';

export type RowsBatch = { kind: 'rows'; count: number; strings: string; lengths: Uint32Array; times: Float64Array; active: Uint8Array };
export type WorkerMessage =
  | RowsBatch
  | { kind: 'end'; count: number; tables?: RestoredIndexTables }
  | { kind: 'error'; message: string };

// A batch of rows is columns: one string of every token and user id, their lengths (UTF-16 units), and
// per token seq, issuedAtMs, activeUntilMs and whether it is ACTIVE.
//
// The indexes: hashing and placing two million keys took ~0.9 s of the main thread after a kill -9;
// this thread runs while the main thread loads modules and replays schedules, and it holds every id as
// one string per chunk already. It runs the index's own hash and capacity functions (their source is evaluated here).
export const QUEUE_READER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const CHUNK_ROWS = 8192;
const BATCH_ROWS = 8 * CHUNK_ROWS;
const SPACE = 32;
const MINUS = 45;
${keyHash.toString()}
${tableCapacityFor.toString()}
let db;
try {
  db = new Database(workerData.dbPath, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
  db.transaction(sendRows)();
} catch (error) {
  parentPort.postMessage({ kind: 'error', message: String((error && error.message) || error) });
} finally {
  if (db !== undefined && db.open) db.close();
}

// Stepping a million rows through the driver took 1.1-1.2 s doing nothing with them (an array and six
// values per row) and 1.7-1.9 s copying their ids out; SQLite concatenating each chunk's ids and numbers
// into two strings, parsed here, took 1.0-1.2 s for the whole job (this machine, one core free). SQLite's
// length() counts code points where JavaScript counts UTF-16 units, so a chunk whose lengths do not add up
// (ids beyond the BMP), or whose numbers are not plain integers, is read again row by row.
function sendRows() {
  const chunkStmt = db.prepare("SELECT max(seq), count(*), group_concat(token || user_id, ''), "
    + "group_concat(seq || ' ' || issued_at_ms || ' ' || active_until_ms || ' ' || (status = 'ACTIVE') || ' ' || length(token) || ' ' || length(user_id), ' ') "
    + 'FROM (SELECT token, user_id, seq, status, issued_at_ms, active_until_ms FROM queue_tokens WHERE seq > ? ORDER BY seq LIMIT ?)').raw();
  const rowsStmt = db.prepare('SELECT token, user_id, seq, status, issued_at_ms, active_until_ms FROM queue_tokens WHERE seq > ? ORDER BY seq LIMIT ?').raw();
  const expected = db.prepare('SELECT count(*) FROM queue_tokens').pluck().get();
  const tables = { token: newTable(expected), userId: newTable(expected) };
  let batch = newBatch();
  let afterSeq = -Infinity;
  let total = 0;
  for (;;) {
    const [lastSeq, rows, ids, numbers] = chunkStmt.get(afterSeq, CHUNK_ROWS);
    if (rows === 0) break;
    if (batch.count + rows > BATCH_ROWS) {
      send(batch);
      batch = newBatch();
    }
    const chunkIds = parseChunk(numbers, rows, batch.count, ids.length, batch) ? ids : readChunkByRow(rowsStmt, afterSeq, rows, batch.count, batch);
    batch.parts.push(chunkIds);
    if (total + rows > expected) throw new Error('queue_tokens changed while being read');
    fileChunk(tables, chunkIds, batch.lengths, batch.count, rows, total);
    batch.count += rows;
    total += rows;
    afterSeq = lastSeq;
  }
  if (batch.count > 0) send(batch);
  if (total !== expected) throw new Error('queue_tokens changed while being read');
  const buffers = [tables.token.slots.buffer, tables.token.hashes.buffer, tables.userId.slots.buffer, tables.userId.hashes.buffer];
  parentPort.postMessage({ kind: 'end', count: total, tables }, buffers);
}

function newTable(count) {
  const capacity = tableCapacityFor(count);
  return { seed: (Math.random() * 0x100000000) >>> 0, slots: new Int32Array(capacity), hashes: new Int32Array(capacity) };
}

/** Files a chunk's tokens (ordinals from 'firstOrdinal') in both tables; their ids are 'ids', in order. */
function fileChunk(tables, ids, lengths, first, rows, firstOrdinal) {
  let at = 0;
  for (let r = 0; r < rows; r++) {
    const tokenEnd = at + lengths[2 * (first + r)];
    const userEnd = tokenEnd + lengths[2 * (first + r) + 1];
    place(tables.token, keyHash(ids, at, tokenEnd, tables.token.seed), firstOrdinal + r);
    place(tables.userId, keyHash(ids, tokenEnd, userEnd, tables.userId.seed), firstOrdinal + r);
    at = userEnd;
  }
}

/** Linear probing, as RecordIndex.add; the table is sized for every row, so an empty slot is always found. */
function place(table, hash, ordinal) {
  const { slots, hashes } = table;
  const mask = slots.length - 1;
  let i = hash & mask;
  while (slots[i] !== 0) i = (i + 1) & mask;
  slots[i] = ordinal + 1;
  hashes[i] = hash;
}

function newBatch() {
  return { count: 0, parts: [], lengths: new Uint32Array(BATCH_ROWS * 2), times: new Float64Array(BATCH_ROWS * 3), active: new Uint8Array(BATCH_ROWS) };
}

function send(batch) {
  const { count, lengths, times, active } = batch;
  parentPort.postMessage({ kind: 'rows', count, strings: batch.parts.join(''), lengths, times, active }, [lengths.buffer, times.buffer, active.buffer]);
}

/** Six space-separated integers per row into the batch from row 'first'; false if anything is off. */
function parseChunk(text, rows, first, idsLength, batch) {
  const { lengths, times, active } = batch;
  let row = first;
  let field = 0;
  let value = 0;
  let negative = false;
  let digits = 0;
  let idChars = 0;
  for (let k = 0; k <= text.length; k++) {
    const c = k < text.length ? text.charCodeAt(k) : SPACE;
    if (c === SPACE) {
      if (digits === 0 || value > Number.MAX_SAFE_INTEGER) return false;
      const v = negative ? -value : value;
      if (field < 3) times[3 * row + field] = v;
      else if (field === 3) active[row] = v;
      else {
        lengths[2 * row + field - 4] = v;
        idChars += v;
      }
      value = 0;
      negative = false;
      digits = 0;
      if (field === 5) {
        field = 0;
        row++;
      } else field++;
    } else if (c === MINUS && digits === 0 && !negative) negative = true;
    else if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
    } else return false;
  }
  return field === 0 && row === first + rows && idChars === idsLength;
}

function readChunkByRow(rowsStmt, afterSeq, rows, first, batch) {
  const { lengths, times, active } = batch;
  const ids = [];
  let row = first;
  for (const [token, userId, seq, status, issuedAtMs, activeUntilMs] of rowsStmt.iterate(afterSeq, rows)) {
    ids.push(token, userId);
    lengths[2 * row] = token.length;
    lengths[2 * row + 1] = userId.length;
    times[3 * row] = seq;
    times[3 * row + 1] = issuedAtMs;
    times[3 * row + 2] = activeUntilMs;
    active[row] = status === 'ACTIVE' ? 1 : 0;
    row++;
  }
  if (row !== first + rows) throw new Error('queue_tokens changed while being read');
  return ids.join('');
}
`;
