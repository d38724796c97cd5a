/**
 * The booking page at `/`: static files from dist/web (built by scripts/build-web.mjs, part of
 * `npm run build`). Only the files that exist at start-up get routes (no catch-all), so every other
 * path still reaches the app's NOT_FOUND handler in the contract's shape. Hidden from the OpenAPI doc.
 */
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sendError } from './errors.js';

export interface WebPageOptions {
  /** Directory holding index.html, app.js and styles.css. Default: <package root>/dist/web. */
  root?: string;
}

// src/api/web.ts and dist/api/web.js both sit two levels below the package root.
const DEFAULT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'web');

/** The page talks only to its own origin (REST and WebSocket) and loads nothing from elsewhere. */
const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // File names are not content-hashed, so browsers revalidate (ETag) instead of caching blindly.
  'cache-control': 'no-cache',
};

export default async function webPage(app: FastifyInstance, options: WebPageOptions = {}): Promise<void> {
  const root = options.root ?? DEFAULT_ROOT;
  if (!existsSync(resolve(root, 'index.html'))) {
    app.log.warn({ root }, 'booking page not built: run `npm run build` to serve it at /');
    app.get('/', { schema: { hide: true } }, async (_request, reply) =>
      sendError(reply, {
        code: 'NOT_FOUND',
        message: 'The booking page has not been built. Run `npm run build` (or `node scripts/build-web.mjs`) and restart the server. The API is available under /v1 and documented at /docs.',
      }));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: 'index.html',
    wildcard: false,
    schemaHide: true,
    cacheControl: false,
    setHeaders(response) {
      for (const [name, value] of Object.entries(PAGE_HEADERS)) response.setHeader(name, value);
    },
  });
}
