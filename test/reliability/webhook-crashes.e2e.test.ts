/**
 * The real server (`node dist/server.js`) killed -9 around a webhook delivery, at the two moments that
 * matter, by the crash points of src/webhooks/crash-points.ts:
 * - between the commit and the delivery: the payment is acknowledged, the event committed, nothing sent.
 *   After the restart the event is delivered: none is lost.
 * - between the delivery and its record: the receiver answered 200, nothing recorded. After the restart
 *   the same event is sent again with the same id and body (the receiver drops it by `webhook-id`), and
 *   is then recorded DELIVERED once.
 * Either way the feed has exactly the acknowledged payment's event, and the receiver nothing else.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, Receiver } from '../webhooks/receiver.js';
import { sleep, type HttpClient } from './support/http-client.js';
import { readFeed } from './support/outbox-audit.js';
import { RELIABILITY_ADMIN_KEY, RELIABILITY_AUTH_SECRET, ServerProcess } from './support/server-process.js';
import { userToken } from './support/tokens.js';

let server: ServerProcess | undefined;
let receiver: Receiver | undefined;
let workDir: string | undefined;

afterEach(async () => {
  await server?.kill();
  await receiver?.close();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  server = undefined;
  receiver = undefined;
  workDir = undefined;
});

const admin = { adminKey: RELIABILITY_ADMIN_KEY };

async function buy(http: HttpClient, user: string): Promise<string> {
  const token = userToken(user, RELIABILITY_AUTH_SECRET);
  const queueToken = (await http.call('POST', '/v1/queue/tokens', { token })).body.token as string;
  for (let i = 0; i < 50 && (await http.call('GET', '/v1/queue/status', { token, queueToken })).body.status !== 'ACTIVE'; i++) await sleep(100);
  const concertId = (await http.call('GET', '/v1/concerts', {})).body.concerts[0].concertId as string;
  const schedules = await http.call('GET', `/v1/concerts/${concertId}/schedules`, { token, queueToken });
  const scheduleId = schedules.body.schedules[0].scheduleId as string;
  expect((await http.call('POST', '/v1/users/me/balance/charge', { token, body: { amount: 1_000_000 } })).status).toBe(200);
  const held = await http.call('POST', '/v1/reservations', { token, queueToken, body: { scheduleId, seatNumbers: [7] } });
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  const paid = await http.call('POST', '/v1/payments', { token, queueToken, body: { reservationId: held.body.reservationId } });
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  return paid.body.paymentId as string;
}

async function scenario(point: 'before-delivery' | 'after-delivery'): Promise<{ paymentId: string; marker: string }> {
  workDir = mkdtempSync(join(tmpdir(), 'webhook-crash-'));
  receiver = await Receiver.start();
  const marker = join(workDir, `${point}.marker`);
  server = await ServerProcess.create({
    dbPath: join(workDir, 'booking.db'), logPath: join(workDir, 'server.log'),
    env: { NODE_ENV: 'development', WEBHOOK_CRASH_POINTS: `${point}:${marker}` },
  });
  await server.start();
  const created = await server.http.call('POST', '/v1/admin/webhooks', { ...admin, body: { url: `${receiver.url}/hooks`, events: ['payment.completed'] } });
  expect(created.status).toBe(201);
  const paymentId = await buy(server.http, 'crash-fan');
  await eventually(() => existsSync(marker), 10_000, `the crash at ${point}`);
  await server.kill();
  return { paymentId, marker };
}

async function restartAndSettle(): Promise<{ feedIds: string[] }> {
  await server!.start();
  const endpoints = await server!.http.call('GET', '/v1/admin/webhooks', admin);
  const endpointId = endpoints.body.endpoints[0].endpointId as string;
  const feed = await readFeed(server!.http, RELIABILITY_ADMIN_KEY);
  for (let i = 0; i < 100; i++) {
    const deliveries = await server!.http.call('GET', `/v1/admin/webhooks/${endpointId}/deliveries`, admin);
    if (deliveries.body.deliveries.length === 1 && deliveries.body.deliveries[0].status === 'DELIVERED') {
      expect(deliveries.body.deliveries[0]).toMatchObject({ eventId: feed[0]!.id, attempts: 1 });
      return { feedIds: feed.map((e) => e.id) };
    }
    await sleep(100);
  }
  throw new Error('the delivery was not recorded after the restart');
}

describe('a kill -9 around a webhook delivery', () => {
  it('given the event committed and the process killed before sending it, when restarted, then it is delivered: none lost', async () => {
    const { paymentId } = await scenario('before-delivery');
    expect(receiver!.deliveries).toHaveLength(0);
    const { feedIds } = await restartAndSettle();
    expect(feedIds).toEqual(['evt_1']);
    expect(receiver!.deliveries.map((d) => d.event.id)).toEqual(['evt_1']);
    expect(receiver!.deliveries[0]!.event).toMatchObject({ type: 'payment.completed', data: { payment: { paymentId } } });
  }, 120_000);

  it('given the receiver answered and the process killed before recording it, when restarted, then the same event is sent again, same id and body, and recorded once', async () => {
    const { paymentId } = await scenario('after-delivery');
    expect(receiver!.deliveries.map((d) => d.event.id)).toEqual(['evt_1']);
    const { feedIds } = await restartAndSettle();
    expect(feedIds).toEqual(['evt_1']);
    expect(receiver!.deliveries.map((d) => d.event.id)).toEqual(['evt_1', 'evt_1']);
    expect(receiver!.deliveries[1]!.body).toBe(receiver!.deliveries[0]!.body);
    expect(receiver!.deliveries[1]!.headers['webhook-id']).toBe('evt_1');
    expect(receiver!.deliveries[0]!.event).toMatchObject({ data: { payment: { paymentId } } });
  }, 120_000);
});
