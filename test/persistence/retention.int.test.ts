import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { BookingEngine } from '../../src/domain/engine.js';
import { openDatabase } from '../../src/persistence/database.js';
import { startQueueLoad } from '../../src/persistence/queue-load.js';
import { CHECKPOINT_SEQ_KEY, recover } from '../../src/persistence/recovery.js';
import { DEFAULT_RETENTION } from '../../src/persistence/retention.js';
import { Store } from '../../src/persistence/store.js';
import { createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';

/**
 * Given a steady stream of holds, cancels, charges and payments, when checkpoints pass, then the journal
 * keeps only the rows recovery may need (plus one interval), records past their retention go, and a
 * kill -9 after the trim recovers the same state.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

const FANS = ['ann', 'ben', 'cat', 'dan'];
const CHECKPOINT_EVERY_MS = 10_000;

function journal(dbPath: string): { rows: number; minSeq: number; maxSeq: number; checkpointSeq: number } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const { rows, minSeq, maxSeq } = db.prepare('SELECT COUNT(*) AS rows, COALESCE(MIN(seq), 0) AS minSeq, COALESCE(MAX(seq), 0) AS maxSeq FROM journal').get() as { rows: number; minSeq: number; maxSeq: number };
    const checkpointSeq = Number(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(CHECKPOINT_SEQ_KEY) ?? 0);
    return { rows, minSeq, maxSeq, checkpointSeq };
  } finally {
    db.close();
  }
}

function count(dbPath: string, table: string): number {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;
  } finally {
    db.close();
  }
}

function endedReservations(dbPath: string): Array<{ reservationId: string; userId: string }> {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare('SELECT reservation_id AS reservationId, user_id AS userId FROM ended_reservations ORDER BY reservation_id').all() as Array<{ reservationId: string; userId: string }>;
  } finally {
    db.close();
  }
}

/** One round: every fan holds two seats, then cancels, pays or leaves the hold to run out. */
async function round(engine: BookingEngine, scheduleId: string, n: number): Promise<void> {
  for (const [i, userId] of FANS.entries()) {
    const first = ((n * FANS.length + i) * 2) % 40 + 1;
    const hold = await engine.hold({ userId, scheduleId, seatNumbers: [first, first + 1] });
    if (!hold.ok) continue;
    const choice = (n + i) % 3;
    if (choice === 0) await engine.cancelReservation(userId, hold.value.reservationId);
    if (choice === 1) {
      await engine.charge({ userId, amount: hold.value.totalPrice, idempotency: { key: `c-${hold.value.reservationId}`, requestHash: 'h' } });
      await engine.pay({ userId, reservationId: hold.value.reservationId, idempotency: { key: `p-${hold.value.reservationId}`, requestHash: 'h' } });
    }
  }
}

/** Days later, without running every timer tick in between (each due timer fires once). */
async function later(harness: Harness, ms: number): Promise<void> {
  harness.clock.stall(ms - 1);
  await harness.advance(1);
}

/** Everything a fan or the box office can see. */
function state(engine: BookingEngine, scheduleId: string): unknown {
  const seats = engine.getSeatMap(scheduleId);
  return {
    seats: seats.ok ? seats.value.seats.map((s) => `${s.seatNumber}:${s.status}`) : seats,
    fans: FANS.map((userId) => ({
      balance: engine.getBalance(userId).balance,
      reservations: engine.listReservations(userId).map((r) => `${r.reservationId}:${r.status}`).sort(),
    })),
    // The queue's rate estimate is not the journal's business.
    stats: { ...engine.stats(), queue: null },
  };
}

describe('retention: the journal behind the checkpoints', () => {
  it('is trimmed as checkpoints pass, and a kill -9 after the trim recovers the same state', async () => {
    h = await openHarness({ holdTtlMs: 15_000 });
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const checkpoints: number[] = [];
    for (let n = 0; n < 12; n++) {
      await round(h.engine, scheduleId, n);
      await h.advance(CHECKPOINT_EVERY_MS); // the next batch checkpoints
      checkpoints.push(journal(h.dbPath).checkpointSeq);
    }
    await round(h.engine, scheduleId, 12); // trims up to the checkpoint before the last one

    const after = journal(h.dbPath);
    expect(after.maxSeq).toBeGreaterThan(80);
    // Nothing recovery needs is gone, and the rows kept are contiguous...
    expect(after.minSeq).toBeLessThanOrEqual(after.checkpointSeq + 1);
    expect(after.rows).toBe(after.maxSeq - after.minSeq + 1);
    // ...and nothing is kept from before the checkpoint before the last one.
    expect(after.minSeq).toBe(checkpoints.at(-2)! + 1);
    expect(after.rows).toBeLessThan(after.maxSeq / 4);

    const before = state(h.engine, scheduleId);
    const engine = await h.crash();
    expect(state(engine, scheduleId)).toEqual(before);
    // The numbering goes on after the kept rows: a new hold commits and survives another crash.
    const hold = await engine.hold({ userId: 'eve', scheduleId, seatNumbers: [50] });
    expect(hold.ok).toBe(true);
    expect(journal(h.dbPath).maxSeq).toBe(after.maxSeq + 1);
    const again = state(engine, scheduleId);
    expect(state(await h.crash(), scheduleId)).toEqual(again);
  });

  it('recovery numbers on after the checkpoint when the journal was trimmed empty', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    await h.engine.hold({ userId: 'ann', scheduleId, seatNumbers: [1] });
    await h.engine.close(); // the shutdown checkpoint covers every row
    const db = openDatabase(h.dbPath, 'NORMAL');
    try {
      const store = new Store(db);
      const checkpointSeq = Number(store.getMeta(CHECKPOINT_SEQ_KEY));
      db.exec('DELETE FROM journal');
      const report = await recover(store, {
        addConcert: () => undefined, addSchedule: () => undefined, planOf: () => { throw new Error('no layouts here'); }, replaySchedule: () => undefined, restoreWallet: () => undefined,
        beginQueueRestore: () => ({ add: () => undefined, finish: () => ({ count: 0, indexesAdopted: false }) }),
      }, Date.now(), startQueueLoad(store, ':memory:', Number.POSITIVE_INFINITY));
      expect(checkpointSeq).toBeGreaterThan(0);
      expect(report.lastSeq).toBe(checkpointSeq);
    } finally {
      db.close();
    }
  });
});

describe('retention: records past their time', () => {
  it('purges idempotency records after 48 hours and ended reservations after 30 days, a bounded batch per commit', async () => {
    h = await openHarness({ holdTtlMs: 15_000 });
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    for (let n = 0; n < 3; n++) await round(h.engine, scheduleId, n);
    await h.advance(CHECKPOINT_EVERY_MS);
    await round(h.engine, scheduleId, 3);
    const keys = count(h.dbPath, 'idempotency');
    const ended = endedReservations(h.dbPath);
    expect(keys).toBeGreaterThan(0);
    expect(ended.length).toBeGreaterThan(0);
    const cancelled = h.engine.stats().reservations.cancelled;

    await later(h, DEFAULT_RETENTION.idempotencyRetentionMs); // rounds 0-2 are older than that, round 3 is not
    await round(h.engine, scheduleId, 4);
    expect(count(h.dbPath, 'idempotency')).toBeGreaterThan(0);
    expect(count(h.dbPath, 'idempotency')).toBeLessThan(keys);
    expect(endedReservations(h.dbPath)).toEqual(expect.arrayContaining(ended));

    await later(h, DEFAULT_RETENTION.archiveRetentionMs);
    await round(h.engine, scheduleId, 5); // checkpoints, then purges what ended 30 days ago
    await h.engine.charge({ userId: 'ann', amount: 1 }); // one more commit
    const kept = endedReservations(h.dbPath);
    expect(kept.length).toBeGreaterThan(0); // what ended since
    for (const { reservationId } of ended) expect(kept.some((row) => row.reservationId === reservationId)).toBe(false);
    const first = ended[0]!;
    expect(h.engine.getReservation(first.userId, first.reservationId)).toMatchObject({ ok: false, error: { code: 'RESERVATION_NOT_FOUND' } });
    // The all-time counts stay, also across a restart.
    expect(h.engine.stats().reservations.cancelled).toBeGreaterThan(cancelled);
    const total = h.engine.stats().reservations;
    expect((await h.crash()).stats().reservations).toEqual(total);
  });
});
