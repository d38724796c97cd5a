/**
 * Reading the waiting room for recovery, off the event loop when it is big.
 *
 * Why: stepping a million `queue_tokens` rows through better-sqlite3 costs ~1-1.6 s of the main thread
 * (after a kill -9 there is no packed image from a shutdown), and even the image's 40 MB of text takes
 * ~0.5 s to read. A worker thread with its own read-only connection reads it while the main thread loads
 * modules, compiles the HTTP routes and replays the schedules. Rows come over in batches (one string of
 * ids plus typed arrays each), so the main thread restores the first batches while the worker is still
 * reading the last ones; the worker also builds the token and user indexes' tables for them, which the
 * waiting room adopts instead of hashing two million keys on the main thread.
 *
 * Consistency: the load starts when the engine is created, after the migrations, and the engine writes
 * nothing before recovery has restored the waiting room, so the worker reads the same committed state
 * the main thread recovers the rest from. A worker that fails costs only time: the main thread reads
 * the rows after the last token it was handed.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { decodeQueueImage, QUEUE_STREAM } from './queue-image.js';
import { QUEUE_READER_SOURCE, type RowsBatch, type WorkerMessage } from './queue-reader-worker.js';
import type { RestoredIndexTables } from '../machines/waiting-room.js';
import type { QueueTokenImage, Store } from './store.js';

/**
 * Below this many tokens a thread costs more than it saves: starting one and loading the driver in it
 * took 60-70 ms here, about what reading 50,000 rows on the main thread takes (1.1-1.6 µs a row).
 */
const DEFAULT_OFF_THREAD_MIN_TOKENS = 50_000;

/**
 * The waiting room being read. Iterate `batches()` once, to the end; `source`, `offThread` and
 * `workerError` are final after that.
 */
export interface QueueLoad {
  /** Live tokens in seq order, batch after batch. Each batch hands out ONE object refilled per step: copy what you keep. */
  batches(): AsyncIterable<Iterable<QueueTokenImage>>;
  /** The packed image written at the last graceful shutdown, or the token rows (after a crash). */
  readonly source: 'image' | 'rows';
  /** Whether a worker thread did all of the reading. */
  readonly offThread: boolean;
  /** Why the worker's reading was not (all) used, when it was not: the main thread read the rest. */
  readonly workerError: string | undefined;
  /** The token and user indexes' tables, for the tokens in the order handed over, when the worker built them. */
  readonly indexTables: RestoredIndexTables | undefined;
  /** Stops a worker still reading (an engine closed without starting). */
  cancel(): Promise<void>;
}

/** Which source recovery will use, and whether it holds enough tokens for a thread; reads no token data. */
function planQueueLoad(store: Store, minTokensOffThread: number): { source: 'image' | 'rows'; big: boolean } {
  const image = store.queueImageHeader();
  // Every change to queue_tokens is journaled under QUEUE_STREAM in its transaction: no such row after
  // the image means the rows have not changed since it was written.
  if (image !== undefined && !store.journaledAfter(QUEUE_STREAM, image.journalSeq)) return { source: 'image', big: image.count >= minTokensOffThread };
  return { source: 'rows', big: store.hasQueueTokens(minTokensOffThread) };
}

/** The waiting room read on this thread, in one batch, when it is asked for. */
class InThreadQueueLoad implements QueueLoad {
  source: 'image' | 'rows';
  readonly offThread = false;
  readonly workerError = undefined;
  readonly indexTables = undefined;

  constructor(private readonly store: Store, planned: 'image' | 'rows') {
    this.source = planned;
  }

  async *batches(): AsyncIterable<Iterable<QueueTokenImage>> {
    if (this.source === 'image') {
      const image = this.store.queueImage();
      const tokens = image === undefined ? null : decodeQueueImage(image);
      if (tokens !== null) {
        yield tokens;
        return;
      }
      // A torn or foreign image is never trusted: the rows are the truth.
      this.source = 'rows';
    }
    yield this.store.queueTokens();
  }

  cancel(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Starts reading the waiting room: in a worker thread when the database is a file and the room holds
 * at least `minTokensOffThread` tokens, else on this thread when the batches are asked for.
 */
export function startQueueLoad(store: Store, dbPath: string, minTokensOffThread = DEFAULT_OFF_THREAD_MIN_TOKENS): QueueLoad {
  const plan = planQueueLoad(store, minTokensOffThread);
  if (dbPath === ':memory:' || !plan.big) return new InThreadQueueLoad(store, plan.source);
  return new WorkerQueueLoad(store, dbPath, plan.source);
}

class WorkerQueueLoad implements QueueLoad {
  source: 'image' | 'rows';
  offThread = true;
  workerError: string | undefined;
  indexTables: RestoredIndexTables | undefined;
  private readonly worker: Worker;
  private readonly inbox: WorkerMessage[] = [];
  private wake: (() => void) | null = null;
  private answered = false;

  constructor(
    private readonly store: Store,
    dbPath: string,
    planned: 'image' | 'rows',
  ) {
    this.source = planned;
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(QUEUE_READER_SOURCE, { eval: true, workerData: { dbPath, source: planned, driverPath } });
    this.worker.unref();
    this.worker.on('message', (message: WorkerMessage) => this.receive(message));
    this.worker.once('error', (error) => this.receive({ kind: 'error', message: error.message }));
    this.worker.once('exit', (code) => this.receive({ kind: 'error', message: `worker exited with ${code} before it finished` }));
  }

  async *batches(): AsyncIterable<Iterable<QueueTokenImage>> {
    let lastSeq = Number.NEGATIVE_INFINITY;
    let received = 0;
    for (;;) {
      const message = await this.next();
      if (message.kind === 'rows') {
        const tokens = columnsOf(message);
        if (tokens === null) {
          this.fail('a batch of rows from the worker does not add up');
          break;
        }
        // The whole batch is restored before the next step asks for more.
        yield tokens;
        received += message.count;
        lastSeq = message.times[3 * (message.count - 1)] as number;
      } else if (message.kind === 'end') {
        if (message.count === received) {
          this.indexTables = message.tables;
          return;
        }
        this.fail(`the worker sent ${received} of ${message.count} rows`);
        break;
      } else if (message.kind === 'image') {
        const { numbers } = message;
        const tokens = decodeQueueImage({ count: message.count, strings: message.strings, numbers: Buffer.from(numbers.buffer, numbers.byteOffset, numbers.byteLength) });
        if (tokens !== null) {
          yield tokens;
          return;
        }
        this.fail('the queue image does not hold together');
        break;
      } else {
        this.fail(message.message);
        break;
      }
    }
    // Nothing writes before recovery ends, so the rows after the last restored token are the rest.
    this.source = 'rows';
    yield this.store.queueTokens(lastSeq);
  }

  async cancel(): Promise<void> {
    await this.worker.terminate();
  }

  private receive(message: WorkerMessage): void {
    if (this.answered) return;
    if (message.kind !== 'rows') this.answered = true;
    this.inbox.push(message);
    this.wake?.();
  }

  private async next(): Promise<WorkerMessage> {
    while (this.inbox.length === 0) await new Promise<void>((resolve) => { this.wake = resolve; });
    this.wake = null;
    return this.inbox.shift() as WorkerMessage;
  }

  private fail(reason: string): void {
    this.workerError = reason;
    this.offThread = false;
    void this.worker.terminate();
  }
}

/** A batch's columns as tokens, or null when they do not add up (never trusted then). */
function columnsOf(batch: RowsBatch): Iterable<QueueTokenImage> | null {
  const { count, strings, lengths, times, active } = batch;
  if (!(count > 0) || lengths.length < 2 * count || times.length < 3 * count || active.length < count) return null;
  let total = 0;
  for (let i = 0; i < 2 * count; i++) total += lengths[i] as number;
  if (total !== strings.length) return null;
  return {
    *[Symbol.iterator]() {
      const token: QueueTokenImage = { token: '', userId: '', seq: 0, status: 'WAITING', issuedAtMs: 0, activeUntilMs: 0 };
      let at = 0;
      for (let i = 0; i < count; i++) {
        const tokenLength = lengths[2 * i] as number;
        const userLength = lengths[2 * i + 1] as number;
        // slice shares the batch's string: no copy per token.
        token.token = strings.slice(at, at + tokenLength);
        token.userId = strings.slice(at + tokenLength, at + tokenLength + userLength);
        at += tokenLength + userLength;
        token.seq = times[3 * i] as number;
        token.issuedAtMs = times[3 * i + 1] as number;
        token.activeUntilMs = times[3 * i + 2] as number;
        token.status = active[i] === 1 ? 'ACTIVE' : 'WAITING';
        yield token;
      }
    },
  };
}
