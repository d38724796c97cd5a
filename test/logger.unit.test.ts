import type { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { genReqId, loggerOptions, redactUrl, REDACTED } from '../src/logger.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, stream };
}

function requestWithHeaders(headers: Record<string, string>): IncomingMessage {
  return { headers } as unknown as IncomingMessage;
}

describe('redactUrl', () => {
  it('given tokens in the query string, when redacted, then their values are censored and the rest kept', () => {
    expect(redactUrl('/v1/queue/ws?token=eyJ.abc.def&queueToken=q1&x=1'))
      .toBe(`/v1/queue/ws?token=${REDACTED}&queueToken=${REDACTED}&x=1`);
  });

  it('given a URL without a query string, when redacted, then it is unchanged', () => {
    expect(redactUrl('/v1/concerts')).toBe('/v1/concerts');
  });
});

describe('genReqId', () => {
  it('given a sane X-Request-Id, when generating, then it is kept', () => {
    expect(genReqId(requestWithHeaders({ 'x-request-id': 'trace-42:a.b' }))).toBe('trace-42:a.b');
  });

  it('given a hostile X-Request-Id, when generating, then a fresh UUID replaces it', () => {
    const id = genReqId(requestWithHeaders({ 'x-request-id': 'bad id\n{"level":60}' }));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('loggerOptions', () => {
  it('given a logged request and secret-bearing objects, when written, then no secret reaches the line', () => {
    const { lines, stream } = capture();
    const logger = pino(loggerOptions({ logLevel: 'info', nodeEnv: 'test' }), stream);

    logger.info({ req: { method: 'GET', url: '/v1/queue/ws?token=user-secret&queueToken=queue-secret' } }, 'incoming');
    logger.info({ req: { headers: { authorization: 'Bearer user-secret', 'x-queue-token': 'queue-secret', 'x-admin-key': 'admin-secret' } } }, 'headers');
    logger.info({ token: 'user-secret', status: { queueToken: 'queue-secret' } }, 'bodies');

    const output = lines.join('');
    expect(lines).toHaveLength(3);
    for (const secret of ['user-secret', 'queue-secret', 'admin-secret']) expect(output).not.toContain(secret);
    expect(output).toContain(REDACTED);
  });

  it('given NODE_ENV test, when built, then no pretty transport is used', () => {
    expect(loggerOptions({ logLevel: 'info', nodeEnv: 'test' }).transport).toBeUndefined();
    expect(loggerOptions({ logLevel: 'info', nodeEnv: 'production' }).transport).toBeUndefined();
  });
});
