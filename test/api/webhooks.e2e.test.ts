/**
 * Events and webhooks over real HTTP, as a platform uses them: register an endpoint with the admin key,
 * sell a seat through the API, receive the signed payment.completed at a real receiver; read the same
 * events from the pull feed; pause, list deliveries, remove. Without the admin key every route is 401.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/webhooks/signature.js';
import { TEST_ADMIN_KEY } from '../helpers/build-test-app.js';
import { eventually, Receiver } from '../webhooks/receiver.js';
import { admittedFan, charge, createConcert, hold, pay, startLiveApi, type CreatedConcert, type LiveApi } from './http-client.js';

let api: LiveApi;
let concert: CreatedConcert;
let receiver: Receiver;

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 1_000 } } });
  concert = await createConcert(api);
  receiver = await Receiver.start();
});
afterAll(async () => {
  await api?.close();
  await receiver?.close();
});

const admin = { adminKey: TEST_ADMIN_KEY };

async function sale(userId: string, seat: number): Promise<{ reservationId: string; paymentId: string }> {
  const fan = await admittedFan(api, userId);
  expect((await charge(api, fan, 1_000_000)).status).toBe(200);
  const held = await hold(api, fan, concert.schedules[0]!.scheduleId, [seat]);
  expect(held.status).toBe(201);
  const paid = await pay(api, fan, held.body.reservationId as string);
  expect(paid.status).toBe(201);
  return { reservationId: held.body.reservationId as string, paymentId: paid.body.paymentId as string };
}

describe('webhooks and the event feed over HTTP', () => {
  it('given an endpoint registered by the admin, when a seat is paid, then the receiver gets a signed payment.completed that the feed lists too', async () => {
    const created = await api.http.post('/v1/admin/webhooks', { ...admin, body: { url: `${receiver.url}/sales`, events: ['payment.completed'], description: 'mailer' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: `${receiver.url}/sales`, events: ['payment.completed'], description: 'mailer', enabled: true, pendingDeliveries: 0, parkedDeliveries: 0 });
    const { endpointId, secret } = created.body as { endpointId: string; secret: string };

    const { paymentId, reservationId } = await sale('webhook-fan-1', 11);
    await eventually(() => receiver.idsAt('/sales').size === 1, 5_000, 'the delivery');
    const delivery = receiver.deliveries.find((d) => d.path === '/sales')!;
    expect(delivery.headers['content-type']).toBe('application/json');
    expect(verifySignature(secret, delivery.headers as Record<string, string>, delivery.body, Math.floor(Date.now() / 1000))).toBeNull();
    expect(delivery.event).toMatchObject({ type: 'payment.completed', data: { payment: { paymentId, reservationId, status: 'COMPLETED' }, reservation: { status: 'CONFIRMED' } } });

    const feed = await api.http.get(`/v1/admin/events?after=0&type=payment.completed`, admin);
    expect(feed.status).toBe(200);
    expect((feed.body.events as unknown[]).at(-1)).toEqual(delivery.event);

    await eventually(() => {
      const recorded = api.engine.listWebhookDeliveries({ endpointId, limit: 10 });
      return recorded.ok && recorded.value[0]?.status === 'DELIVERED';
    }, 5_000, 'recorded as delivered');
    const listed = await api.http.get(`/v1/admin/webhooks/${endpointId}/deliveries`, admin);
    expect(listed.body).toEqual({ deliveries: [expect.objectContaining({ eventId: delivery.event.id, status: 'DELIVERED', attempts: 1 })] });
    const endpoints = await api.http.get('/v1/admin/webhooks', admin);
    expect(JSON.stringify(endpoints.body)).not.toContain(secret);

    const metrics = await fetch(`${api.http.baseUrl}/metrics`).then((response) => response.text());
    expect(metrics).toMatch(/^webhook_attempts_total\{outcome="delivered"\} [1-9]/m);
    expect(metrics).toMatch(/^outbox_last_event_sequence [1-9]/m);
    expect(metrics).toMatch(/^webhook_deliveries_parked 0$/m);
    expect(metrics).toMatch(/^webhook_dispatcher_active 1$/m);
  });

  it('given a paused endpoint, then its events wait, and flow once it is enabled again', async () => {
    const created = await api.http.post('/v1/admin/webhooks', { ...admin, body: { url: `${receiver.url}/paused`, events: ['payment.completed', 'refund.created'] } });
    const endpointId = created.body.endpointId as string;
    const paused = await api.http.request('PATCH', `/v1/admin/webhooks/${endpointId}`, { ...admin, body: { enabled: false } });
    expect(paused.status).toBe(200);
    expect(paused.body.enabled).toBe(false);
    await sale('webhook-fan-2', 12);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.idsAt('/paused').size).toBe(0);
    expect((await api.http.request('PATCH', `/v1/admin/webhooks/${endpointId}`, { ...admin, body: { enabled: true } })).status).toBe(200);
    await eventually(() => receiver.idsAt('/paused').size === 1, 5_000, 'the waiting event');
    await eventually(() => {
      const deliveries = api.engine.listWebhookDeliveries({ endpointId, limit: 10 });
      return deliveries.ok && deliveries.value.length === 1 && deliveries.value[0]!.status === 'DELIVERED';
    }, 5_000, 'recorded as delivered');
    const listed = await api.http.get(`/v1/admin/webhooks/${endpointId}/deliveries?status=DELIVERED`, admin);
    expect(listed.body).toMatchObject({ deliveries: [{ endpointId, eventType: 'payment.completed', status: 'DELIVERED', attempts: 1, lastStatusCode: 200, nextAttemptAt: null }] });

    expect((await api.http.delete(`/v1/admin/webhooks/${endpointId}`, admin)).status).toBe(204);
    expect((await api.http.get(`/v1/admin/webhooks/${endpointId}`, admin)).body).toMatchObject({ code: 'WEBHOOK_ENDPOINT_NOT_FOUND' });
  });

  it('given no admin key, then every events and webhooks route is 401; bad input is 400 and creates nothing', async () => {
    const before = api.engine.listWebhookEndpoints().length;
    for (const [method, path] of [['GET', '/v1/admin/events'], ['POST', '/v1/admin/webhooks'], ['GET', '/v1/admin/webhooks'], ['GET', '/v1/admin/webhooks/x'],
      ['PATCH', '/v1/admin/webhooks/x'], ['DELETE', '/v1/admin/webhooks/x'], ['GET', '/v1/admin/webhooks/x/deliveries'], ['POST', '/v1/admin/webhooks/x/deliveries/evt_1/retry']] as const) {
      const response = await api.http.request(method, path, { body: method === 'POST' || method === 'PATCH' ? {} : undefined });
      expect(response.status, `${method} ${path}`).toBe(401);
    }
    for (const body of [{ url: `${receiver.url}/x`, events: [] }, { url: `${receiver.url}/x`, events: ['payment.refunded'] }, { url: `${receiver.url}/x` }, { url: `${receiver.url}/x`, events: ['checkin.accepted'], secret: 'mine' }]) {
      const refused = await api.http.post('/v1/admin/webhooks', { ...admin, body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.code).toBe('VALIDATION_ERROR');
    }
    expect((await api.http.get('/v1/admin/events?limit=0', admin)).status).toBe(400);
    expect(api.engine.listWebhookEndpoints().length).toBe(before);
  });
});
