/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT of whichever
 * transaction crosses the threshold, so one unlucky group commit copies megabytes back into the database
 * (and fsyncs it) while every request of that turn waits: the p99 tail. Here a worker thread with its own
 * connection runs PASSIVE checkpoints on a timer, which never block the writer; the writer keeps a high
 * automatic threshold only as a safety valve in case the worker falls behind or dies.
 *
 * PASSIVE alone is not enough under sustained writes: SQLite rewinds the WAL only when a write begins with
 * every frame copied back, and a busy writer always appends more while a checkpoint copies. The file grew
 * ~23 MB a second until the writer's own checkpoint copied 50,000 pages inside one COMMIT (the longest
 * event-loop gaps in 20-30 s of hold+cancel, two runs each: 142-181 ms at FULL, 196-298 ms at NORMAL,
 * every few seconds; `bench/experiments/wal-stalls.ts`). So when a
 * PASSIVE has copied back a WAL of `rewindAfterPages` frames or more, the worker syncs what it copied and
 * asks the writer's thread to rewind the WAL (`rewind`): a RESTART there copies and syncs only what was
 * written since (measured: 1-7 ms at FULL, median ~10 ms at NORMAL), and the next write starts the WAL from its head. The worker pauses until the
 * writer answers, so the two never wait for each other's locks.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Durability } from './durability.js';
import { BUSY_TIMEOUT_MS } from './database.js';

/** 4 MB of 4 KiB pages, the size at which SQLite checkpoints by default. */
export const DEFAULT_REWIND_AFTER_PAGES = 1_024;

const WORKER_SOURCE = `
const { closeSync, fsyncSync, openSync } = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.dbPath);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
db.pragma('synchronous = ' + workerData.durability);
let stopped = false;
let awaitingRewind = false;
const timer = setInterval(() => {
  if (stopped || awaitingRewind) return;
  try {
    let [result] = db.pragma('wal_checkpoint(PASSIVE)');
    let rewind = result.log >= workerData.rewindAfterPages && result.checkpointed === result.log;
    if (rewind) {
      // SQLite syncs the database file only when a checkpoint reaches the end of the WAL, which a PASSIVE
      // under sustained writes never does: the pages it copied are still dirty. Copy what came during the
      // long first pass, sync all of it here, and copy what came during the sync, so the writer's RESTART
      // has a few frames left to copy and sync (measured: a RESTART on the writer's thread took 28-50 ms
      // without this, 1-7 ms at FULL with it).
      db.pragma('wal_checkpoint(PASSIVE)');
      const fd = openSync(workerData.dbPath, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      [result] = db.pragma('wal_checkpoint(PASSIVE)');
      rewind = result.checkpointed === result.log;
    }
    awaitingRewind = rewind;
    parentPort.postMessage({ type: 'checkpoint', result, rewind });
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'rewound') {
    awaitingRewind = false;
    return;
  }
  if (message !== 'stop') return;
  stopped = true;
  clearInterval(timer);
  db.close();
  parentPort.postMessage({ type: 'stopped' });
});
`;

export interface WalCheckpointerOptions {
  dbPath: string;
  durability: Durability;
  intervalMs: number;
  logger: Logger;
  /** Rewinds the WAL on the writer's connection (between transactions); called after a PASSIVE copied back a big WAL. */
  rewind: () => void;
  rewindAfterPages?: number;
}

export class WalCheckpointer {
  private readonly worker: Worker;
  private stopping: Promise<void> | null = null;

  constructor({ dbPath, durability, intervalMs, logger, rewind, rewindAfterPages = DEFAULT_REWIND_AFTER_PAGES }: WalCheckpointerOptions) {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dbPath, durability, intervalMs, driverPath, rewindAfterPages, busyTimeoutMs: BUSY_TIMEOUT_MS } });
    this.worker.unref();
    this.worker.on('message', (message: { type: string; message?: string; rewind?: boolean }) => {
      if (message.type === 'error') logger.warn({ error: message.message }, 'WAL checkpoint failed; the writer\'s automatic checkpoint remains');
      if (message.rewind === true && this.stopping === null) {
        try {
          rewind();
        } catch (error) {
          logger.warn({ err: error }, 'WAL rewind failed; the next checkpoint tries again');
        }
        this.worker.postMessage('rewound');
      }
    });
    this.worker.on('error', (error) => logger.warn({ err: error }, 'WAL checkpointer stopped; the writer\'s automatic checkpoint remains'));
  }

  /** Stops the timer and closes the worker's connection (before the writer closes its own). */
  stop(): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      const done = (): void => {
        void this.worker.terminate().finally(resolve);
      };
      const timeout = setTimeout(done, 2_000);
      this.worker.once('message', (message: { type: string }) => {
        if (message.type === 'stopped') {
          clearTimeout(timeout);
          done();
        }
      });
      this.worker.once('exit', () => {
        clearTimeout(timeout);
        resolve();
      });
      this.worker.postMessage('stop');
    });
    return this.stopping;
  }
}
