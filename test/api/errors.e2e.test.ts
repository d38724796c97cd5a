import { afterEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/build-test-app.js';

const ERROR_KEYS = ['code', 'details', 'error', 'message', 'statusCode'];

function expectContractShape(body: Record<string, unknown>, statusCode: number, code: string): void {
  expect(body).toMatchObject({ statusCode, code });
  expect(typeof body['error']).toBe('string');
  expect(typeof body['message']).toBe('string');
  for (const key of Object.keys(body)) expect(ERROR_KEYS).toContain(key);
  expect(JSON.stringify(body)).not.toMatch(/at .+\.(ts|js):\d+|node_modules|stack/i);
}

describe('error model over HTTP', () => {
  let t: TestApp;
  afterEach(async () => t?.close());

  it('given malformed JSON, when posted, then 400 VALIDATION_ERROR in the contract shape', async () => {
    t = await buildTestApp();

    const res = await t.app.inject({
      method: 'POST', url: '/v1/auth/demo-token', headers: { 'content-type': 'application/json' }, payload: '{"userId": ',
    });

    expect(res.statusCode).toBe(400);
    expectContractShape(res.json(), 400, 'VALIDATION_ERROR');
    expect(res.json().error).toBe('Bad Request');
  });

  it('given a body over BODY_LIMIT_BYTES, when posted, then 413 with code VALIDATION_ERROR', async () => {
    t = await buildTestApp({ config: { http: { bodyLimitBytes: 1_024 } } });

    const res = await t.app.inject({
      method: 'POST', url: '/v1/auth/demo-token', headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ userId: 'alice', padding: 'x'.repeat(4_096) }),
    });

    expect(res.statusCode).toBe(413);
    expectContractShape(res.json(), 413, 'VALIDATION_ERROR');
    expect(res.json().error).toBe('Payload Too Large');
  });

  it('given an unknown route, when requested, then 404 NOT_FOUND without echoing the query string', async () => {
    t = await buildTestApp();

    const res = await t.app.inject({ method: 'GET', url: '/v1/no-such-thing?token=secret-value' });

    expect(res.statusCode).toBe(404);
    expectContractShape(res.json(), 404, 'NOT_FOUND');
    expect(res.body).not.toContain('secret-value');
  });

  it('given a body failing the schema, when posted, then 400 VALIDATION_ERROR with the field paths', async () => {
    t = await buildTestApp();

    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/demo-token', payload: { userId: 'not a valid id!' } });

    expect(res.statusCode).toBe(400);
    const body = res.json();
    expectContractShape(body, 400, 'VALIDATION_ERROR');
    expect(body.details.fields).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'body.userId' })]));
  });

  it('given an unsupported content type, when posted, then 415 in the contract shape', async () => {
    t = await buildTestApp();

    const res = await t.app.inject({
      method: 'POST', url: '/v1/auth/demo-token', headers: { 'content-type': 'application/xml' }, payload: '<userId/>',
    });

    expect(res.statusCode).toBe(415);
    expectContractShape(res.json(), 415, 'VALIDATION_ERROR');
  });

  it('given any error, when answered, then it carries a request id header for support', async () => {
    t = await buildTestApp();

    const res = await t.app.inject({ method: 'GET', url: '/nowhere', headers: { 'x-request-id': 'support-1234' } });

    expect(res.headers['x-request-id']).toBe('support-1234');
  });
});
