import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/actors/clock.js';
import { HoldTimers, type HoldDeadline } from '../../src/actors/hold-timers.js';

function timers(sweepMinSettled?: number): { clock: ManualClock; holds: HoldTimers; fired: HoldDeadline[]; firedAtMs: number[] } {
  const clock = new ManualClock(0);
  const fired: HoldDeadline[] = [];
  const firedAtMs: number[] = [];
  const holds = new HoldTimers(clock, (due) => {
    fired.push(...due);
    firedAtMs.push(...due.map(() => clock.now()));
  }, sweepMinSettled);
  return { clock, holds, fired, firedAtMs };
}

const hold = (reservationId: string, deadlineMs: number): HoldDeadline => ({ reservationId, deadlineMs, scheduleId: 'sch' });

describe('hold timers', () => {
  it('fire each live deadline once, at its instant, earliest first; a settled hold never fires', () => {
    const { clock, holds, fired } = timers();
    holds.add(hold('b', 200));
    holds.add(hold('a', 100));
    holds.add(hold('c', 300));
    holds.settle('b');
    clock.advance(99);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired.map((d) => d.reservationId)).toEqual(['a']);
    clock.advance(500);
    expect(fired.map((d) => d.reservationId)).toEqual(['a', 'c']);
    expect(holds.size).toBe(0);
  });

  it('keep the heap within about twice the live holds under a churn of holds that end early', () => {
    const { clock, holds, fired } = timers();
    // Five minutes of a flash sale: every hold is cancelled or paid a moment after it is made.
    for (let i = 0; i < 100_000; i++) {
      holds.add(hold(`r${i}`, clock.now() + 300_000));
      if (i >= 10) holds.settle(`r${i - 10}`);
    }
    expect(holds.size).toBe(10);
    expect(holds.heapSize).toBeLessThanOrEqual(2 * 1_024 + 10);
    clock.advance(300_000);
    expect(fired.map((d) => d.reservationId).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `r${100_000 - 10 + i}`).sort());
  });

  it('re-adding a hold (recovery) counts only its latest deadline', () => {
    const { clock, holds, fired } = timers();
    holds.add(hold('a', 100));
    holds.add(hold('a', 150));
    clock.advance(200);
    expect(fired).toEqual([hold('a', 150)]);
  });

  it('match a model: whatever the order of adds, settles and clock moves, exactly the unsettled holds fire, each at its deadline', () => {
    type Step = { kind: 'add'; id: number; inMs: number } | { kind: 'settle'; id: number } | { kind: 'advance'; ms: number };
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ kind: fc.constant('add' as const), id: fc.nat(40), inMs: fc.integer({ min: 0, max: 1_000 }) }),
      fc.record({ kind: fc.constant('settle' as const), id: fc.nat(40) }),
      fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 400 }) }),
    );
    fc.assert(fc.property(fc.array(step, { maxLength: 3_000 }), (steps) => {
      const { clock, holds, fired, firedAtMs } = timers(4); // sweeps often
      const live = new Map<string, number>();
      let expected: string[] = [];
      for (const s of steps) {
        if (s.kind === 'add') {
          const deadlineMs = clock.now() + s.inMs;
          holds.add(hold(`r${s.id}`, deadlineMs));
          live.set(`r${s.id}`, deadlineMs);
        } else if (s.kind === 'settle') {
          holds.settle(`r${s.id}`);
          live.delete(`r${s.id}`);
        } else {
          clock.advance(s.ms);
          const due = [...live].filter(([, d]) => d <= clock.now());
          for (const [id] of due) live.delete(id);
          expected = [...expected, ...due.map(([id]) => id)];
          expect(fired.map((d) => d.reservationId).sort()).toEqual([...expected].sort());
          // Never early, never late: each fires at its own deadline (the clock's timers run at their instants)
          expect(firedAtMs).toEqual(fired.map((d) => d.deadlineMs));
        }
      }
      expect(holds.size).toBe(live.size);
      expect(holds.heapSize).toBeLessThanOrEqual(2 * live.size + 4);
    }), { numRuns: 60 });
  });
});
