import { copyFileSync, existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/persistence/database.js';
import { startQueueLoad } from '../../src/persistence/queue-load.js';
import { recover, type RecoveryReport } from '../../src/persistence/recovery.js';
import { Store, type QueueTokenImage } from '../../src/persistence/store.js';
import { openHarness, type Harness } from '../support/engine-harness.js';

/**
 * The packed waiting-room image against the token rows it shortcuts: after a graceful shutdown recovery
 * takes the image, after any queue change that followed it (a crash before the next shutdown) the rows,
 * and both give the same waiting room.
 */

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

/** What recovery restores from the database file as it is, from where, and whether a worker read it. */
async function recovered(dbPath: string, offThread: boolean): Promise<{ report: RecoveryReport; tokens: QueueTokenImage[]; rows: QueueTokenImage[] }> {
  const db = openDatabase(dbPath, 'NORMAL');
  try {
    const store = new Store(db);
    const tokens: QueueTokenImage[] = [];
    const report = await recover(store, {
      addConcert: () => undefined,
      addSchedule: () => undefined,
      replaySchedule: () => undefined,
      restoreWallet: () => undefined,
      beginQueueRestore: () => ({
        add: (batch) => {
          for (const token of batch) tokens.push({ ...token });
        },
        finish: () => tokens.length,
      }),
    }, Date.now(), startQueueLoad(store, dbPath, offThread ? 0 : Number.POSITIVE_INFINITY));
    expect(report.queueReadOffThread).toBe(offThread);
    expect(report.queueWorkerError).toBeUndefined();
    expect(report.queueIndexesBuiltOffThread).toBe(offThread && report.queueSource === 'rows'); // from the rows only
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
])('waiting room image, read %s', (_where, offThread) => {
  const engineOptions = { queueLoadOffThreadMinTokens: offThread ? 0 : Number.POSITIVE_INFINITY };

  it('given a graceful shutdown, when restarted, then the room comes from the image and equals the rows', async () => {
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
    expect(report.queueSource).toBe('image');
    expect(report.queueTokens).toBe(29);
    expect(restored).toEqual(rows);
    expect(restored.filter((t) => t.status === 'ACTIVE').map((t) => t.userId)).toEqual(['fan-0', 'fan-1']);
  });

  it('given queue changes after the image, when the process crashes, then recovery reads the rows and loses nothing', async () => {
    h = await openHarness({ queueMaxActive: 2 }, undefined, engineOptions);
    const tokens = new Map<string, string>();
    for (let i = 0; i < 10; i++) tokens.set(`fan-${i}`, await join(h, `fan-${i}`));
    await h.reopen(); // image written here
    for (let i = 10; i < 15; i++) tokens.set(`fan-${i}`, await join(h, `fan-${i}`));
    expect((await h.engine.leaveQueue('fan-3', tokens.get('fan-3') as string)).ok).toBe(true);
    await h.advance(1_000); // admits two
    const before = positions(h, tokens);

    await h.crash(); // no shutdown: the image still says 10 waiting tokens
    expect(positions(h, tokens)).toEqual(before);
    const crashed = await recovered(h.dbPath, offThread);
    expect(crashed.report.queueSource).toBe('rows');
    expect(crashed.report.queueTokens).toBe(14);
  });

  it('given a crash right after a restart with no queue change, when recovered, then the image is still exact', async () => {
    h = await openHarness({ queueMaxActive: 0 }, undefined, engineOptions);
    const tokens = new Map<string, string>();
    for (let i = 0; i < 5; i++) tokens.set(`fan-${i}`, await join(h, `fan-${i}`));
    await h.reopen(); // image written here; nothing in the queue changes after it
    const crashCopy = `${h.dbPath}.crash-copy`;
    for (const suffix of ['', '-wal', '-shm']) {
      if (existsSync(h.dbPath + suffix)) copyFileSync(h.dbPath + suffix, crashCopy + suffix);
    }
    const { report, tokens: restored, rows } = await recovered(crashCopy, offThread);
    expect(report.queueSource).toBe('image');
    expect(restored).toEqual(rows);
    expect(restored.map((t) => t.userId)).toEqual([...tokens.keys()]);
    const before = positions(h, tokens);
    await h.crash();
    expect(positions(h, tokens)).toEqual(before);
  });
});
