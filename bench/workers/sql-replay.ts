/**
 * The engine's own writes, replayed raw. While recording, every statement that writes (its SQL text,
 * its parameters and whether it was `run` or `get`, as `UPDATE ... RETURNING` is) is kept in order with
 * where each group commit ended; a replay runs exactly those statements on a fresh database opened by
 * `database.ts` (same schema, same pragmas, SQLite's own sync at FULL like the raw baseline), in the
 * same transactions, with no engine around them. Its rate is what the engine would reach if deciding,
 * building journal JSON and answering cost nothing: it splits the gap to raw inserts into the SQLite
 * work the commands need and the engine's own work.
 *
 * Recording wraps better-sqlite3's Statement prototype in this process, so it is a bench-only tool and
 * is switched on only after the timed runs.
 */
import { rmSync } from 'node:fs';
import Database, { type Statement } from 'better-sqlite3';
import type { BookingEngine } from '../../src/domain/engine.js';
import { openDatabase, type SqliteDatabase } from '../../src/persistence/database.js';

interface RecordedCall { sql: string; method: 'run' | 'get'; params: unknown[] }

export interface Recording {
  calls: RecordedCall[];
  /** `calls.length` when each group commit was acknowledged: the transactions' ends. */
  commitEnds: number[];
  /** Commands per group commit, same order. */
  commitCommands: number[];
}

/** A window of recorded transactions: [fromCommit, toCommit). */
export interface ReplayWindow { fromCommit: number; toCommit: number }

type StatementMethod = (this: Statement, ...params: unknown[]) => unknown;

/** Starts recording the writes of every statement of this process; `stop()` restores better-sqlite3. */
export function recordWrites(engine: BookingEngine): { recording: Recording; stop: () => void } {
  const recording: Recording = { calls: [], commitEnds: [], commitCommands: [] };
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as { run: StatementMethod; get: StatementMethod };
  probe.close();
  const originalRun = proto.run;
  const originalGet = proto.get;
  const wrap = (method: 'run' | 'get', original: StatementMethod): StatementMethod => function recorded(this: Statement, ...params: unknown[]) {
    // Transaction control reports itself read-only (SQLite's rule), so BEGIN/COMMIT are not recorded; pragmas are not the commands' work.
    if (!this.readonly && !/^\s*PRAGMA/i.test(this.source)) recording.calls.push({ sql: this.source, method, params });
    return original.apply(this, params);
  };
  proto.run = wrap('run', originalRun);
  proto.get = wrap('get', originalGet);
  const unobserve = engine.observe({ committed: (batch) => {
    recording.commitEnds.push(recording.calls.length);
    recording.commitCommands.push(batch.commands);
  } });
  return {
    recording,
    stop: () => {
      proto.run = originalRun;
      proto.get = originalGet;
      unobserve();
    },
  };
}

export interface ReplayRun { commandsPerSecond: number; commands: number; transactions: number; statements: number; seconds: number }

/**
 * Replays on `db` everything recorded before the window untimed (the catalogue, the charges: what the
 * window's statements rely on), then the window's transactions one by one, timed.
 */
export function replayInto(db: SqliteDatabase, recording: Recording, window: ReplayWindow): ReplayRun {
  const statements = new Map<string, Statement>();
  const statement = (sql: string): Statement => {
    let prepared = statements.get(sql);
    if (prepared === undefined) {
      prepared = db.prepare(sql);
      statements.set(sql, prepared);
    }
    return prepared;
  };
  const apply = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const call = recording.calls[i] as RecordedCall;
      const prepared = statement(call.sql);
      if (call.method === 'run') prepared.run(...call.params);
      else prepared.get(...call.params);
    }
  });
  const start = window.fromCommit === 0 ? 0 : (recording.commitEnds[window.fromCommit - 1] as number);
  apply(0, start);
  // Prepared outside the timing, as the engine prepares its statements once.
  for (let i = start; i < (recording.commitEnds[window.toCommit - 1] ?? start); i++) statement((recording.calls[i] as RecordedCall).sql);
  let commands = 0;
  let from = start;
  const startedAt = performance.now();
  for (let commit = window.fromCommit; commit < window.toCommit; commit++) {
    const to = recording.commitEnds[commit] as number;
    apply(from, to);
    from = to;
    commands += recording.commitCommands[commit] as number;
  }
  const seconds = (performance.now() - startedAt) / 1000;
  return { commandsPerSecond: Math.round(commands / seconds), commands, transactions: window.toCommit - window.fromCommit, statements: from - start, seconds: Math.round(seconds * 1000) / 1000 };
}

/** `replayInto` a fresh database at `dbPath` opened by `database.ts`, removed after. */
export function replayWrites(recording: Recording, dbPath: string, durability: 'FULL' | 'NORMAL', window: ReplayWindow): ReplayRun {
  const remove = (): void => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbPath}${suffix}`, { force: true });
  };
  remove();
  const db = openDatabase(dbPath, durability);
  try {
    return replayInto(db, recording, window);
  } finally {
    db.close();
    remove();
  }
}
