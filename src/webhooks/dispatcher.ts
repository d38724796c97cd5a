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
import { DEFAULT_WEBHOOK_RETRY, type EventJson, type WebhookAttempt, type WebhookTarget } from '../domain/webhooks.js';
import { webhookCrashPoint } from './crash-points.js';
import { WorkerSender, type HttpSender } from './http-sender.js';
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
  /** Where the HTTP requests are made (default: a worker thread of its own, closed with the dispatcher). */
  sender?: HttpSender;
  timeoutMs?: number;
  concurrencyPerEndpoint?: number;
  /** New events are not started while an endpoint has this many retries waiting (the engine's policy). */
  maxPendingPerEndpoint?: number;
  pollIntervalMs?: number;
  /** Outbox rows read per endpoint and round. */
  pageSize?: number;
}

interface EndpointWork {
  requesting: Set<number>;
  recording: Set<number>;
  /** Events it takes, read from the outbox and not yet sent, in order; and how far the outbox was read. */
  ahead: number[];
  readThrough: number;
  events: WebhookTarget['events'];
}

const DEFAULTS = { timeoutMs: 10_000, concurrencyPerEndpoint: 8, pollIntervalMs: 250, pageSize: 200 };
const USER_AGENT = 'concert-booking-engine-webhooks/1';

export class WebhookDispatcher {
  private readonly engine: BookingEngine;
  private readonly logger: DispatcherLogger;
  private readonly isDeliverer: () => boolean;
  private readonly sender: HttpSender;
  private readonly ownsSender: boolean;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly maxPending: number;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  /** endpointId -> its requests under way, and the outcomes on their way to the engine. */
  private readonly work = new Map<string, EndpointWork>();
  /** endpointId -> a cursor move on its way. */
  private readonly advancing = new Set<string>();
  private readonly requests = new Set<Promise<void>>();
  private outcomes: WebhookAttempt[] = [];
  private outcomeWaiters: Array<() => void> = [];
  private timer: NodeJS.Timeout | null = null;
  private kickScheduled = false;
  private unobserve: Unsubscribe | null = null;
  private stopped = true;
  /** The newest event sequence known committed (from the engine's notices and the scans); unknown at first. */
  private newestSeq = Number.NaN;
  /** Counters for /metrics. */
  readonly counts = { delivered: 0, failed: 0 };

  constructor(options: DispatcherOptions) {
    this.engine = options.engine;
    this.logger = options.logger;
    this.isDeliverer = options.isDeliverer ?? (() => true);
    this.ownsSender = options.sender === undefined;
    this.sender = options.sender ?? new WorkerSender();
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.concurrency = options.concurrencyPerEndpoint ?? DEFAULTS.concurrencyPerEndpoint;
    this.maxPending = options.maxPendingPerEndpoint ?? DEFAULT_WEBHOOK_RETRY.maxPendingPerEndpoint;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULTS.pollIntervalMs;
    this.pageSize = options.pageSize ?? DEFAULTS.pageSize;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unobserve = this.engine.observe({
      eventsCommitted: (throughSeq) => {
        this.sawCommitted(throughSeq);
        this.kick();
      },
    });
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
    if (this.ownsSender) await this.sender.close();
  }

  private sawCommitted(seq: number): void {
    this.newestSeq = Number.isNaN(this.newestSeq) ? seq : Math.max(this.newestSeq, seq);
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
    const work = this.workOf(target);
    const busy = (seq: number): boolean => work.requesting.has(seq) || work.recording.has(seq);
    // Retries first: they waited longest.
    for (const [seq, open] of target.open) {
      if (work.requesting.size >= this.concurrency) return;
      if (open.status === 'PENDING' && open.nextAttemptAtMs <= nowMs && !busy(seq)) this.send(target, seq, this.engine.eventJsonAt(seq));
    }
    // Requests under way count as retries to come: a dead receiver ends up with exactly maxPending of them.
    const mayStartNew = (): boolean => work.requesting.size < this.concurrency
      && target.pendingCount + work.requesting.size + work.recording.size < this.maxPending;
    while (mayStartNew()) {
      const next = this.nextNew(target, work);
      if (next === undefined) break;
      this.send(target, next, this.engine.eventJsonAt(next));
    }
    this.moveCursor(target, work);
  }

  /**
   * The next event the endpoint takes that was never attempted, from the refs read ahead. The outbox is read
   * a page at a time, only when those run out and something newer was committed: a round costs no read.
   */
  private nextNew(target: WebhookTarget, work: EndpointWork): number | undefined {
    for (;;) {
      while (work.ahead.length > 0) {
        const seq = work.ahead.shift()!;
        if (seq > target.cursor && !target.open.has(seq) && !work.requesting.has(seq) && !work.recording.has(seq)) return seq;
      }
      if (work.readThrough >= this.newestSeq) return undefined;
      const page = this.engine.eventRefsAfter(work.readThrough, this.pageSize);
      for (const { sequence, type } of page) if (target.events.has(type)) work.ahead.push(sequence);
      work.readThrough = page.at(-1)?.sequence ?? work.readThrough;
      if (page.length < this.pageSize) this.sawCommitted(work.readThrough);
      if (page.length === 0) return undefined;
    }
  }

  /** Every event below the first one not yet attempted and recorded is behind the endpoint: the cursor may pass it. */
  private moveCursor(target: WebhookTarget, work: EndpointWork): void {
    let cursor = work.ahead.length > 0 ? work.ahead[0]! - 1 : work.readThrough;
    for (const seq of work.requesting) cursor = Math.min(cursor, seq - 1);
    for (const seq of work.recording) cursor = Math.min(cursor, seq - 1);
    if (cursor > target.cursor && !this.advancing.has(target.endpointId)) this.advance(target.endpointId, cursor);
  }

  /** This endpoint's work; read-ahead starts again from its cursor when its event types change (a new set). */
  private workOf(target: WebhookTarget): EndpointWork {
    let work = this.work.get(target.endpointId);
    // Also when another leader moved the cursor past what this one had read (settled events leave `open`).
    if (work === undefined || work.events !== target.events || work.readThrough < target.cursor) {
      work = { requesting: work?.requesting ?? new Set(), recording: work?.recording ?? new Set(), ahead: [], readThrough: target.cursor, events: target.events };
      this.work.set(target.endpointId, work);
    }
    return work;
  }

  /**
   * A request's slot frees as soon as the receiver answers; the event stays busy until its outcome is
   * recorded (a commit, and in a cluster a trip through the log), so it is never sent twice meanwhile.
   */
  private send(target: WebhookTarget, seq: number, event: EventJson | undefined): void {
    const work = this.workOf(target);
    work.requesting.add(seq);
    const request = this.attempt(target, seq, event)
      .then((outcome) => {
        work.requesting.delete(seq);
        work.recording.add(seq);
        this.kick();
        return this.record(outcome);
      })
      .catch((error: unknown) => this.logger.error({ err: error, endpointId: target.endpointId, seq }, 'webhook attempt not recorded; it will be sent again'))
      .finally(() => {
        work.requesting.delete(seq);
        work.recording.delete(seq);
        this.requests.delete(request);
        this.kick();
      });
    this.requests.add(request);
  }

  private async attempt(target: WebhookTarget, seq: number, event: EventJson | undefined): Promise<WebhookAttempt> {
    const base = { endpointId: target.endpointId, eventSequence: seq };
    // Retention outran the retries: nothing left to send, and the delivery runs out its attempts.
    if (event === undefined) return { ...base, delivered: false, statusCode: null, error: 'event no longer kept' };
    const headers = {
      'content-type': 'application/json', 'user-agent': USER_AGENT,
      ...signedHeaders(target.secret, event.id, Math.floor(Date.now() / 1000), event.body),
    };
    webhookCrashPoint('before-delivery', seq);
    const { statusCode, error } = await this.sender.send({ url: target.url, headers, body: event.body, timeoutMs: this.timeoutMs });
    webhookCrashPoint('after-delivery', seq);
    const delivered = error === null;
    if (delivered) this.counts.delivered++;
    else this.counts.failed++;
    return { ...base, delivered, statusCode, error };
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
