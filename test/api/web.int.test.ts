import Fastify, { type FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import webPage from '../../src/api/web.js';

describe('web page plugin (src/api/web.ts)', () => {
  let app: FastifyInstance | undefined;
  let root: string | undefined;

  afterEach(async () => {
    await app?.close();
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    app = undefined;
    root = undefined;
  });

  it('given no built page, when / is asked for, then it answers 404 in the contract shape pointing at npm run build', async () => {
    app = Fastify();
    await app.register(webPage, { root: join(tmpdir(), 'no-such-web-build') });

    const response = await app.inject({ method: 'GET', url: '/' });

    expect(response.statusCode).toBe(404);
    const body = response.json() as { statusCode: number; code: string; message: string };
    expect(body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND', error: 'Not Found' });
    expect(body.message).toContain('npm run build');
  });

  it('given a built page, when / is asked for, then it serves index.html with a same-origin-only policy', async () => {
    root = mkdtempSync(join(tmpdir(), 'web-build-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>booking</title>');
    writeFileSync(join(root, 'app.js'), 'export {};');
    app = Fastify();
    await app.register(webPage, { root });

    const page = await app.inject({ method: 'GET', url: '/' });
    const script = await app.inject({ method: 'GET', url: '/app.js' });
    const other = await app.inject({ method: 'GET', url: '/v1/anything' });

    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<title>booking</title>');
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
    // No catch-all route: other paths stay with the app's own not-found handler.
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toContain('<title>booking</title>');
  });
});
