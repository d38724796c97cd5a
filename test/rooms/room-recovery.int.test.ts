/**
 * A kill -9 at any moment loses no entrant, receipt or admission of a sale's room, and a restart keeps the
 * pre-queue's order: the engine is crashed (its files copied as they are on disk) before the opening, after
 * it, and at random points of a sale, and what it acknowledged is there each time, the draw unchanged and
 * the published bundle passing the verifier.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { BookingEngine } from '../../src/domain/engine.js';
import { signLogHead } from '../../src/rooms/fairness/admission-log.js';
import { fairOrder } from '../../src/rooms/fairness/fair-order.js';
import { signReceipt } from '../../src/rooms/fairness/receipt.js';
import { verifyRoomAudit, type RoomAuditBundle } from '../../src/rooms/fairness/verify-room.js';
import { createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';
import { okValue } from '../support/results.js';

const KEY = generateKeyPairSync('ed25519').privateKey;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

async function saleRoom(engine: BookingEngine, opensAtMs: number, maxActive: number): Promise<{ roomId: string; scheduleId: string }> {
  const { scheduleId } = await createOpenSchedule(engine, engine.now());
  const room = okValue(await engine.createRoom({ name: 'Sale', scheduleIds: [scheduleId], opensAtMs, maxActive }));
  return { roomId: room.roomId, scheduleId };
}

/** The bundle as the API publishes it, signed here with a test key, with every live entrant's receipt. */
function bundleOf(engine: BookingEngine, roomId: string, fans: ReadonlyMap<string, string>): RoomAuditBundle {
  const { head, ...audit } = okValue(engine.roomAudit(roomId));
  const receipts: string[] = [];
  for (const [userId, token] of fans) {
    const fields = engine.queueReceipt(userId, token);
    if (fields.ok) receipts.push(signReceipt(fields.value, KEY));
  }
  return {
    ...audit,
    publicKey: createPublicKey(KEY).export({ format: 'der', type: 'spki' }).toString('base64'),
    logHead: signLogHead({ roomId, count: head.count, headHash: head.headHash }, KEY),
    receipts,
  };
}

describe('a sale\'s room through crashes', () => {
  it('given a room and the default line both admitting, then each keeps its own admission-rate estimate (a room\'s ticks never overwrite the line\'s)', async () => {
    harness = await openHarness({ queueMaxActive: 100 });
    const { roomId } = await saleRoom(harness.engine, harness.clock.now(), 1);
    for (let i = 0; i < 3; i++) okValue(await harness.engine.issueQueueToken(`line-${i}`));
    for (let i = 0; i < 3; i++) okValue(await harness.engine.issueQueueToken(`room-${i}`, { roomId }));
    await harness.advance(1_000);
    await harness.advance(1_000);
    const db = new Database(harness.dbPath, { readonly: true });
    try {
      const rates = db.prepare("SELECT key FROM meta WHERE key LIKE '%admission_rate%' ORDER BY key").pluck().all();
      expect(rates).toEqual(['queue_admission_rate', `room_admission_rate:${roomId}`]);
    } finally {
      db.close();
    }
    // And after a kill the room is as it was: one admitted (its cap), the rest waiting.
    const engine = await harness.crash();
    expect(okValue(engine.getRoom(roomId)).active).toBe(1);
  });

  it('given entrants in the pre-queue, when the engine is killed before and after the opening, then the list, the draw, the places and the log hold', async () => {
    harness = await openHarness({ queueMaxActive: 100 });
    const opensAtMs = harness.clock.now() + 60_000;
    const { roomId } = await saleRoom(harness.engine, opensAtMs, 3);
    const tokens = new Map<string, string>();
    for (let i = 0; i < 20; i++) {
      const issued = okValue(await harness.engine.issueQueueToken(`fan-${i}`, { roomId }));
      tokens.set(`fan-${i}`, issued.status.token);
    }
    okValue(await harness.engine.leaveQueue('fan-19', tokens.get('fan-19')!));
    tokens.delete('fan-19');
    const commitment = okValue(harness.engine.getRoom(roomId)).commitment;

    // Killed in the pre-queue: every acknowledged entrant is still in it, under the same commitment.
    let engine = await harness.crash();
    expect(okValue(engine.getRoom(roomId))).toMatchObject({ state: 'PRE_QUEUE', entrants: 19, preQueue: 19, commitment, seed: null });
    for (const [userId, token] of tokens) expect(okValue(engine.queueStatus(userId, token))).toMatchObject({ status: 'PRE_QUEUE', roomId });

    // Opened after the restart: the order is the seed's.
    await harness.advance(61_000);
    await harness.advance(1_000);
    const opened = okValue(engine.getRoom(roomId));
    expect(opened).toMatchObject({ state: 'OPEN', active: 3, waiting: 16 });
    const entrantOf = new Map([...tokens].map(([userId, token]) => [okValue(engine.queueStatus(userId, token)).entrantId!, userId]));
    const order = fairOrder(opened.seed!, entrantOf.keys()).map((entrantId) => entrantOf.get(entrantId)!);
    const placesBefore = order.map((userId) => okValue(engine.queueStatus(userId, tokens.get(userId)!)).position);
    expect(placesBefore).toEqual([0, 0, 0, ...Array.from({ length: 16 }, (_, i) => i + 1)]);
    const receiptsBefore = order.map((userId) => okValue(engine.queueReceipt(userId, tokens.get(userId)!)));
    expect(receiptsBefore.map((r) => r.place)).toEqual(order.map((_, i) => i + 1));

    // Killed after the opening: the same places, the same receipts, the same log.
    const auditBefore = okValue(engine.roomAudit(roomId));
    engine = await harness.crash();
    expect(order.map((userId) => okValue(engine.queueStatus(userId, tokens.get(userId)!)).position)).toEqual(placesBefore);
    expect(order.map((userId) => okValue(engine.queueReceipt(userId, tokens.get(userId)!)))).toEqual(receiptsBefore);
    expect(okValue(engine.roomAudit(roomId))).toEqual(auditBefore);

    // The sale goes on in the drawn order, and the bundle verifies.
    for (const userId of order.slice(0, 3)) okValue(await engine.leaveQueue(userId, tokens.get(userId)!));
    await harness.advance(1_000);
    expect(order.slice(3, 6).map((userId) => okValue(engine.queueStatus(userId, tokens.get(userId)!)).status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    const report = verifyRoomAudit(bundleOf(engine, roomId, tokens));
    expect(report).toMatchObject({ ok: true, entrants: 19, admissions: 6, receipts: 16 });
  });

  it('given a sale with fans joining, leaving and being admitted, when the engine is killed at random points, then every acknowledged admission is in the log and it always verifies', async () => {
    harness = await openHarness({ queueMaxActive: 100, queueWaitingIdleMs: 3_600_000 });
    const opensAtMs = harness.clock.now() + 5_000;
    const { roomId } = await saleRoom(harness.engine, opensAtMs, 2);
    let engine = harness.engine;
    const live = new Map<string, string>();
    const everyone = new Map<string, string>();
    let acknowledgedAdmissions = 0;
    let next = 0;
    // A fixed pseudo-random walk (mulberry32), so a failure replays.
    let state = 12345;
    const random = (n: number): number => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    let crashes = 0;
    let crashesOpen = 0;
    for (let step = 0; step < 120; step++) {
      const action = random(10);
      if (action < 5) {
        const userId = `walker-${next++}`;
        const issued = okValue(await engine.issueQueueToken(userId, { roomId }));
        live.set(userId, issued.status.token);
        everyone.set(userId, issued.status.token);
      } else if (action < 7 && live.size > 0) {
        const [userId, token] = [...live][random(live.size)]!;
        okValue(await engine.leaveQueue(userId, token));
        live.delete(userId);
      } else if (action < 9) {
        await harness.advance(1_000);
        acknowledgedAdmissions = okValue(engine.getRoom(roomId)).admitted;
      } else {
        engine = await harness.crash();
        crashes++;
        const room = okValue(engine.getRoom(roomId));
        if (room.state === 'OPEN' && room.lateArrivals > 0) crashesOpen++;
        // Admissions are committed by the tick that makes them: every one counted before the kill is there.
        expect(room.admitted).toBeGreaterThanOrEqual(acknowledgedAdmissions);
        for (const [userId, token] of live) expect(engine.queueStatus(userId, token).ok).toBe(true);
        if (room.state === 'OPEN') expect(verifyRoomAudit(bundleOf(engine, roomId, everyone)).violations).toEqual([]);
      }
    }
    await harness.advance(1_000);
    const room = okValue(engine.getRoom(roomId));
    expect(room.state).toBe('OPEN');
    expect(room.admitted).toBeGreaterThan(0);
    // The walk did what it is for: kills in the pre-queue and after the opening, with late arrivals.
    expect(crashes).toBeGreaterThanOrEqual(5);
    expect(crashesOpen).toBeGreaterThanOrEqual(3);
    expect(verifyRoomAudit(bundleOf(engine, roomId, everyone))).toMatchObject({ ok: true, violations: [] });
  });
});
