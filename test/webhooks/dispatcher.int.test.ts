/**
 * The dispatcher against real HTTP receivers: every committed event an endpoint takes arrives signed, with
 * its id; failures are retried when the engine's policy says (the clock is the engine's, moved by the test),
 * parked when attempts run out and sent again on the admin's word; a hanging receiver and a dead one slow
 * down nobody else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { BookingEngine } from '../../src/domain/engine.js';
import type { WebhookRetryPolicy } from '../../src/domain/webhooks.js';
import { WebhookDispatcher } from '../../src/webhooks/dispatcher.js';
import { verifySignature } from '../../src/webhooks/signature.js';
import { createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';
import { eventually, Receiver } from './receiver.js';

const RETRY: WebhookRetryPolicy = { maxAttempts: 3, retryDelaysMs: [10_000, 60_000], maxPendingPerEndpoint: 3 };
const silent = { warn: () => undefined, error: () => undefined };

let h: Harness | undefined;
let receiver: Receiver | undefined;
let dispatcher: WebhookDispatcher | undefined;

afterEach(async () => {
  await dispatcher?.stop();
  await receiver?.close();
  await h?.dispose();
  dispatcher = undefined;
  receiver = undefined;
  h = undefined;
});

async function setUp(): Promise<{ h: Harness; receiver: Receiver; scheduleId: string }> {
  h = await openHarness({}, undefined, { webhookRetry: RETRY });
  receiver = await Receiver.start();
  dispatcher = new WebhookDispatcher({ engine: h.engine, logger: silent, pollIntervalMs: 20, timeoutMs: 300, concurrencyPerEndpoint: 4, maxPendingPerEndpoint: RETRY.maxPendingPerEndpoint });
  dispatcher.start();
  const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
  return { h, receiver, scheduleId };
}

async function endpoint(engine: BookingEngine, url: string, events: Parameters<BookingEngine['createWebhookEndpoint']>[0]['events']): Promise<{ endpointId: string; secret: string }> {
  const created = await engine.createWebhookEndpoint({ url, events });
  if (!created.ok) throw new Error(created.error.code);
  return created.value;
}

async function buy(engine: BookingEngine, userId: string, scheduleId: string, seatNumber: number): Promise<string> {
  await engine.charge({ userId, amount: 1_000_000 });
  const held = await engine.hold({ userId, scheduleId, seatNumbers: [seatNumber] });
  if (!held.ok) throw new Error(held.error.code);
  const paid = await engine.pay({ userId, reservationId: held.value.reservationId });
  if (!paid.ok) throw new Error(paid.error.code);
  return held.value.reservationId;
}

describe('webhook delivery', () => {
  it('given an endpoint, then every event of its types committed after its creation arrives once, signed, with the feed\'s id and data', async () => {
    const { h, receiver, scheduleId } = await setUp();
    await buy(h.engine, 'early', scheduleId, 1);
    const { endpointId, secret } = await endpoint(h.engine, `${receiver.url}/payments`, ['payment.completed', 'refund.created']);
    const reservationId = await buy(h.engine, 'ann', scheduleId, 2);
    const held = await h.engine.hold({ userId: 'bob', scheduleId, seatNumbers: [3] });
    if (held.ok) await h.engine.cancelReservation('bob', held.value.reservationId);
    await h.engine.refund({ userId: 'ann', reservationId });
    await buy(h.engine, 'cat', scheduleId, 4);

    const expected = h.engine.listEvents({ after: 1, limit: 100, types: ['payment.completed', 'refund.created'] }).events;
    expect(expected.map((e) => e.type)).toEqual(['payment.completed', 'refund.created', 'payment.completed']);
    await eventually(() => receiver.deliveries.length >= 3, 5_000, 'three deliveries');
    await eventually(() => (h.engine.getWebhookEndpoint(endpointId) as { value: { deliveredThrough: number } }).value.deliveredThrough === h.engine.listEvents({ after: 0, limit: 100 }).nextAfter, 5_000, 'cursor at the end');
    const got = [...receiver.deliveries].sort((a, b) => a.event.sequence - b.event.sequence);
    expect(got.map((d) => d.event)).toEqual(expected);
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const delivery of got) {
      expect(verifySignature(secret, delivery.headers as Record<string, string>, delivery.body, nowSeconds)).toBeNull();
      expect(delivery.headers['webhook-id']).toBe(delivery.event.id);
      expect(verifySignature(secret, delivery.headers as Record<string, string>, delivery.body.replace('"amount":', '"amount": '), nowSeconds)).toBe('BAD_SIGNATURE');
      expect(verifySignature(secret, delivery.headers as Record<string, string>, delivery.body, nowSeconds + 3_600)).toBe('TIMESTAMP_OUT_OF_TOLERANCE');
    }
    expect(h.engine.listWebhookDeliveries({ endpointId, limit: 10 })).toMatchObject({ ok: true, value: [{ status: 'DELIVERED' }, { status: 'DELIVERED' }, { status: 'DELIVERED' }] });
  });

  it('given a receiver that fails, then it is retried only when the policy says, parked after the last attempt, and sent again when the admin retries it', async () => {
    const { h, receiver, scheduleId } = await setUp();
    let failing = true;
    receiver.answer = () => ({ status: failing ? 503 : 200 });
    const { endpointId } = await endpoint(h.engine, `${receiver.url}/flaky`, ['payment.completed']);
    await buy(h.engine, 'ann', scheduleId, 1);
    const attemptsRecorded = (n: number) => (): boolean => {
      const listed = h.engine.listWebhookDeliveries({ endpointId, limit: 10 });
      return listed.ok && listed.value[0]?.attempts === n;
    };
    await eventually(() => receiver.deliveries.length === 1, 5_000, 'first attempt');
    // The clock moves only once the attempt's outcome is recorded (its next attempt counts from then).
    await eventually(attemptsRecorded(1), 5_000, 'first attempt recorded');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.deliveries).toHaveLength(1);
    await h.advance(9_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.deliveries).toHaveLength(1);
    await h.advance(1_000);
    await eventually(() => receiver.deliveries.length === 2, 5_000, 'second attempt after 10 s');
    await eventually(attemptsRecorded(2), 5_000, 'second attempt recorded');
    await h.advance(60_000);
    await eventually(() => receiver.deliveries.length === 3, 5_000, 'third attempt after 60 s more');
    await eventually(() => h.engine.listWebhookDeliveries({ endpointId, status: 'PARKED', limit: 10 }).ok
      && (h.engine.listWebhookDeliveries({ endpointId, status: 'PARKED', limit: 10 }) as { value: unknown[] }).value.length === 1, 5_000, 'parked');
    await h.advance(3_600_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.deliveries).toHaveLength(3);
    expect(new Set(receiver.deliveries.map((d) => d.event.id)).size).toBe(1);

    failing = false;
    const seq = receiver.deliveries[0]!.event.sequence;
    expect((await h.engine.retryWebhookDelivery({ endpointId, eventSequence: seq })).ok).toBe(true);
    await eventually(() => receiver.deliveries.length === 4, 5_000, 'the admin\'s retry');
    await eventually(() => (h.engine.listWebhookDeliveries({ endpointId, limit: 10 }) as { value: Array<{ status: string }> }).value[0]?.status === 'DELIVERED', 5_000, 'delivered');
  });

  it('given one receiver that never answers and one dead, then a healthy endpoint still gets every event at once', async () => {
    const { h, receiver, scheduleId } = await setUp();
    receiver.answer = (path) => (path === '/hang' ? 'hang' : { status: 200 });
    await endpoint(h.engine, `${receiver.url}/hang`, ['payment.completed']);
    const dead = await endpoint(h.engine, 'http://127.0.0.1:9/dead', ['payment.completed']);
    await endpoint(h.engine, `${receiver.url}/healthy`, ['payment.completed']);
    for (let seat = 1; seat <= 10; seat++) await buy(h.engine, `fan${seat}`, scheduleId, seat);
    await eventually(() => receiver.idsAt('/healthy').size === 10, 5_000, 'the healthy endpoint\'s ten events');
    // The hanging one holds at most its concurrency, the dead one at most its retries: neither grows without bound.
    expect(receiver.deliveries.filter((d) => d.path === '/hang').length).toBeLessThanOrEqual(4);
    await eventually(() => (h.engine.getWebhookEndpoint(dead.endpointId) as { value: { pendingDeliveries: number } }).value.pendingDeliveries === RETRY.maxPendingPerEndpoint, 5_000, 'the dead endpoint\'s retries');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const deadView = (h.engine.getWebhookEndpoint(dead.endpointId) as { value: { pendingDeliveries: number } }).value;
    expect(deadView.pendingDeliveries).toBe(RETRY.maxPendingPerEndpoint);
  });

  it('given a dead receiver that comes back, then its backlog (kept in the outbox, not in memory) is delivered in full', async () => {
    const { h, receiver, scheduleId } = await setUp();
    let down = true;
    receiver.answer = () => ({ status: down ? 500 : 200 });
    const { endpointId } = await endpoint(h.engine, `${receiver.url}/back`, ['payment.completed']);
    for (let seat = 1; seat <= 8; seat++) await buy(h.engine, `fan${seat}`, scheduleId, seat);
    await eventually(() => (h.engine.getWebhookEndpoint(endpointId) as { value: { pendingDeliveries: number } }).value.pendingDeliveries === 3, 5_000, 'retries full');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.idsAt('/back').size).toBe(3);
    down = false;
    await h.advance(10_000);
    await eventually(() => receiver.idsAt('/back').size === 8, 5_000, 'the backlog delivered');
    await eventually(() => (h.engine.getWebhookEndpoint(endpointId) as { value: { pendingDeliveries: number } }).value.pendingDeliveries === 0, 5_000, 'no retries left');
  });
});
