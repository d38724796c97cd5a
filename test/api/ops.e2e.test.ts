import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, TEST_ADMIN_KEY, type TestApp } from '../helpers/build-test-app.js';

const METRIC_NAMES = [
  'http_request_duration_seconds', 'queue_waiting', 'queue_active', 'queue_admissions_total', 'holds_total',
  'hold_expiries_total', 'hold_cancellations_total', 'payments_total', 'payment_amount_total', 'charges_total',
  'journal_commit_duration_seconds', 'journal_ack_duration_seconds', 'journal_batch_commands', 'process_cpu_user_seconds_total',
];

describe('operations endpoints', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('given a running process, when /health is asked, then 200 ok', async () => {
    t = await buildTestApp({ start: false });

    const res = await t.app.inject({ method: 'GET', url: '/health' });

    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('given recovery not finished, when /ready and /v1 are asked, then 503 NOT_READY; after start, 200', async () => {
    t = await buildTestApp({ start: false });

    const before = await t.app.inject({ method: 'GET', url: '/ready' });
    const apiBefore = await t.app.inject({ method: 'GET', url: '/v1/concerts' });
    await t.engine.start();
    const after = await t.app.inject({ method: 'GET', url: '/ready' });
    const apiAfter = await t.app.inject({ method: 'GET', url: '/v1/concerts' });

    expect(before.statusCode).toBe(503);
    expect(before.json()).toMatchObject({ statusCode: 503, code: 'NOT_READY', error: 'Service Unavailable' });
    expect(apiBefore.statusCode).toBe(503);
    expect(apiBefore.json()).toMatchObject({ code: 'NOT_READY' });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toEqual({ status: 'ready' });
    expect(apiAfter.statusCode).toBe(200);
  });

  it('given some traffic, when /metrics is scraped, then the Prometheus text names every metric', async () => {
    t = await buildTestApp({ seedDemo: true });
    await t.app.inject({ method: 'GET', url: '/v1/concerts' });

    const res = await t.app.inject({ method: 'GET', url: '/metrics' });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    for (const name of METRIC_NAMES) expect(res.body).toContain(`# TYPE ${name} `);
    expect(res.body).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/v1\/concerts"[^}]*\} 1/);
    expect(res.body).toMatch(/journal_batch_commands_count [1-9]/);
  });

  it('given a sale\'s room with fans in its pre-queue, when /metrics is scraped, then its fans are counted by room and state', async () => {
    t = await buildTestApp({ seedDemo: true });
    const schedules = t.engine.listSchedules(t.engine.listConcerts()[0]!.concertId);
    if (!schedules.ok) throw new Error(schedules.error.code);
    const room = await t.engine.createRoom({ name: 'Metrics sale', scheduleIds: [schedules.value.schedules[0]!.scheduleId], opensAtMs: t.engine.now() + 60_000 });
    if (!room.ok) throw new Error(room.error.code);
    for (const userId of ['m1', 'm2']) expect((await t.engine.issueQueueToken(userId, { roomId: room.value.roomId })).ok).toBe(true);

    const res = await t.app.inject({ method: 'GET', url: '/metrics' });

    expect(res.body).toContain(`room_fans{room="${room.value.roomId}",state="pre_queue"} 2`);
    expect(res.body).toContain(`room_fans{room="${room.value.roomId}",state="waiting"} 0`);
  });

  it('given GET and HEAD of a route, a refused call and an unknown path, then each is counted once under its method, route pattern and status', async () => {
    t = await buildTestApp();
    await t.app.inject({ method: 'GET', url: '/health' });
    await t.app.inject({ method: 'GET', url: '/health' });
    await t.app.inject({ method: 'HEAD', url: '/health' });
    await t.app.inject({ method: 'GET', url: '/v1/schedules/sch_x/seats' });
    await t.app.inject({ method: 'GET', url: '/no/such/path' });

    const res = await t.app.inject({ method: 'GET', url: '/metrics' });

    const counts = res.body.split('\n').filter((line) => line.startsWith('http_request_duration_seconds_count')).sort();
    expect(counts).toEqual([
      'http_request_duration_seconds_count{method="GET",route="/health",status_code="200"} 2',
      'http_request_duration_seconds_count{method="GET",route="/v1/schedules/:scheduleId/seats",status_code="401"} 1',
      'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1',
      'http_request_duration_seconds_count{method="HEAD",route="/health",status_code="200"} 1',
    ]);
  });

  it('given two apps in one process, when both expose metrics, then neither collides with the other', async () => {
    t = await buildTestApp();
    const other = await buildTestApp();
    try {
      const res = await other.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('given the app, when /openapi.json is asked, then it is an OpenAPI 3 document of the /v1 routes', async () => {
    t = await buildTestApp();

    const res = await t.app.inject({ method: 'GET', url: '/openapi.json' });

    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.components.securitySchemes)).toEqual(['bearerAuth', 'queueToken', 'adminKey', 'scannerKey']);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/health', '/ready', '/v1/concerts']));
    expect(doc.paths['/openapi.json']).toBeUndefined();
  });

  it('given the app, when /docs is asked, then Swagger UI answers', async () => {
    t = await buildTestApp();

    const res = await t.app.inject({ method: 'GET', url: '/docs/' });

    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });

  it('given admin stats, when the key is wrong, then 401 in the contract shape (identity wired app-wide)', async () => {
    t = await buildTestApp();

    const wrong = await t.app.inject({ method: 'GET', url: '/v1/admin/stats', headers: { 'x-admin-key': 'nope' } });
    const right = await t.app.inject({ method: 'GET', url: '/v1/admin/stats', headers: { 'x-admin-key': TEST_ADMIN_KEY } });

    expect(wrong.statusCode).toBe(401);
    expect(right.statusCode).toBe(200);
  });
});
