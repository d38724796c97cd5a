/**
 * The engine's queue gate on hold and pay (`queueToken` on the command): checked after the
 * Idempotency-Key lookup, in the same synchronous step as the decision, and never stored under the key.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { IdempotencyInput } from '../../src/domain/engine.js';
import { admit, createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';

let h: Harness;
afterEach(async () => h?.dispose());

const key = (name: string, body = name): IdempotencyInput => ({ key: name, requestHash: `hash-of-${body}` });

async function heldAndFunded(userId: string): Promise<{ queueToken: string; reservationId: string }> {
  const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
  const queueToken = await admit(h, userId);
  const held = await h.engine.hold({ userId, scheduleId, seatNumbers: [1], queueToken });
  if (!held.ok) throw new Error(held.error.code);
  expect((await h.engine.charge({ userId, amount: 1_000_000 })).ok).toBe(true);
  return { queueToken, reservationId: held.value.reservationId };
}

describe('engine: queue-gated commands', () => {
  it('given a keyed payment that ended its token, when retried, then the stored answer is replayed, also after a restart', async () => {
    h = await openHarness();
    const { queueToken, reservationId } = await heldAndFunded('ada');
    const first = await h.engine.pay({ userId: 'ada', reservationId, queueToken, idempotency: key('pay-1') });
    expect(first).toMatchObject({ ok: true, replayed: false });
    expect(h.engine.checkQueueAccess('ada', queueToken)).toMatchObject({ ok: false, error: { code: 'QUEUE_TOKEN_INVALID' } });

    const retry = await h.engine.pay({ userId: 'ada', reservationId, queueToken, idempotency: key('pay-1') });
    expect(retry).toEqual({ ...first, replayed: true });

    const engine = await h.reopen();
    expect(await engine.pay({ userId: 'ada', reservationId, queueToken, idempotency: key('pay-1') })).toEqual({ ...first, replayed: true });
    expect(engine.getBalance('ada').balance).toBe(1_000_000 - 200_000);
  });

  it('given an ended token, when a new key pays, then QUEUE_TOKEN_INVALID; a reused key is still IDEMPOTENCY_KEY_REUSED', async () => {
    h = await openHarness();
    const { queueToken, reservationId } = await heldAndFunded('bea');
    expect((await h.engine.leaveQueue('bea', queueToken)).ok).toBe(true);

    const refused = await h.engine.pay({ userId: 'bea', reservationId, queueToken, idempotency: key('pay-new') });
    expect(refused).toMatchObject({ ok: false, replayed: false, error: { code: 'QUEUE_TOKEN_INVALID' } });
    expect(h.engine.getReservation('bea', reservationId)).toMatchObject({ ok: true, value: { status: 'HELD' } });
    // the refusal was not stored: the same key with another body is not "reused"
    expect(await h.engine.pay({ userId: 'bea', reservationId: 'res-other', queueToken, idempotency: key('pay-new', 'other') }))
      .toMatchObject({ ok: false, error: { code: 'QUEUE_TOKEN_INVALID' } });
  });

  it('given a waiting token, when holding, then QUEUE_NOT_ACTIVE with the position; without a token the engine does not gate', async () => {
    h = await openHarness({ queueMaxActive: 1 });
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    await admit(h, 'first');
    const issued = await h.engine.issueQueueToken('second');
    if (!issued.ok) throw new Error(issued.error.code);

    const refused = await h.engine.hold({ userId: 'second', scheduleId, seatNumbers: [2], queueToken: issued.value.status.token, idempotency: key('hold-1') });
    expect(refused).toMatchObject({ ok: false, replayed: false, error: { code: 'QUEUE_NOT_ACTIVE', details: { position: 1 } } });
    expect((await h.engine.hold({ userId: 'second', scheduleId, seatNumbers: [2] })).ok).toBe(true);
  });

  it('given a keyed hold whose admission expired, when retried, then it replays; another user\'s token is refused', async () => {
    h = await openHarness({ queueActiveTtlMs: 60_000 });
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const queueToken = await admit(h, 'cy');
    const first = await h.engine.hold({ userId: 'cy', scheduleId, seatNumbers: [3], queueToken, idempotency: key('hold-cy') });
    expect(first.ok).toBe(true);
    await h.advance(60_000);
    expect(h.engine.checkQueueAccess('cy', queueToken).ok).toBe(false);

    expect(await h.engine.hold({ userId: 'cy', scheduleId, seatNumbers: [3], queueToken, idempotency: key('hold-cy') })).toEqual({ ...first, replayed: true });
    const dee = await admit(h, 'dee');
    expect(await h.engine.hold({ userId: 'cy', scheduleId, seatNumbers: [4], queueToken: dee, idempotency: key('hold-cy-2') }))
      .toMatchObject({ ok: false, error: { code: 'QUEUE_TOKEN_INVALID' } });
  });
});
