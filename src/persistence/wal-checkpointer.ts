/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT of whichever
 * transaction crosses the threshold, so one unlucky group commit copies megabytes back into the database
 * (and fsyncs it) while every request of that turn waits: the p99 tail. Here a worker thread with its own
 * connection runs PASSIVE checkpoints on a timer, which never block the writer; the writer keeps a high
 * automatic threshold only as a safety valve in case the worker falls behind or dies.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Durability } from '../actors/engine-options.js';

export const WRITER_AUTOCHECKPOINT_PAGES = 50_000;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.dbPath);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.durability);
let stopped = false;
const timer = setInterval(() => {
  if (stopped) return;
  try {
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ type: 'checkpoint', result });
  } catch (error) {
    parentPort.postMessage({ type: 'error', message: String(error && error.message || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  stopped = true;
  clearInterval(timer);
  db.close();
  parentPort.postMessage({ type: 'stopped' });
});
`;

export class WalCheckpointer {
  private readonly worker: Worker;
  private stopping: Promise<void> | null = null;

  constructor(dbPath: string, durability: Durability, intervalMs: number, logger: Logger) {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { dbPath, durability, intervalMs, driverPath } });
    this.worker.unref();
    this.worker.on('message', (message: { type: string; message?: string }) => {
      if (message.type === 'error') logger.warn({ error: message.message }, 'WAL checkpoint failed; the writer\'s automatic checkpoint remains');
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
