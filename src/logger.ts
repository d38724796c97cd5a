/**
 * Logging: pino with request ids and no secrets. Tokens travel in headers (Authorization, X-Queue-Token,
 * X-Admin-Key) and, for WebSockets, in the query string; none of them may reach a log line.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config.js';

export const REDACTED = '[REDACTED]';

/** Header and body paths pino censors wherever they appear in a logged object. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-queue-token"]',
  'req.headers["x-admin-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-queue-token"]',
  'headers["x-admin-key"]',
  'token',
  'queueToken',
  '*.token',
  '*.queueToken',
  'authSecret',
  'adminKey',
  '*.authSecret',
  '*.adminKey',
];

const SECRET_QUERY_PARAMETER = /([?&](?:token|queueToken|access_token|adminKey)=)[^&#]*/gi;

/** `/v1/queue/ws?token=abc&queueToken=def` -> `/v1/queue/ws?token=[REDACTED]&queueToken=[REDACTED]`. */
export function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(SECRET_QUERY_PARAMETER, `$1${REDACTED}`) : url;
}

interface LoggableRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

/** Replaces Fastify's default request serializer: same fields, the URL without secrets, never headers. */
function serializeRequest(request: LoggableRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: typeof request.url === 'string' ? redactUrl(request.url) : request.url,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Keeps a caller's X-Request-Id for tracing across services when it is harmless; else a fresh UUID. */
export function genReqId(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  const candidate = Array.isArray(header) ? header[0] : header;
  return candidate !== undefined && SANE_REQUEST_ID.test(candidate) ? candidate : randomUUID();
}

function prettyTransportAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve('pino-pretty');
    return true;
  } catch {
    return false; // production installs omit devDependencies
  }
}

export function loggerOptions(config: Pick<Config, 'logLevel' | 'nodeEnv'>): LoggerOptions {
  const options: LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: REDACTED },
    serializers: { req: serializeRequest },
  };
  if (config.nodeEnv === 'development' && prettyTransportAvailable()) {
    options.transport = {
      target: 'pino-pretty',
      options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
    };
  }
  return options;
}

export function createLogger(config: Pick<Config, 'logLevel' | 'nodeEnv'>): Logger {
  return pino(loggerOptions(config));
}
