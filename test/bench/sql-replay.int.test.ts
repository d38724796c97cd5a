import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { recordWrites, replayInto } from '../../bench/workers/sql-replay.js';
import { openDatabase } from '../../src/persistence/database.js';
import { createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';

let h: Harness;
afterEach(async () => h?.dispose());

const COMMAND_TABLES = [
  'SELECT * FROM journal ORDER BY seq',
  'SELECT * FROM transfers ORDER BY transfer_id',
  'SELECT * FROM ledger_entries ORDER BY entry_id',
  "SELECT * FROM accounts WHERE kind = 'USER' ORDER BY account_id",
  'SELECT * FROM ended_reservations ORDER BY reservation_id',
  'SELECT * FROM snapshots ORDER BY stream',
];

describe('the engine\'s writes replayed raw (bench floor)', () => {
  it('given a recorded run of holds, a cancel, a charge, a payment and a checkpoint, then the replay writes the very same rows', async () => {
    h = await openHarness();
    await h.engine.start();
    const { recording, stop } = recordWrites(h.engine);
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const cancelled = await h.engine.hold({ userId: 'ann', scheduleId, seatNumbers: [1] });
    if (!cancelled.ok) throw new Error(cancelled.error.code);
    expect((await h.engine.cancelReservation('ann', cancelled.value.reservationId)).ok).toBe(true);
    expect((await h.engine.charge({ userId: 'ann', amount: 500_000 })).ok).toBe(true);
    const held = await h.engine.hold({ userId: 'ann', scheduleId, seatNumbers: [2, 3] });
    if (!held.ok) throw new Error(held.error.code);
    expect((await h.engine.pay({ userId: 'ann', reservationId: held.value.reservationId })).ok).toBe(true);
    // A command after the checkpoint interval makes its transaction archive the cancelled hold and snapshot the schedule.
    await h.advance(11_000);
    expect((await h.engine.charge({ userId: 'bo', amount: 1_000 })).ok).toBe(true);
    stop();

    const engineDb = new Database(h.dbPath, { readonly: true });
    const replayDb = openDatabase(':memory:', 'NORMAL');
    try {
      const run = replayInto(replayDb, recording, { fromCommit: 0, toCommit: recording.commitEnds.length });
      expect(run.transactions).toBe(recording.commitEnds.length);
      expect(run.statements).toBe(recording.calls.length);
      for (const sql of COMMAND_TABLES) {
        const written = engineDb.prepare(sql).all();
        expect(written.length, sql).toBeGreaterThan(0);
        expect(replayDb.prepare(sql).all(), sql).toEqual(written);
      }
    } finally {
      engineDb.close();
      replayDb.close();
    }
  });
});
