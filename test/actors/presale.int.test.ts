/**
 * Presale codes and their uses survive restarts, from the journal (a kill -9) and from the snapshot (a clean
 * shutdown's checkpoint): a single-use code that bought stays used, one whose hold ran out is free again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_SEAT_MAP } from '../../src/domain/demo-catalogue.js';
import { openHarness, type Harness } from '../support/engine-harness.js';

const HOUR_MS = 3_600_000;

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

describe('presale codes across restarts', () => {
  it('given a code that bought and one whose hold expired, when killed -9 and then restarted cleanly, then their uses are as they were', async () => {
    h = await openHarness({ holdTtlMs: 60_000 });
    const now = h.clock.now();
    const created = await h.engine.createConcert({
      title: 'Presale', venue: 'Hall',
      schedules: [{ startsAt: new Date(now + 30 * 24 * HOUR_MS).toISOString(), presaleOpensAt: new Date(now - HOUR_MS).toISOString(), bookingOpensAt: new Date(now + 24 * HOUR_MS).toISOString(), seatMap: DEMO_SEAT_MAP }],
    });
    if (!created.ok) throw new Error(created.error.code);
    const scheduleId = created.value.schedules[0]!.scheduleId;
    for (const code of ['BOUGHT', 'LAPSED']) expect((await h.engine.createPresaleCode({ scheduleId, code, maxUses: 1 })).ok).toBe(true);
    await h.engine.charge({ userId: 'buyer', amount: 1_000_000 });
    const bought = await h.engine.hold({ userId: 'buyer', scheduleId, seatNumbers: [1], presaleCode: 'bought' });
    if (!bought.ok) throw new Error(bought.error.code);
    expect((await h.engine.pay({ userId: 'buyer', reservationId: bought.value.reservationId })).ok).toBe(true);
    expect((await h.engine.hold({ userId: 'lapser', scheduleId, seatNumbers: [2], presaleCode: 'LAPSED' })).ok).toBe(true);

    for (const restart of [() => h!.crash(), () => h!.reopen()]) {
      const engine = await restart();
      const codes = engine.listPresaleCodes(scheduleId);
      expect(codes.ok && codes.value.map((c) => [c.code, c.used])).toEqual([['BOUGHT', 1], ['LAPSED', 1]]);
      const refused = await engine.hold({ userId: 'other', scheduleId, seatNumbers: [3], presaleCode: 'BOUGHT' });
      expect(refused.ok ? 'held' : refused.error.code).toBe('PRESALE_CODE_USED_UP');
    }
    await h.advance(60_000);
    const engine = await h.crash();
    const codes = engine.listPresaleCodes(scheduleId);
    expect(codes.ok && codes.value.map((c) => c.used)).toEqual([1, 0]);
    expect((await engine.hold({ userId: 'other', scheduleId, seatNumbers: [3], presaleCode: 'LAPSED' })).ok).toBe(true);
  });
});
