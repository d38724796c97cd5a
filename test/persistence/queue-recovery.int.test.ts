import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/persistence/database.js';
import { startQueueLoad } from '../../src/persistence/queue-load.js';
import { recover, type RecoveryReport } from '../../src/persistence/recovery.js';
import { Store, type QueueTokenImage } from '../../src/persistence/store.js';
import { WaitingRoom } from '../../src/machines/waiting-room.js';
import { openHarness, type Harness } from '../support/engine-harness.js';

/**
 * The waiting room comes back from its token rows, read on the main thread or by a worker that also
 * builds the indexes: after a graceful shutdown and after a crash, every fan keeps their place.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

/**
 * What recovery restores from the database file as it is into a waiting room of its own, and whether a
 * worker read it and built the indexes the room adopted.
 */
async function recovered(dbPath: string, offThread: boolean): Promise<{ report: RecoveryReport; tokens: QueueTokenImage[]; rows: QueueTokenImage[] }> {
  const db = openDatabase(dbPath, 'NORMAL');
  try {
    const store = new Store(db);
    const tokens: QueueTokenImage[] = [];
    const nowMs = Date.now();
    const room = new WaitingRoom({ maxActive: 2, activeTtlMs: 600_000, idleMs: 600_000 });
    const report = await recover(store, {
      addConcert: () => undefined,
      addSchedule: () => undefined, planOf: () => { throw new Error('no layouts here'); },
      replaySchedule: () => undefined,
      restoreWallet: () => undefined,
      beginQueueRestore: () => {
        const restore = room.beginRestore(nowMs);
        return {
          add: (batch) => {
            const copies = Array.from(batch, (token) => ({ ...token }));
            tokens.push(...copies);
            restore.add(copies);
          },
          finish: (tables) => restore.finish(tables),
        };
      },
    }, nowMs, startQueueLoad(store, dbPath, offThread ? 0 : Number.POSITIVE_INFINITY));
    expect(report.queueReadOffThread).toBe(offThread);
    expect(report.queueWorkerError).toBeUndefined();
    expect(report.queueIndexesAdopted).toBe(offThread);
    for (const token of tokens) {
      expect(room.get(token.token)?.userId).toBe(token.userId);
      expect(room.byUser(token.userId)?.token).toBe(token.token);
    }
    const rows = Array.from(store.queueTokens(), (token) => ({ ...token }));
    return { report, tokens, rows };
  } finally {
    db.close();
  }
}

async function join(harness: Harness, userId: string): Promise<string> {
  const issued = await harness.engine.issueQueueToken(userId);
  if (!issued.ok) throw new Error(issued.error.message);
  return issued.value.status.token;
}

function positions(harness: Harness, tokens: Map<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [userId, token] of tokens) {
    const status = harness.engine.queueStatus(userId, token);
    result[userId] = status.ok ? `${status.value.status}@${status.value.position}` : status.error.code;
  }
  return result;
}

describe.each([
  ['on the main thread', false],
  ['in a worker thread', true],
])('waiting room recovery, read %s', (_where, offThread) => {
  const engineOptions = { queueLoadOffThreadMinTokens: offThread ? 0 : Number.POSITIVE_INFINITY };

  it('given a graceful shutdown, when restarted, then every fan keeps their place and the room equals the rows', async () => {
    h = await openHarness({ queueMaxActive: 2 }, undefined, engineOptions);
    const tokens = new Map<string, string>();
    for (let i = 0; i < 30; i++) tokens.set(`fan-${i}`, await join(h, `fan-${i}`));
    await h.advance(1_000); // admits two
    const left = tokens.get('fan-5') as string;
    expect((await h.engine.leaveQueue('fan-5', left)).ok).toBe(true);
    await h.advance(0);
    const before = positions(h, tokens);

    await h.reopen();
    expect(positions(h, tokens)).toEqual(before);
    await h.engine.close();
    const { report, tokens: restored, rows } = await recovered(h.dbPath, offThread);
    expect(report.queueTokens).toBe(29);
    expect(restored).toEqual(rows);
    expect(restored.filter((t) => t.status === 'ACTIVE').map((t) => t.userId)).toEqual(['fan-0', 'fan-1']);
  });

  it('given queue changes since the last restart, when the process crashes, then recovery loses nothing', async () => {
    h = await openHarness({ queueMaxActive: 2 }, undefined, engineOptions);
    const tokens = new Map<string, string>();
    for (let i = 0; i < 10; i++) tokens.set(`fan-${i}`, await join(h, `fan-${i}`));
    await h.reopen();
    for (let i = 10; i < 15; i++) tokens.set(`fan-${i}`, await join(h, `fan-${i}`));
    expect((await h.engine.leaveQueue('fan-3', tokens.get('fan-3') as string)).ok).toBe(true);
    await h.advance(1_000); // admits two
    const before = positions(h, tokens);

    await h.crash();
    expect(positions(h, tokens)).toEqual(before);
    const { report, tokens: restored, rows } = await recovered(h.dbPath, offThread);
    expect(report.queueTokens).toBe(14);
    expect(restored).toEqual(rows);
  });
});
