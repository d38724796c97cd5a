/**
 * Real-HTTP harness for the API e2e suites: the test app listening on an ephemeral port, a small fetch
 * client that speaks the contract's headers, and the steps every booking flow shares.
 */
import { createHmac } from 'node:crypto';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { expect } from 'vitest';
import type { Clock } from '../../src/actors/clock.js';
import { ManualClock } from '../../src/actors/clock.js';
import { buildTestApp, TEST_ADMIN_KEY, type TestApp, type TestAppOptions } from '../helpers/build-test-app.js';

/** Parsed JSON: the suites check its shape with assertions, so it is deliberately untyped here. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface HttpResponse<T = Json> { status: number; headers: Headers; body: T }

export interface RequestOptions {
  token?: string;
  queueToken?: string;
  idempotencyKey?: string;
  adminKey?: string;
  body?: unknown;
  /** Sent as is with content-type application/json (for malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = Json>(method: string, path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
    if (options.queueToken !== undefined) headers['x-queue-token'] = options.queueToken;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    if (options.adminKey !== undefined) headers['x-admin-key'] = options.adminKey;
    const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  }

  /**
   * Sends the requests at the same instant: each socket is first warmed up with a keep-alive GET /health
   * (so the server has accepted it and is reading), then all requests are written in one synchronous
   * burst, so the server reads them in the same event-loop turn (before any commit), which is what a
   * race or an in-flight duplicate needs. HTTP/1.1 over plain TCP.
   */
  async simultaneous(requests: { method: string; path: string; options?: RequestOptions }[]): Promise<HttpResponse[]> {
    const { hostname, port } = new URL(this.baseUrl);
    const sockets = await Promise.all(requests.map(() => new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
      socket.once('error', reject);
    })));
    const readers = sockets.map((socket) => new RawReader(socket));
    sockets.forEach((socket) => socket.write(`GET /health HTTP/1.1\r\nhost: ${hostname}\r\nconnection: keep-alive\r\n\r\n`));
    await Promise.all(readers.map((reader) => reader.next()));
    requests.forEach((request, index) => sockets[index]!.write(rawRequest(hostname, request.method, request.path, request.options ?? {})));
    const responses = await Promise.all(readers.map((reader) => reader.next()));
    sockets.forEach((socket) => socket.destroy());
    return responses;
  }

  get<T = Json>(path: string, options?: RequestOptions): Promise<HttpResponse<T>> { return this.request<T>('GET', path, options); }
  post<T = Json>(path: string, options?: RequestOptions): Promise<HttpResponse<T>> { return this.request<T>('POST', path, options); }
  delete<T = Json>(path: string, options?: RequestOptions): Promise<HttpResponse<T>> { return this.request<T>('DELETE', path, options); }
  patch<T = Json>(path: string, options?: RequestOptions): Promise<HttpResponse<T>> { return this.request<T>('PATCH', path, options); }
}

function rawRequest(host: string, method: string, path: string, options: RequestOptions): string {
  const headers: Record<string, string> = { host, connection: 'keep-alive', ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  if (options.queueToken !== undefined) headers['x-queue-token'] = options.queueToken;
  if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
  if (options.adminKey !== undefined) headers['x-admin-key'] = options.adminKey;
  const body = options.rawBody ?? (options.body === undefined ? '' : JSON.stringify(options.body));
  if (body !== '') {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}`).join('\r\n');
  return `${method} ${path} HTTP/1.1\r\n${head}\r\n\r\n${body}`;
}

/** Reads successive HTTP/1.1 responses with content-length bodies (what Fastify sends) off one socket. */
class RawReader {
  private buffer = '';
  private waiting: (() => void) | undefined;
  private failure: Error | undefined;

  constructor(socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.waiting?.();
    });
    socket.on('error', (error) => {
      this.failure = error;
      this.waiting?.();
    });
  }

  async next(): Promise<HttpResponse> {
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      const response = this.take();
      if (response !== undefined) return response;
      await new Promise<void>((resolve) => { this.waiting = resolve; });
    }
  }

  private take(): HttpResponse | undefined {
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd === -1) return undefined;
    const [statusLine, ...headerLines] = this.buffer.slice(0, headEnd).split('\r\n');
    const headers = new Headers();
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
    }
    const length = Number(headers.get('content-length') ?? '0');
    const bodyBytes = Buffer.from(this.buffer.slice(headEnd + 4), 'utf8');
    if (bodyBytes.length < length) return undefined;
    const text = bodyBytes.subarray(0, length).toString('utf8');
    this.buffer = bodyBytes.subarray(length).toString('utf8');
    return { status: Number(statusLine!.split(' ')[1]), headers, body: text === '' ? undefined : JSON.parse(text) };
  }
}

export interface LiveApi<C extends Clock = ManualClock> extends TestApp<C> {
  http: ApiClient;
}

/** The real app on the real engine, listening on 127.0.0.1 at a free port. */
export async function startLiveApi<C extends Clock = ManualClock>(options: TestAppOptions<C> = {}): Promise<LiveApi<C>> {
  const testApp = await buildTestApp<C>(options);
  try {
    await testApp.app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await testApp.close();
    throw error;
  }
  const { port } = testApp.app.server.address() as AddressInfo;
  return { ...testApp, http: new ApiClient(`http://127.0.0.1:${port}`) };
}

/** An HS256 JWT signed here, independently of the server's signer (as the platform's login would). */
export function signUserToken(claims: Record<string, unknown>, secret: string, header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' }): string {
  const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** A user token through the contract's own endpoint. */
export async function demoToken(http: ApiClient, userId: string): Promise<string> {
  const response = await http.post('/v1/auth/demo-token', { body: { userId } });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.token as string;
}

const DAY_MS = 86_400_000;
export const DEMO_GRADES = [
  { grade: 'VIP', from: 1, to: 10, price: 200_000 },
  { grade: 'R', from: 11, to: 30, price: 150_000 },
  { grade: 'S', from: 31, to: 50, price: 100_000 },
];

export interface CreatedConcert { concertId: string; schedules: { scheduleId: string; startsAt: string; bookingOpensAt: string }[] }

/**
 * A concert through the admin API: by default two schedules bookable now (one and two weeks out) on the
 * 50-seat demo map; pass `schedules` for others.
 */
export async function createConcert(
  api: LiveApi<Clock>,
  schedules?: { startsAt: string; bookingOpensAt?: string; presaleOpensAt?: string; seatMap?: unknown; layoutId?: string; maxSeatsPerFan?: number; holdbacks?: Array<{ channel: string; seatNumbers: number[] }> }[],
): Promise<CreatedConcert> {
  const now = api.engine.now();
  const response = await api.http.post('/v1/admin/concerts', {
    adminKey: TEST_ADMIN_KEY,
    body: {
      title: 'Test concert',
      venue: 'Test hall',
      schedules: schedules ?? [
        { startsAt: new Date(now + 7 * DAY_MS).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString(), seatMap: { seatCount: 50, grades: DEMO_GRADES } },
        { startsAt: new Date(now + 14 * DAY_MS).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString(), seatMap: { seatCount: 50, grades: DEMO_GRADES } },
      ],
    },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as CreatedConcert;
}

/** Lets the engine's one-second queue tick run: a ManualClock is advanced, a real clock is waited for. */
export async function queueTick(clock: Clock): Promise<void> {
  if (clock instanceof ManualClock) {
    clock.advance(1_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
  } else {
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  }
}

/** Takes a place in line and waits (tick by tick) until it is ACTIVE; returns the queue token. */
export async function activeQueueToken(api: LiveApi<Clock>, token: string, maxTicks = 5): Promise<string> {
  const issued = await api.http.post('/v1/queue/tokens', { token });
  expect([200, 201], JSON.stringify(issued.body)).toContain(issued.status);
  const queueToken = issued.body.token as string;
  let status = issued.body.status as string;
  for (let tick = 0; status !== 'ACTIVE' && tick < maxTicks; tick++) {
    await queueTick(api.clock);
    const polled = await api.http.get('/v1/queue/status', { token, queueToken });
    expect(polled.status, JSON.stringify(polled.body)).toBe(200);
    status = polled.body.status as string;
  }
  expect(status).toBe('ACTIVE');
  return queueToken;
}

/** A user with a user token and an ACTIVE queue token, ready for gated calls. */
export interface Fan { userId: string; token: string; queueToken: string }

export async function admittedFan(api: LiveApi<Clock>, userId: string): Promise<Fan> {
  const token = await demoToken(api.http, userId);
  return { userId, token, queueToken: await activeQueueToken(api, token) };
}

export async function charge(api: LiveApi<Clock>, fan: { token: string }, amount: number): Promise<HttpResponse> {
  return api.http.post('/v1/users/me/balance/charge', { token: fan.token, body: { amount } });
}

export async function hold(api: LiveApi<Clock>, fan: Fan, scheduleId: string, seatNumbers: number[], idempotencyKey?: string): Promise<HttpResponse> {
  return api.http.post('/v1/reservations', {
    token: fan.token,
    queueToken: fan.queueToken,
    body: { scheduleId, seatNumbers },
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });
}

export async function pay(api: LiveApi<Clock>, fan: Fan, reservationId: string, idempotencyKey?: string): Promise<HttpResponse> {
  return api.http.post('/v1/payments', {
    token: fan.token,
    queueToken: fan.queueToken,
    body: { reservationId },
    ...(idempotencyKey === undefined ? {} : { idempotencyKey }),
  });
}
