/**
 * Reading the waiting room for recovery, off the event loop when it is big.
 *
 * Why: stepping a million `queue_tokens` rows through better-sqlite3 costs ~1-1.6 s of the main thread.
 * A worker thread with its own read-only connection reads them while the main thread loads modules,
 * compiles the HTTP routes and replays the schedules. Rows come over in batches (one string of
 * ids plus typed arrays each), so the main thread restores the first batches while the worker is still
 * reading the last ones; the worker also builds the token and user indexes' tables for them, which the
 * waiting room adopts instead of hashing two million keys on the main thread. (A packed image of the
 * room written at shutdown was read faster than the rows until the worker built the indexes; then
 * a start from it took longer, 4.1 s against 3.7-3.9 s for a million tokens, and it went.)
 *
 * Consistency: the load starts when the engine is created, after the migrations, and the engine writes
 * nothing before recovery has restored the waiting room, so the worker reads the same committed state
 * the main thread recovers the rest from. A worker that fails costs only time: the main thread reads
 * the rows after the last token it was handed.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { BUSY_TIMEOUT_MS } from './database.js';
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
  /** Whether a worker thread did all of the reading. */
  readonly offThread: boolean;
  /** Why the worker's reading was not (all) used, when it was not: the main thread read the rest. */
  readonly workerError: string | undefined;
  /**
   * The token and user indexes' tables for the tokens in the order handed over, when the worker built
   * them; once: the load forgets them (32 MB for a million tokens), the waiting room keeps what it adopts.
   */
  takeIndexTables(): RestoredIndexTables | undefined;
  /** Stops a worker still reading (an engine closed without starting). */
  cancel(): Promise<void>;
}

/** The waiting room read on this thread, in one batch, when it is asked for. */
class InThreadQueueLoad implements QueueLoad {
  readonly offThread = false;
  readonly workerError = undefined;

  constructor(private readonly store: Store) {}

  async *batches(): AsyncIterable<Iterable<QueueTokenImage>> {
    yield this.store.queueTokens();
  }

  takeIndexTables(): undefined {
    return undefined;
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
  // Counting stops at the threshold: a full count of a million rows took ~160 ms.
  if (dbPath === ':memory:' || !store.hasQueueTokens(minTokensOffThread)) return new InThreadQueueLoad(store);
  return new WorkerQueueLoad(store, dbPath);
}

class WorkerQueueLoad implements QueueLoad {
  offThread = true;
  workerError: string | undefined;
  private indexTables: RestoredIndexTables | undefined;
  private readonly worker: Worker;
  private readonly inbox: WorkerMessage[] = [];
  private wake: (() => void) | null = null;
  private answered = false;

  constructor(
    private readonly store: Store,
    dbPath: string,
  ) {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(QUEUE_READER_SOURCE, { eval: true, workerData: { dbPath, driverPath, busyTimeoutMs: BUSY_TIMEOUT_MS } });
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
      } else {
        this.fail(message.message);
        break;
      }
    }
    // Nothing writes before recovery ends, so the rows after the last restored token are the rest.
    yield this.store.queueTokens(lastSeq);
  }

  takeIndexTables(): RestoredIndexTables | undefined {
    const tables = this.indexTables;
    this.indexTables = undefined;
    return tables;
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
