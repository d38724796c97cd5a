/**
 * Delivers the outbox to the organiser's webhook endpoints: at least once, signed, retried by the engine's
 * policy. Nothing here decides anything durable: each attempt's outcome and each cursor move are commands
 * to the engine (through the log in a cluster), so a restarted process or a new leader continues from what
 * was committed. A delivery is sent again only if its outcome was never committed (the process died between
 * the receiver's answer and the record): the receiver drops it by its `webhook-id`.
 *
 * Off the hot path by construction: it runs between requests on the event loop, reads the outbox a page
 * at a time, and holds at most `concurrencyPerEndpoint` requests per endpoint, each bounded by
 * `timeoutMs`. A slow receiver fills only its own slots; a dead one fills its retries and then waits (see
 * WebhookBook), its events kept in the outbox.
 */
import type { BookingEngine, Unsubscribe } from '../domain/engine.js';
import { DEFAULT_WEBHOOK_RETRY, type EventView, type WebhookAttempt, type WebhookTarget } from '../domain/webhooks.js';
import { webhookCrashPoint } from './crash-points.js';
import { signedHeaders } from './signature.js';

/** What the dispatcher logs through (pino's and Fastify's loggers both fit). */
export interface DispatcherLogger {
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

export interface DispatcherOptions {
  engine: BookingEngine;
  logger: DispatcherLogger;
  /** Whether this process delivers now: always when embedded, only the leader in a cluster. */
  isDeliverer?: () => boolean;
  fetch?: typeof fetch;
  timeoutMs?: number;
  concurrencyPerEndpoint?: number;
  /** New events are not started while an endpoint has this many retries waiting (the engine's policy). */
  maxPendingPerEndpoint?: number;
  pollIntervalMs?: number;
  /** Outbox rows read per endpoint and round. */
  pageSize?: number;
}

const DEFAULTS = { timeoutMs: 10_000, concurrencyPerEndpoint: 8, pollIntervalMs: 250, pageSize: 200 };
const USER_AGENT = 'concert-booking-engine-webhooks/1';

export class WebhookDispatcher {
  private readonly engine: BookingEngine;
  private readonly logger: DispatcherLogger;
  private readonly isDeliverer: () => boolean;
  private readonly fetchFn: typeof fetch;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly maxPending: number;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  /** endpointId -> event sequences sent and not yet recorded. */
  private readonly inFlight = new Map<string, Set<number>>();
  /** endpointId -> a cursor move on its way. */
  private readonly advancing = new Set<string>();
  private readonly requests = new Set<Promise<void>>();
  private outcomes: WebhookAttempt[] = [];
  private outcomeWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private kickScheduled = false;
  private unobserve: Unsubscribe | null = null;
  private stopped = true;
  /** Counters for /metrics. */
  readonly counts = { delivered: 0, failed: 0 };

  constructor(options: DispatcherOptions) {
    this.engine = options.engine;
    this.logger = options.logger;
    this.isDeliverer = options.isDeliverer ?? (() => true);
    this.fetchFn = options.fetch ?? fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.concurrency = options.concurrencyPerEndpoint ?? DEFAULTS.concurrencyPerEndpoint;
    this.maxPending = options.maxPendingPerEndpoint ?? DEFAULT_WEBHOOK_RETRY.maxPendingPerEndpoint;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
    this.pageSize = options.pageSize ?? DEFAULTS.pageSize;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unobserve = this.engine.observe({ eventsCommitted: () => this.kick() });
    this.timer = setInterval(() => this.kick(), this.pollIntervalMs);
    this.timer.unref();
    this.kick();
  }

  /** Stops starting deliveries; those under way finish (or time out) and are recorded if the engine still runs. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unobserve?.();
    if (this.timer !== null) clearInterval(this.timer);
    await Promise.allSettled([...this.requests]);
  }

  /** One round soon; many kicks in one turn make one round. */
  kick(): void {
    if (this.kickScheduled || this.stopped) return;
    this.kickScheduled = true;
    setImmediate(() => {
      this.kickScheduled = false;
      this.round();
    });
  }

  private round(): void {
    if (this.stopped || !this.engine.ready || !this.isDeliverer()) return;
    const nowMs = this.engine.now();
    for (const target of this.engine.webhookTargets()) {
      if (target.enabled) this.serve(target, nowMs);
    }
  }

  private serve(target: WebhookTarget, nowMs: number): void {
    const sending = this.inFlightOf(target.endpointId);
    // Retries first: they waited longest.
    for (const [seq, open] of target.open) {
      if (sending.size >= this.concurrency) return;
      if (open.status === 'PENDING' && open.nextAttemptAtMs <= nowMs && !sending.has(seq)) this.send(target, seq, this.engine.eventAt(seq));
    }
    if (target.pendingCount >= this.maxPending) return;
    const page = this.engine.listEvents({ after: target.cursor, limit: this.pageSize }).events;
    let cursor = target.cursor;
    let settledPrefix = true;
    for (const event of page) {
      const attempted = target.open.has(event.sequence);
      if (!target.events.has(event.type) || attempted) {
        if (settledPrefix) cursor = event.sequence;
        continue;
      }
      settledPrefix = false;
      if (sending.has(event.sequence)) continue;
      if (sending.size >= this.concurrency) break;
      this.send(target, event.sequence, event);
    }
    if (cursor > target.cursor && !this.advancing.has(target.endpointId)) this.advance(target.endpointId, cursor);
  }

  private inFlightOf(endpointId: string): Set<number> {
    let set = this.inFlight.get(endpointId);
    if (set === undefined) {
      set = new Set();
      this.inFlight.set(endpointId, set);
    }
    return set;
  }

  private send(target: WebhookTarget, seq: number, event: EventView | undefined): void {
    const sending = this.inFlightOf(target.endpointId);
    sending.add(seq);
    const request = this.attempt(target, seq, event)
      .then((outcome) => this.record(outcome))
      .catch((error: unknown) => this.logger.error({ err: error, endpointId: target.endpointId, seq }, 'webhook attempt not recorded; it will be sent again'))
      .finally(() => {
        sending.delete(seq);
        this.requests.delete(request);
        this.kick();
      });
    this.requests.add(request);
  }

  private async attempt(target: WebhookTarget, seq: number, event: EventView | undefined): Promise<WebhookAttempt> {
    const base = { endpointId: target.endpointId, eventSequence: seq };
    // Retention outran the retries: nothing left to send, and the delivery runs out its attempts.
    if (event === undefined) return { ...base, delivered: false, statusCode: null, error: 'event no longer kept' };
    const body = JSON.stringify(event);
    const headers = {
      'content-type': 'application/json', 'user-agent': USER_AGENT,
      ...signedHeaders(target.secret, event.id, Math.floor(Date.now() / 1000), body),
    };
    webhookCrashPoint('before-delivery', seq);
    let outcome: WebhookAttempt;
    try {
      const response = await this.fetchFn(target.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      // The receiver's body is not ours to keep; reading it frees the connection.
      await response.arrayBuffer().catch(() => undefined);
      const delivered = response.status >= 200 && response.status < 300;
      outcome = { ...base, delivered, statusCode: response.status, error: delivered ? null : `HTTP ${response.status}` };
    } catch (error) {
      outcome = { ...base, delivered: false, statusCode: null, error: describe(error, this.timeoutMs) };
    }
    webhookCrashPoint('after-delivery', seq);
    if (outcome.delivered) this.counts.delivered++;
    else this.counts.failed++;
    return outcome;
  }

  /** Outcomes finished in one turn are one command (one commit, one log entry). */
  private record(outcome: WebhookAttempt): Promise<void> {
    this.outcomes.push(outcome);
    if (this.outcomes.length === 1) setImmediate(() => this.flushOutcomes());
    return new Promise<void>((resolve) => this.outcomeWaiters.push(resolve));
  }

  private flushOutcomes(): void {
    const attempts = this.outcomes;
    const waiters = this.outcomeWaiters;
    this.outcomes = [];
    this.outcomeWaiters = [];
    void this.engine.recordWebhookAttempts({ attempts })
      .then((result) => {
        if (!result.ok) this.logger.warn({ code: result.error.code, attempts: attempts.length }, 'webhook attempts not recorded; they will be sent again');
      }, (error: unknown) => this.logger.error({ err: error }, 'webhook attempts not recorded; they will be sent again'))
      .finally(() => {
        for (const resolve of waiters) resolve();
      });
  }

  private advance(endpointId: string, cursor: number): void {
    this.advancing.add(endpointId);
    void this.engine.advanceWebhookCursor({ endpointId, cursor })
      .catch((error: unknown) => this.logger.error({ err: error, endpointId }, 'webhook cursor not moved'))
      .finally(() => {
        this.advancing.delete(endpointId);
        this.kick();
      });
  }
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause !== undefined && typeof cause.code === 'string') return `connection failed (${cause.code})`;
  return 'connection failed';
}
