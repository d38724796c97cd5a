/**
 * Access control: every user endpoint with no token, a forged token, an expired token, a token whose
 * algorithm is "none"; every resource of alice's with bob's token; every queue-gated endpoint with
 * another user's queue token and with a waiting one; admin endpoints without and with a wrong key; the
 * WebSockets with the same. Each refusal has the contract's code, and nothing changes.
 */
import type { InjectOptions } from 'fastify';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY, TEST_AUTH_SECRET } from '../helpers/build-test-app.js';
import { buildFixture, errorShapeProblems, type Fixture } from './support/app-fixture.js';
import { signHs256 } from './support/tokens.js';

let fx: Fixture;
let before: string;
let attempts = 0;

interface Case { name: string; request: () => InjectOptions; status: number; code: string }

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function expectRefused(c: Case): Promise<void> {
  attempts++;
  const response = await fx.inject(c.request());
  expect(`${response.statusCode} ${response.json().code}`, `${c.name}: ${response.body}`).toBe(`${c.status} ${c.code}`);
  expect(errorShapeProblems(response), c.name).toEqual([]);
  expect(fx.digest(), `${c.name} changed the state`).toBe(before);
}

/** Every user-token route with alice's otherwise valid request. */
function aliceRequests(): Array<{ route: string; request: (headers: Record<string, string>) => InjectOptions }> {
  const gated = (headers: Record<string, string>): Record<string, string> => ({ 'x-queue-token': fx.queueTokens.alice, ...headers });
  return [
    { route: 'POST /v1/queue/tokens', request: (h) => ({ method: 'POST', url: '/v1/queue/tokens', headers: h }) },
    { route: 'GET /v1/queue/status', request: (h) => ({ method: 'GET', url: '/v1/queue/status', headers: gated(h) }) },
    { route: 'DELETE /v1/queue/tokens/current', request: (h) => ({ method: 'DELETE', url: '/v1/queue/tokens/current', headers: gated(h) }) },
    { route: 'GET /v1/queue/receipt', request: (h) => ({ method: 'GET', url: '/v1/queue/receipt', headers: gated(h) }) },
    { route: 'GET /v1/concerts/{concertId}/schedules', request: (h) => ({ method: 'GET', url: `/v1/concerts/${fx.concertId}/schedules`, headers: gated(h) }) },
    { route: 'GET /v1/schedules/{scheduleId}/seats', request: (h) => ({ method: 'GET', url: `/v1/schedules/${fx.scheduleId}/seats`, headers: gated(h) }) },
    { route: 'GET /v1/schedules/{scheduleId}/venue', request: (h) => ({ method: 'GET', url: `/v1/schedules/${fx.scheduleId}/venue`, headers: gated(h) }) },
    { route: 'GET /v1/schedules/{scheduleId}/venue/map', request: (h) => ({ method: 'GET', url: `/v1/schedules/${fx.scheduleId}/venue/map`, headers: gated(h) }) },
    { route: 'POST /v1/reservations', request: (h) => ({ method: 'POST', url: '/v1/reservations', headers: gated(h), payload: { scheduleId: fx.scheduleId, seatNumbers: [30] } }) },
    { route: 'GET /v1/reservations', request: (h) => ({ method: 'GET', url: '/v1/reservations', headers: h }) },
    { route: 'GET /v1/reservations/{reservationId}', request: (h) => ({ method: 'GET', url: `/v1/reservations/${fx.aliceHeldId}`, headers: h }) },
    { route: 'DELETE /v1/reservations/{reservationId}', request: (h) => ({ method: 'DELETE', url: `/v1/reservations/${fx.aliceHeldId}`, headers: h }) },
    { route: 'GET /v1/users/{userId}/balance', request: (h) => ({ method: 'GET', url: '/v1/users/alice/balance', headers: h }) },
    { route: 'POST /v1/users/{userId}/balance/charge', request: (h) => ({ method: 'POST', url: '/v1/users/alice/balance/charge', headers: h, payload: { amount: 5_000 } }) },
    { route: 'GET /v1/users/{userId}/balance/history', request: (h) => ({ method: 'GET', url: '/v1/users/alice/balance/history', headers: h }) },
    { route: 'POST /v1/payments', request: (h) => ({ method: 'POST', url: '/v1/payments', headers: gated(h), payload: { reservationId: fx.aliceHeldId } }) },
    { route: 'GET /v1/payments/{paymentId}', request: (h) => ({ method: 'GET', url: `/v1/payments/${fx.bobPaymentId}`, headers: h }) },
    { route: 'GET /v1/reservations/{reservationId}/tickets', request: (h) => ({ method: 'GET', url: `/v1/reservations/${fx.bobPaidId}/tickets`, headers: h }) },
    { route: 'POST /v1/reservations/{reservationId}/refunds', request: (h) => ({ method: 'POST', url: `/v1/reservations/${fx.aliceHeldId}/refunds`, headers: h, payload: {} }) },
    { route: 'POST /v1/schedules/{scheduleId}/waitlist', request: (h) => ({ method: 'POST', url: `/v1/schedules/${fx.scheduleId}/waitlist`, headers: h, payload: { quantity: 1 } }) },
    { route: 'GET /v1/schedules/{scheduleId}/waitlist/me', request: (h) => ({ method: 'GET', url: `/v1/schedules/${fx.scheduleId}/waitlist/me`, headers: h }) },
    { route: 'DELETE /v1/schedules/{scheduleId}/waitlist/me', request: (h) => ({ method: 'DELETE', url: `/v1/schedules/${fx.scheduleId}/waitlist/me`, headers: h }) },
    { route: 'GET /v1/users/me/waitlist', request: (h) => ({ method: 'GET', url: '/v1/users/me/waitlist', headers: h }) },
    { route: 'GET /v1/waitlist/schedules', request: (h) => ({ method: 'GET', url: '/v1/waitlist/schedules', headers: h }) },
  ];
}

describe('access control', () => {
  beforeAll(async () => {
    fx = await buildFixture();
    before = fx.digest();
  });
  afterAll(async () => {
    process.stdout.write(`access control: ${attempts} unauthorised attempts refused\n`);
    await fx?.close();
  });

  it('covers every route of the OpenAPI document that needs a user token', async () => {
    const document = (await fx.inject({ method: 'GET', url: '/openapi.json' })).json() as { paths: Record<string, Record<string, { security?: Array<Record<string, unknown>> }>> };
    const userRoutes = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item)
      .filter(([, operation]) => (operation.security ?? []).some((requirement) => 'bearerAuth' in requirement))
      .map(([method]) => `${method.toUpperCase()} ${path}`));
    expect(userRoutes.filter((route) => !aliceRequests().some((r) => r.route === route))).toEqual([]);
  });

  it('refuses every user endpoint without a valid user token: 401 UNAUTHENTICATED', async () => {
    const nowSeconds = Math.floor(fx.t.engine.now() / 1000);
    const badTokens: Record<string, Record<string, string>> = {
      'no token': {},
      'an empty bearer': { authorization: 'Bearer ' },
      'a forged token (signed with another secret)': bearer(signHs256({ sub: 'alice', exp: nowSeconds + 600 }, 'not-the-auth-secret-0123456789abcdef')),
      'an expired token': bearer(signHs256({ sub: 'alice', exp: nowSeconds - 1 }, TEST_AUTH_SECRET)),
      'a token not valid yet': bearer(signHs256({ sub: 'alice', nbf: nowSeconds + 600 }, TEST_AUTH_SECRET)),
      'an unsigned token (alg none)': bearer(signHs256({ sub: 'alice' }, TEST_AUTH_SECRET, { alg: 'none', typ: 'JWT' }).split('.').slice(0, 2).join('.') + '.'),
      'a token with a malformed subject': bearer(signHs256({ sub: 'alice/../bob' }, TEST_AUTH_SECRET)),
      'the admin key as a bearer': bearer(TEST_ADMIN_KEY),
    };
    for (const { route, request } of aliceRequests()) {
      for (const [name, headers] of Object.entries(badTokens)) {
        await expectRefused({ name: `${route} with ${name}`, request: () => request(headers), status: 401, code: 'UNAUTHENTICATED' });
      }
    }
  });

  it("refuses bob's token on alice's things: 404 for reservations and payments, 403 for her user, 401 for her queue token", async () => {
    const bob = bearer(fx.tokens.bob);
    const bobGated = { ...bob, 'x-queue-token': fx.queueTokens.bob };
    const cases: Case[] = [
      { name: "read alice's reservation", request: () => ({ method: 'GET', url: `/v1/reservations/${fx.aliceHeldId}`, headers: bob }), status: 404, code: 'RESERVATION_NOT_FOUND' },
      { name: "cancel alice's reservation", request: () => ({ method: 'DELETE', url: `/v1/reservations/${fx.aliceHeldId}`, headers: bob }), status: 404, code: 'RESERVATION_NOT_FOUND' },
      { name: "refund alice's reservation", request: () => ({ method: 'POST', url: `/v1/reservations/${fx.aliceHeldId}/refunds`, headers: bob, payload: {} }), status: 404, code: 'RESERVATION_NOT_FOUND' },
      { name: "pay alice's reservation", request: () => ({ method: 'POST', url: '/v1/payments', headers: bobGated, payload: { reservationId: fx.aliceHeldId } }), status: 404, code: 'RESERVATION_NOT_FOUND' },
      { name: "read alice's balance", request: () => ({ method: 'GET', url: '/v1/users/alice/balance', headers: bob }), status: 403, code: 'FORBIDDEN' },
      { name: "charge alice's balance", request: () => ({ method: 'POST', url: '/v1/users/alice/balance/charge', headers: bob, payload: { amount: 1_000 } }), status: 403, code: 'FORBIDDEN' },
      { name: "read alice's history", request: () => ({ method: 'GET', url: '/v1/users/alice/balance/history', headers: bob }), status: 403, code: 'FORBIDDEN' },
      { name: "poll alice's queue token", request: () => ({ method: 'GET', url: '/v1/queue/status', headers: { ...bob, 'x-queue-token': fx.queueTokens.alice } }), status: 401, code: 'QUEUE_TOKEN_INVALID' },
      { name: "leave with alice's queue token", request: () => ({ method: 'DELETE', url: '/v1/queue/tokens/current', headers: { ...bob, 'x-queue-token': fx.queueTokens.alice } }), status: 401, code: 'QUEUE_TOKEN_INVALID' },
      { name: "hold with alice's queue token", request: () => ({ method: 'POST', url: '/v1/reservations', headers: { ...bob, 'x-queue-token': fx.queueTokens.alice }, payload: { scheduleId: fx.scheduleId, seatNumbers: [30] } }), status: 401, code: 'QUEUE_TOKEN_INVALID' },
      { name: "alice reads bob's payment", request: () => ({ method: 'GET', url: `/v1/payments/${fx.bobPaymentId}`, headers: bearer(fx.tokens.alice) }), status: 404, code: 'PAYMENT_NOT_FOUND' },
      { name: "alice reads bob's reservation", request: () => ({ method: 'GET', url: `/v1/reservations/${fx.bobPaidId}`, headers: bearer(fx.tokens.alice) }), status: 404, code: 'RESERVATION_NOT_FOUND' },
      { name: "alice reads bob's tickets", request: () => ({ method: 'GET', url: `/v1/reservations/${fx.bobPaidId}/tickets`, headers: bearer(fx.tokens.alice) }), status: 404, code: 'RESERVATION_NOT_FOUND' },
      { name: "alice cancels bob's held reservation", request: () => ({ method: 'DELETE', url: `/v1/reservations/${fx.bobHeldId}`, headers: bearer(fx.tokens.alice) }), status: 404, code: 'RESERVATION_NOT_FOUND' },
      { name: "alice pays bob's held reservation", request: () => ({ method: 'POST', url: '/v1/payments', headers: { ...bearer(fx.tokens.alice), 'x-queue-token': fx.queueTokens.alice }, payload: { reservationId: fx.bobHeldId } }), status: 404, code: 'RESERVATION_NOT_FOUND' },
    ];
    for (const c of cases) await expectRefused(c);

    // And the lists never show another user's reservations.
    const bobsList = await fx.inject({ method: 'GET', url: '/v1/reservations', headers: bob });
    expect((bobsList.json().reservations as Array<{ userId: string }>).every((r) => r.userId === 'bob')).toBe(true);
  });

  it("refuses every queue-gated endpoint with another user's queue token (401) or a waiting one (403)", async () => {
    const gatedRoutes = aliceRequests().filter((r) => ['GET /v1/concerts/{concertId}/schedules', 'GET /v1/schedules/{scheduleId}/seats', 'GET /v1/schedules/{scheduleId}/venue', 'GET /v1/schedules/{scheduleId}/venue/map', 'POST /v1/reservations', 'POST /v1/payments'].includes(r.route));
    expect(gatedRoutes).toHaveLength(6);
    for (const { route, request } of gatedRoutes) {
      for (const other of ['bob', 'carol'] as const) {
        await expectRefused({ name: `${route} with ${other}'s queue token`, request: () => request({ ...bearer(fx.tokens.alice), 'x-queue-token': fx.queueTokens[other] }), status: 401, code: 'QUEUE_TOKEN_INVALID' });
      }
      await expectRefused({ name: `${route} without a queue token`, request: () => { const r = request(bearer(fx.tokens.alice)); delete (r.headers as Record<string, string>)['x-queue-token']; return r; }, status: 401, code: 'QUEUE_TOKEN_INVALID' });
      await expectRefused({ name: `${route} while waiting`, request: () => request({ ...bearer(fx.tokens.carol), 'x-queue-token': fx.queueTokens.carol }), status: 403, code: 'QUEUE_NOT_ACTIVE' });
    }
  });

  it('refuses admin endpoints without the key or with a wrong one: 401', async () => {
    const keys: Record<string, Record<string, string>> = {
      'no key': {},
      'an empty key': { 'x-admin-key': '' },
      'a wrong key': { 'x-admin-key': 'wrong' },
      'the key with an extra character': { 'x-admin-key': `${TEST_ADMIN_KEY}x` },
      'a prefix of the key': { 'x-admin-key': TEST_ADMIN_KEY.slice(0, -1) },
      "a user's token instead": bearer(fx.tokens.alice),
      'the key as a bearer token': bearer(TEST_ADMIN_KEY),
    };
    for (const [name, headers] of Object.entries(keys)) {
      await expectRefused({ name: `GET /v1/admin/stats with ${name}`, request: () => ({ method: 'GET', url: '/v1/admin/stats', headers }), status: 401, code: 'UNAUTHENTICATED' });
      await expectRefused({ name: `POST /v1/admin/schedules/{scheduleId}/cancel with ${name}`, request: () => ({ method: 'POST', url: `/v1/admin/schedules/${fx.scheduleId}/cancel`, headers }), status: 401, code: 'UNAUTHENTICATED' });
      await expectRefused({ name: `GET /v1/admin/schedules/{scheduleId}/cancellation with ${name}`, request: () => ({ method: 'GET', url: `/v1/admin/schedules/${fx.scheduleId}/cancellation`, headers }), status: 401, code: 'UNAUTHENTICATED' });
      await expectRefused({ name: `POST /v1/checkins with ${name}`, request: () => ({ method: 'POST', url: '/v1/checkins', headers, payload: { code: 'T1.x' } }), status: 401, code: 'UNAUTHENTICATED' });
      await expectRefused({
        name: `POST /v1/admin/concerts with ${name}`, status: 401, code: 'UNAUTHENTICATED',
        request: () => ({ method: 'POST', url: '/v1/admin/concerts', headers, payload: { title: 'Stolen', venue: 'Nowhere', schedules: [{ startsAt: '2030-01-01T00:00:00.000Z' }] } }),
      });
    }
  });

  it('closes WebSockets opened with bad credentials with the documented codes', async () => {
    const seatPath = (token: string, queueToken: string, scheduleId = fx.scheduleId): string =>
      `/v1/schedules/${encodeURIComponent(scheduleId)}/seats/ws?token=${encodeURIComponent(token)}&queueToken=${encodeURIComponent(queueToken)}`;
    const queuePath = (token: string, queueToken: string): string => `/v1/queue/ws?token=${encodeURIComponent(token)}&queueToken=${encodeURIComponent(queueToken)}`;
    const forged = signHs256({ sub: 'alice' }, 'not-the-auth-secret-0123456789abcdef');
    const cases: Array<{ name: string; path: string; code: number }> = [
      { name: 'queue socket, forged token', path: queuePath(forged, fx.queueTokens.alice), code: 4401 },
      { name: "queue socket, bob with alice's queue token", path: queuePath(fx.tokens.bob, fx.queueTokens.alice), code: 4401 },
      { name: 'queue socket, no queue token', path: `/v1/queue/ws?token=${encodeURIComponent(fx.tokens.alice)}`, code: 4401 },
      { name: 'seat socket, no user token', path: `/v1/schedules/${fx.scheduleId}/seats/ws?queueToken=${fx.queueTokens.alice}`, code: 4401 },
      { name: "seat socket, alice with bob's queue token", path: seatPath(fx.tokens.alice, fx.queueTokens.bob), code: 4401 },
      { name: 'seat socket, a waiting queue token', path: seatPath(fx.tokens.carol, fx.queueTokens.carol), code: 4403 },
      { name: 'seat socket, unknown schedule', path: seatPath(fx.tokens.alice, fx.queueTokens.alice, 'sch_nope'), code: 4404 },
    ];
    for (const c of cases) {
      attempts++;
      const closeCode = await new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${c.name}: not closed within 3 s`)), 3_000);
        let socket: WebSocket | undefined;
        void fx.t.app.injectWS(c.path, {}, {
          onInit: (ws) => {
            socket = ws;
            ws.once('close', (code) => {
              clearTimeout(timer);
              resolve(code);
            });
          },
        }).catch((error: unknown) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(String(error)));
        });
        void socket;
      });
      expect(closeCode, c.name).toBe(c.code);
    }
    expect(fx.digest()).toBe(before);
  });
});
