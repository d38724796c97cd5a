/**
 * An in-process app (real engine, temp SQLite file, ManualClock) with a known cast, built through the
 * API as clients would: alice (ACTIVE, a HELD reservation she cannot afford), bob (a paid reservation, a
 * second HELD one, ACTIVE again), carol (WAITING behind a full room). `digest()` fingerprints every
 * piece of state a request could touch, including the journal's length on disk.
 */
import Database from 'better-sqlite3';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ERROR_CODES } from '../../../src/domain/error-codes.js';
import { buildTestApp, TEST_ADMIN_KEY, TEST_AUTH_SECRET, type TestApp } from '../../helpers/build-test-app.js';
import { userToken } from './tokens.js';

export const CAST = ['alice', 'bob', 'carol'] as const;
export type CastMember = (typeof CAST)[number];

export interface Fixture {
  t: TestApp;
  concertId: string;
  scheduleId: string;
  tokens: Record<CastMember, string>;
  queueTokens: Record<CastMember, string>;
  aliceHeldId: string;
  bobHeldId: string;
  bobPaidId: string;
  bobPaymentId: string;
  /** A webhook endpoint (taking payment.completed), registered after every payment of the fixture. */
  webhookEndpointId: string;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  digest(): string;
  close(): Promise<void>;
}

function expectStatus(response: LightMyRequestResponse, status: number, what: string): void {
  if (response.statusCode !== status) throw new Error(`fixture: ${what} answered ${response.statusCode} ${response.body}`);
}

export async function buildFixture(): Promise<Fixture> {
  // Two active slots: alice and bob get in, carol waits.
  const t = await buildTestApp({ config: { limits: { queueMaxActive: 2, holdTtlMs: 300_000 } } });
  const inject = (options: InjectOptions): Promise<LightMyRequestResponse> => t.app.inject(options);
  const now = t.engine.now();
  const tokens = Object.fromEntries(CAST.map((user) => [user, userToken(user, TEST_AUTH_SECRET, now)])) as Record<CastMember, string>;
  const auth = (user: CastMember): Record<string, string> => ({ authorization: `Bearer ${tokens[user]}` });

  const created = await inject({
    method: 'POST', url: '/v1/admin/concerts', headers: { 'x-admin-key': TEST_ADMIN_KEY },
    payload: {
      title: 'Hostile night', venue: 'Fuzz hall',
      schedules: [{ startsAt: new Date(now + 7 * 86_400_000).toISOString(), bookingOpensAt: new Date(now - 1_000).toISOString(), seatMap: { seatCount: 50, grades: [{ grade: 'VIP', from: 1, to: 10, price: 200_000 }, { grade: 'S', from: 11, to: 50, price: 100_000 }] } }],
    },
  });
  expectStatus(created, 201, 'create concert');
  const concertId = created.json().concertId as string;
  const scheduleId = created.json().schedules[0].scheduleId as string;

  const queueTokens = {} as Record<CastMember, string>;
  const join = async (user: CastMember): Promise<void> => {
    const joined = await inject({ method: 'POST', url: '/v1/queue/tokens', headers: auth(user) });
    if (joined.statusCode !== 201 && joined.statusCode !== 200) throw new Error(`fixture: join ${joined.statusCode}`);
    queueTokens[user] = joined.json().token as string;
  };
  const tick = async (): Promise<void> => {
    t.clock.advance(1_000);
    await new Promise((resolve) => setImmediate(resolve));
  };
  const gated = (user: CastMember): Record<string, string> => ({ ...auth(user), 'x-queue-token': queueTokens[user] });

  await join('alice');
  await join('bob');
  await tick();
  await join('carol');
  await tick();

  // bob: pays for seat 11, comes back through the line, holds seat 12.
  expectStatus(await inject({ method: 'POST', url: '/v1/users/me/balance/charge', headers: auth('bob'), payload: { amount: 300_000 } }), 200, 'charge bob');
  const bobFirst = await inject({ method: 'POST', url: '/v1/reservations', headers: gated('bob'), payload: { scheduleId, seatNumbers: [11] } });
  expectStatus(bobFirst, 201, 'hold bob');
  const paid = await inject({ method: 'POST', url: '/v1/payments', headers: gated('bob'), payload: { reservationId: bobFirst.json().reservationId } });
  expectStatus(paid, 201, 'pay bob');
  // bob's slot is free now: carol (ahead in line) is admitted first; bob rejoins behind her... so make
  // carol leave and rejoin to end up waiting behind bob.
  await tick();
  await join('bob');
  expectStatus(await inject({ method: 'DELETE', url: '/v1/queue/tokens/current', headers: gated('carol') }), 204, 'carol leaves');
  await join('carol');
  await tick();
  const bobHeld = await inject({ method: 'POST', url: '/v1/reservations', headers: gated('bob'), payload: { scheduleId, seatNumbers: [12] } });
  expectStatus(bobHeld, 201, 'second hold bob');

  // alice: 100 000 won, a hold of two VIP seats (400 000) she cannot pay for.
  expectStatus(await inject({ method: 'POST', url: '/v1/users/me/balance/charge', headers: auth('alice'), payload: { amount: 100_000 } }), 200, 'charge alice');
  const aliceHeld = await inject({ method: 'POST', url: '/v1/reservations', headers: gated('alice'), payload: { scheduleId, seatNumbers: [1, 2] } });
  expectStatus(aliceHeld, 201, 'hold alice');

  const status = (user: CastMember): string => {
    const result = t.engine.checkQueueAccess(user, queueTokens[user]);
    return result.ok ? 'ACTIVE' : result.error.code;
  };
  if (status('alice') !== 'ACTIVE' || status('bob') !== 'ACTIVE' || status('carol') !== 'QUEUE_NOT_ACTIVE') {
    throw new Error(`fixture: queue is alice=${status('alice')} bob=${status('bob')} carol=${status('carol')}`);
  }

  const db = new Database(t.dbPath, { readonly: true, fileMustExist: true });
  const digest = (): string => {
    const engine = t.engine;
    return JSON.stringify({
      // The last seq, not the row count: checkpoints trim old rows without anything happening.
      journalSeq: db.prepare('SELECT MAX(seq) FROM journal').pluck().get(),
      idempotencyRows: db.prepare('SELECT COUNT(*) FROM idempotency').pluck().get(),
      accounts: db.prepare('SELECT account_id, balance FROM accounts ORDER BY account_id').all(),
      stats: engine.stats(),
      concerts: engine.listConcerts(),
      seats: engine.getSeatMap(scheduleId),
      wallets: CAST.map((user) => [engine.getBalance(user), engine.balanceHistory(user)]),
      reservations: CAST.map((user) => engine.listReservations(user)),
      queue: CAST.map((user) => status(user)),
      lastEvent: engine.listEvents({ after: 0, limit: 1_000 }).nextAfter,
      webhooks: engine.listWebhookEndpoints(),
    });
  };
  const endpoint = await t.engine.createWebhookEndpoint({ url: 'https://platform.example/hooks', events: ['payment.completed'] });
  if (!endpoint.ok) throw new Error(`fixture: webhook endpoint ${endpoint.error.code}`);

  return {
    t, concertId, scheduleId, tokens, queueTokens,
    aliceHeldId: aliceHeld.json().reservationId as string,
    bobHeldId: bobHeld.json().reservationId as string,
    bobPaidId: bobFirst.json().reservationId as string,
    bobPaymentId: paid.json().paymentId as string,
    webhookEndpointId: endpoint.value.endpointId,
    inject, digest,
    async close() {
      db.close();
      await t.close();
    },
  };
}

/** Problems with an error answer: not the contract's shape, or leaking internals. Empty when fine. */
export function errorShapeProblems(response: LightMyRequestResponse): string[] {
  const problems: string[] = [];
  let body: Record<string, unknown>;
  try {
    body = response.json() as Record<string, unknown>;
  } catch {
    return [`body is not JSON: ${response.body.slice(0, 200)}`];
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return ['body is not an object'];
  if (body['statusCode'] !== response.statusCode) problems.push(`statusCode ${String(body['statusCode'])} != ${response.statusCode}`);
  const code = body['code'];
  if (typeof code !== 'string' || !(code in ERROR_CODES)) problems.push(`code ${String(code)} is not one of the contract's codes`);
  // Refusals without a code of their own (413 too large, 415 unsupported type, 426 upgrade required) carry VALIDATION_ERROR.
  else if (ERROR_CODES[code as keyof typeof ERROR_CODES].statusCode !== response.statusCode && !(code === 'VALIDATION_ERROR' && [413, 415, 426].includes(response.statusCode))) {
    problems.push(`code ${code} with status ${response.statusCode}`);
  }
  if (typeof body['error'] !== 'string') problems.push('error missing');
  if (typeof body['message'] !== 'string') problems.push('message missing');
  const extra = Object.keys(body).filter((key) => !['statusCode', 'code', 'error', 'message', 'details'].includes(key));
  if (extra.length > 0) problems.push(`unexpected fields ${extra.join(',')}`);
  if (body['details'] !== undefined && (typeof body['details'] !== 'object' || body['details'] === null || Array.isArray(body['details']))) problems.push('details is not an object');
  if (/\bat .+:\d+:\d+\)?/.test(response.body) || response.body.includes('node_modules')) problems.push('stack trace in the body');
  return problems;
}
