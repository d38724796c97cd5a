/**
 * The outbox in the engine: every change a platform hears about is an event written in the commit of the
 * change itself, in commit order, surviving a kill -9 exactly as the change does; webhook endpoints and
 * their deliveries are decided like any command and recovered with the rest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BookingEngine } from '../../src/domain/engine.js';
import type { EventView, WebhookRetryPolicy } from '../../src/domain/webhooks.js';
import { createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';

const FUNDS = 1_000_000;
const RETRY: WebhookRetryPolicy = { maxAttempts: 3, retryDelaysMs: [1_000, 5_000], maxPendingPerEndpoint: 2 };

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

async function paid(engine: BookingEngine, userId: string, scheduleId: string, seatNumbers: number[]): Promise<string> {
  expect((await engine.charge({ userId, amount: FUNDS })).ok).toBe(true);
  const held = await engine.hold({ userId, scheduleId, seatNumbers });
  if (!held.ok) throw new Error(held.error.code);
  const payment = await engine.pay({ userId, reservationId: held.value.reservationId });
  if (!payment.ok) throw new Error(payment.error.code);
  return held.value.reservationId;
}

function allEvents(engine: BookingEngine): EventView[] {
  return engine.listEvents({ after: 0, limit: 1_000 }).events;
}

describe('the outbox', () => {
  it('given a sale with every kind of change, then the feed lists one event per change, in commit order, with its data', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const first = await paid(h.engine, 'ann', scheduleId, [1, 2]);
    const held = await h.engine.hold({ userId: 'bob', scheduleId, seatNumbers: [3] });
    expect(held.ok).toBe(true);
    if (!held.ok) return;
    expect((await h.engine.cancelReservation('bob', held.value.reservationId)).ok).toBe(true);
    expect((await h.engine.hold({ userId: 'cat', scheduleId, seatNumbers: [4] })).ok).toBe(true);
    await h.advance(301_000);
    expect((await h.engine.refund({ userId: 'ann', reservationId: first, seatNumbers: [2] })).ok).toBe(true);
    expect((await h.engine.checkIn({ ticket: { reservationId: first, scheduleId, seatNumber: 1 } })).ok).toBe(true);
    const second = await paid(h.engine, 'dan', scheduleId, [5]);
    expect((await h.engine.cancelSchedule({ scheduleId, reason: 'storm' })).ok).toBe(true);

    const events = allEvents(h.engine);
    expect(events.map((e) => e.type)).toEqual([
      'payment.completed', 'reservation.cancelled', 'reservation.expired', 'refund.created', 'checkin.accepted', 'payment.completed',
      // The cancellation's one commit: the show's event and a refund per remaining booking.
      ...allEvents(h.engine).slice(6).map((e) => e.type),
    ]);
    expect(events.slice(6).map((e) => e.type).sort()).toEqual(['refund.created', 'refund.created', 'schedule.cancelled']);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.id)).toEqual(events.map((e) => `evt_${e.sequence}`));
    // What a delivery sends is the feed's event, byte for byte, made without parsing the stored row.
    for (const event of events) expect(h.engine.eventJsonAt(event.sequence)).toEqual({ id: event.id, body: JSON.stringify(event) });
    expect(h.engine.eventJsonAt(events.length + 1)).toBeUndefined();
    const payment = events[0]!.data as { payment: { reservationId: string; amount: number }; reservation: { status: string; userId: string } };
    expect(payment.payment.reservationId).toBe(first);
    expect(payment.reservation).toMatchObject({ status: 'CONFIRMED', userId: 'ann' });
    expect((events[2]!.data as { reservation: { status: string; userId: string } }).reservation).toMatchObject({ status: 'EXPIRED', userId: 'cat' });
    expect((events[3]!.data as { refund: { seatNumbers: number[]; reason: string } }).refund).toMatchObject({ seatNumbers: [2], reason: 'USER' });
    expect((events[4]!.data as { checkin: { seatNumber: number } }).checkin.seatNumber).toBe(1);
    const refundsOfCancellation = events.slice(6).filter((e) => e.type === 'refund.created').map((e) => (e.data as { refund: { reservationId: string; reason: string } }).refund);
    expect(refundsOfCancellation.map((r) => r.reservationId).sort()).toEqual([first, second].sort());
    expect(refundsOfCancellation.every((r) => r.reason === 'SCHEDULE_CANCELLED')).toBe(true);
  });

  it('given many events, when read in pages or by type, then the pages join up in order and the filter skips the rest', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    for (let i = 0; i < 6; i++) {
      const held = await h.engine.hold({ userId: `u${i}`, scheduleId, seatNumbers: [i + 1] });
      if (held.ok) await h.engine.cancelReservation(`u${i}`, held.value.reservationId);
    }
    await paid(h.engine, 'payer', scheduleId, [20]);
    const page1 = h.engine.listEvents({ after: 0, limit: 4 });
    const page2 = h.engine.listEvents({ after: page1.nextAfter, limit: 4 });
    expect([...page1.events, ...page2.events].map((e) => e.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(h.engine.listEvents({ after: page2.nextAfter, limit: 4 })).toEqual({ events: [], nextAfter: 7 });
    const payments = h.engine.listEvents({ after: 0, limit: 10, types: ['payment.completed'] });
    expect(payments.events.map((e) => e.sequence)).toEqual([7]);
    expect(payments.nextAfter).toBe(7);
  });

  it('given acknowledged changes, when killed -9 and restarted, then their events are there, and new events continue the sequence', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    await paid(h.engine, 'ann', scheduleId, [1]);
    await paid(h.engine, 'bob', scheduleId, [2]);
    const before = allEvents(h.engine);
    await h.crash();
    expect(allEvents(h.engine)).toEqual(before);
    await paid(h.engine, 'cat', scheduleId, [3]);
    expect(allEvents(h.engine).map((e) => e.sequence)).toEqual([1, 2, 3]);
  });

  it('given a change that failed (a refusal), then it wrote no event', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const held = await h.engine.hold({ userId: 'broke', scheduleId, seatNumbers: [1] });
    if (!held.ok) throw new Error(held.error.code);
    expect((await h.engine.pay({ userId: 'broke', reservationId: held.value.reservationId })).ok).toBe(false);
    expect(allEvents(h.engine)).toEqual([]);
  });
});

describe('webhook endpoints and deliveries in the engine', () => {
  it('given an endpoint created after some events, then its cursor starts after them and it is listed without its secret', async () => {
    h = await openHarness({}, undefined, { webhookRetry: RETRY });
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    await paid(h.engine, 'ann', scheduleId, [1]);
    const created = await h.engine.createWebhookEndpoint({ url: 'https://platform.example/hooks', events: ['refund.created', 'payment.completed'] });
    if (!created.ok) throw new Error(created.error.code);
    expect(created.value.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(created.value).toMatchObject({ events: ['payment.completed', 'refund.created'], deliveredThrough: 1, enabled: true });
    expect(JSON.stringify(h.engine.listWebhookEndpoints())).not.toContain(created.value.secret);
    expect(h.engine.webhookTargets()[0]).toMatchObject({ cursor: 1, secret: created.value.secret });
  });

  it('given bad endpoints, then each is refused with its code and nothing is created', async () => {
    h = await openHarness();
    for (const url of ['ftp://x.example/', 'not a url', 'https://user:pw@x.example/']) {
      const refused = await h.engine.createWebhookEndpoint({ url, events: ['payment.completed'] });
      expect(refused.ok ? 'created' : refused.error.code).toBe('WEBHOOK_URL_INVALID');
    }
    expect(h.engine.listWebhookEndpoints()).toEqual([]);
    const missing = await h.engine.updateWebhookEndpoint({ endpointId: 'whe_nope', patch: { enabled: false } });
    expect(missing.ok ? 'updated' : missing.error.code).toBe('WEBHOOK_ENDPOINT_NOT_FOUND');
  });

  it('given failed attempts, then the delivery waits by the policy, is parked when attempts run out, and a retry gives it a fresh round; all of it survives a kill -9', async () => {
    h = await openHarness({}, undefined, { webhookRetry: RETRY });
    const created = await h.engine.createWebhookEndpoint({ url: 'https://platform.example/hooks', events: ['payment.completed'] });
    if (!created.ok) throw new Error(created.error.code);
    const endpointId = created.value.endpointId;
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    await paid(h.engine, 'ann', scheduleId, [1]);
    const seq = allEvents(h.engine)[0]!.sequence;
    const fail = { endpointId, eventSequence: seq, delivered: false, statusCode: 500, error: 'HTTP 500' };

    await h.engine.recordWebhookAttempts({ attempts: [fail] });
    await h.engine.advanceWebhookCursor({ endpointId, cursor: seq });
    const open = (): { status: string; nextAttemptAtMs: number } | undefined => h!.engine.webhookTargets()[0]!.open.get(seq);
    expect(open()).toMatchObject({ status: 'PENDING', nextAttemptAtMs: h.clock.now() + 1_000 });
    await h.crash();
    expect(open()).toMatchObject({ status: 'PENDING', nextAttemptAtMs: h.clock.now() + 1_000 });
    expect(h.engine.getWebhookEndpoint(endpointId)).toMatchObject({ ok: true, value: { deliveredThrough: seq, pendingDeliveries: 1 } });

    await h.advance(1_000);
    await h.engine.recordWebhookAttempts({ attempts: [fail] });
    expect(open()).toMatchObject({ status: 'PENDING', nextAttemptAtMs: h.clock.now() + 5_000 });
    await h.engine.recordWebhookAttempts({ attempts: [fail] });
    const deliveries = h.engine.listWebhookDeliveries({ endpointId, limit: 10 });
    expect(deliveries).toMatchObject({ ok: true, value: [{ eventId: `evt_${seq}`, eventType: 'payment.completed', status: 'PARKED', attempts: 3, lastStatusCode: 500, nextAttemptAt: null }] });
    expect(h.engine.getWebhookEndpoint(endpointId)).toMatchObject({ ok: true, value: { pendingDeliveries: 0, parkedDeliveries: 1 } });

    // A late report of an attempt (a resend after a leader's death) changes nothing once parked.
    await h.engine.recordWebhookAttempts({ attempts: [{ ...fail, delivered: true, statusCode: 200, error: null }] });
    expect(h.engine.listWebhookDeliveries({ endpointId, status: 'PARKED', limit: 10 })).toMatchObject({ ok: true, value: [{ status: 'PARKED' }] });

    await h.crash();
    const retried = await h.engine.retryWebhookDelivery({ endpointId, eventSequence: seq });
    expect(retried).toMatchObject({ ok: true, value: { status: 'PENDING', attempts: 0 } });
    const again = await h.engine.retryWebhookDelivery({ endpointId, eventSequence: seq });
    expect(again.ok ? 'retried' : again.error.code).toBe('WEBHOOK_DELIVERY_NOT_PARKED');
    await h.engine.recordWebhookAttempts({ attempts: [{ ...fail, delivered: true, statusCode: 204, error: null }] });
    await h.crash();
    expect(h.engine.listWebhookDeliveries({ endpointId, limit: 10 })).toMatchObject({ ok: true, value: [{ status: 'DELIVERED', attempts: 1, lastStatusCode: 204 }] });
    expect(h.engine.getWebhookEndpoint(endpointId)).toMatchObject({ ok: true, value: { pendingDeliveries: 0, parkedDeliveries: 0 } });
    const unknown = await h.engine.retryWebhookDelivery({ endpointId, eventSequence: 999 });
    expect(unknown.ok ? 'retried' : unknown.error.code).toBe('WEBHOOK_DELIVERY_NOT_FOUND');
  });

  it('given an endpoint deleted, then its deliveries go with it and later reports about it change nothing', async () => {
    h = await openHarness({}, undefined, { webhookRetry: RETRY });
    const created = await h.engine.createWebhookEndpoint({ url: 'http://127.0.0.1:9/hooks', events: ['payment.completed'] });
    if (!created.ok) throw new Error(created.error.code);
    const { endpointId } = created.value;
    expect((await h.engine.deleteWebhookEndpoint({ endpointId })).ok).toBe(true);
    await h.engine.recordWebhookAttempts({ attempts: [{ endpointId, eventSequence: 1, delivered: true, statusCode: 200, error: null }] });
    await h.crash();
    expect(h.engine.listWebhookEndpoints()).toEqual([]);
    expect(h.engine.listWebhookDeliveries({ endpointId, limit: 10 }).ok).toBe(false);
  });
});
