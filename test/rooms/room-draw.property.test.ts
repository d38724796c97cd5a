/**
 * The engine's draw is the published scheme's, whatever happens in the pre-queue: for any sequence of joins,
 * leaves and rejoins before the opening (and joins after it), the line after the opening is exactly
 * fairOrder(seed, entrants) over whoever was in at the opening, then the late arrivals in arrival order;
 * each entrant's receipt names its place in that order; and the same holds after a restart.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { BookingEngine } from '../../src/domain/engine.js';
import { fairOrder } from '../../src/rooms/fairness/fair-order.js';
import { createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';
import { okValue } from '../support/results.js';

type Step = { kind: 'join'; fan: number } | { kind: 'leave'; fan: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 11 }).map((fan) => ({ kind: 'join' as const, fan })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 11 }).map((fan) => ({ kind: 'leave' as const, fan })) },
);

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.dispose();
  harness = undefined;
});

/** Each live fan's [entrantId, position], in line order. */
function line(engine: BookingEngine, live: ReadonlyMap<string, string>): string[] {
  return [...live]
    .map(([userId, token]) => okValue(engine.queueStatus(userId, token)))
    .sort((a, b) => a.position - b.position)
    .map((status) => status.entrantId!);
}

describe('the draw at a room\'s opening', () => {
  it('is fairOrder over the entrants at the opening, then the late arrivals in order; receipts agree; a restart keeps it', async () => {
    await fc.assert(fc.asyncProperty(fc.array(stepArb, { maxLength: 30 }), fc.integer({ min: 0, max: 4 }), async (before, lateCount) => {
      harness = await openHarness({ queueMaxActive: 100, queueWaitingIdleMs: 3_600_000 });
      const { scheduleId } = await createOpenSchedule(harness.engine, harness.clock.now());
      // One admitted at once (cap 1): the first in line is ACTIVE at position 0 and sorts first.
      const room = okValue(await harness.engine.createRoom({ name: 'Draw', scheduleIds: [scheduleId], opensAtMs: harness.clock.now() + 10_000, maxActive: 1 }));
      const live = new Map<string, string>();
      for (const step of before) {
        const userId = `fan-${step.fan}`;
        if (step.kind === 'join') {
          live.set(userId, okValue(await harness.engine.issueQueueToken(userId, { roomId: room.roomId })).status.token);
        } else if (live.has(userId)) {
          okValue(await harness.engine.leaveQueue(userId, live.get(userId)!));
          live.delete(userId);
        }
      }
      const entrants = [...live].map(([userId, token]) => okValue(harness!.engine.queueStatus(userId, token)).entrantId!);
      await harness.advance(11_000);
      const late: string[] = [];
      for (let i = 0; i < lateCount; i++) {
        const issued = okValue(await harness.engine.issueQueueToken(`late-${i}`, { roomId: room.roomId }));
        live.set(`late-${i}`, issued.status.token);
        late.push(issued.status.entrantId!);
      }
      const seed = okValue(harness.engine.getRoom(room.roomId)).seed!;
      const order = fairOrder(seed, entrants);
      // The first drawn is admitted (cap 1): position 0, so it sorts first as it should.
      expect(line(harness.engine, live)).toEqual([...order, ...late]);
      for (const [userId, token] of live) {
        const receipt = harness.engine.queueReceipt(userId, token);
        const entrantId = okValue(harness.engine.queueStatus(userId, token)).entrantId!;
        if (late.includes(entrantId)) expect(receipt).toMatchObject({ ok: false, error: { code: 'RECEIPT_NOT_AVAILABLE' } });
        else expect(okValue(receipt).place).toBe(order.indexOf(entrantId) + 1);
      }
      const engine = await harness.crash();
      expect(line(engine, live)).toEqual([...order, ...late]);
      await harness.dispose();
      harness = undefined;
    }), { numRuns: 25 });
  }, 120_000);
});
