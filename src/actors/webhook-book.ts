/**
 * The organiser's webhook endpoints and where each stands in the outbox. Decided synchronously like every
 * command, journaled through the outbox tables in the command's commit; in a cluster every replica decides
 * the same from the same log, so a new leader's dispatcher picks up exactly where the old one stopped.
 *
 * An endpoint's cursor says every event up to it was attempted at least once (or is not one it takes);
 * `open` holds the deliveries attempted after the cursor and every retry still waiting. Settled deliveries
 * at or below the cursor live only in the table. A receiver that keeps failing fills its retries up to
 * `maxPendingPerEndpoint`, then its new events wait in the outbox: memory never grows with a dead receiver.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';
import {
  eventId, type DeliveryStatus, type EventType, type WebhookAttempt, type WebhookDeliveryView, type WebhookEndpointCreatedView,
  type WebhookEndpointInput, type WebhookEndpointPatch, type WebhookEndpointView, type WebhookRetryPolicy, type WebhookTarget,
} from '../domain/webhooks.js';
import type { DeliveryRow, OutboxStore } from '../persistence/outbox-store.js';
import type { RandomBytes } from './ids.js';
import type { PendingChange } from './pending-change.js';
import { iso } from './views.js';

export const MAX_WEBHOOK_ENDPOINTS = 50;
const URL_MAX_LENGTH = 2_048;
const ERROR_TEXT_MAX_LENGTH = 200;

interface OpenDelivery { status: DeliveryStatus; attempts: number; nextAttemptAtMs: number }

interface Endpoint {
  endpointId: string;
  url: string;
  events: Set<EventType>;
  description: string;
  secret: string;
  enabled: boolean;
  createdAtMs: number;
  cursor: number;
  open: Map<number, OpenDelivery>;
  pendingCount: number;
  parkedCount: number;
}

/** An absolute http(s) URL without credentials, or null. */
export function webhookUrlProblem(url: string): string | null {
  if (url.length > URL_MAX_LENGTH) return `longer than ${URL_MAX_LENGTH} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'not an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'not http or https';
  if (parsed.username !== '' || parsed.password !== '') return 'carries credentials';
  return null;
}

function sortedEvents(events: Iterable<EventType>): EventType[] {
  return [...new Set(events)].sort();
}

export class WebhookBook {
  private readonly endpoints = new Map<string, Endpoint>();

  constructor(private readonly store: OutboxStore, private readonly policy: WebhookRetryPolicy) {}

  /** At recovery: the endpoints, their open deliveries and parked counts. */
  restore(): void {
    for (const row of this.store.endpoints()) {
      this.endpoints.set(row.endpointId, {
        ...row, events: new Set(row.events as EventType[]), open: new Map(), pendingCount: 0, parkedCount: 0,
      });
    }
    for (const row of this.store.openDeliveries()) {
      const endpoint = this.endpoints.get(row.endpointId);
      if (endpoint === undefined) continue;
      endpoint.open.set(row.eventSeq, { status: row.status, attempts: row.attempts, nextAttemptAtMs: row.nextAttemptAtMs });
      if (row.status === 'PENDING') endpoint.pendingCount++;
    }
    for (const [endpointId, count] of this.store.parkedCounts()) {
      const endpoint = this.endpoints.get(endpointId);
      if (endpoint !== undefined) endpoint.parkedCount = count;
    }
  }

  targets(): WebhookTarget[] {
    const targets: WebhookTarget[] = [];
    for (const e of this.endpoints.values()) {
      targets.push({ endpointId: e.endpointId, url: e.url, events: e.events, secret: e.secret, enabled: e.enabled, cursor: e.cursor, open: e.open, pendingCount: e.pendingCount });
    }
    return targets;
  }

  list(): WebhookEndpointView[] {
    return [...this.endpoints.values()].map(view);
  }

  get(endpointId: string): Result<WebhookEndpointView> {
    const endpoint = this.endpoints.get(endpointId);
    return endpoint === undefined ? fail('WEBHOOK_ENDPOINT_NOT_FOUND', { endpointId }) : ok(view(endpoint));
  }

  /**
   * A new endpoint hears the events decided after its own creation: `outboxSeq` is the last sequence given,
   * which every replica reaches at the same command.
   */
  create(
    input: WebhookEndpointInput, nowMs: number, endpointId: string, random: RandomBytes, outboxSeq: () => number, change: PendingChange,
  ): Result<WebhookEndpointCreatedView> {
    const problem = webhookUrlProblem(input.url);
    if (problem !== null) return fail('WEBHOOK_URL_INVALID', { url: input.url, problem });
    if (this.endpoints.size >= MAX_WEBHOOK_ENDPOINTS) return fail('WEBHOOK_ENDPOINT_LIMIT', { limit: MAX_WEBHOOK_ENDPOINTS });
    const endpoint: Endpoint = {
      endpointId, url: input.url, events: new Set(sortedEvents(input.events)), description: input.description ?? '',
      secret: `whsec_${random(24).toString('base64')}`, enabled: true, createdAtMs: nowMs, cursor: outboxSeq(), open: new Map(), pendingCount: 0, parkedCount: 0,
    };
    this.endpoints.set(endpointId, endpoint);
    change.record('webhooks', { type: 'webhook.endpoint_created', atMs: nowMs, endpointId, url: endpoint.url } as { type: string; atMs: number });
    const image = row(endpoint);
    change.write(() => this.store.insertEndpoint(image));
    return ok({ ...view(endpoint), secret: endpoint.secret });
  }

  update(endpointId: string, patch: WebhookEndpointPatch, nowMs: number, change: PendingChange): Result<WebhookEndpointView> {
    const endpoint = this.endpoints.get(endpointId);
    if (endpoint === undefined) return fail('WEBHOOK_ENDPOINT_NOT_FOUND', { endpointId });
    if (patch.url !== undefined) {
      const problem = webhookUrlProblem(patch.url);
      if (problem !== null) return fail('WEBHOOK_URL_INVALID', { url: patch.url, problem });
      endpoint.url = patch.url;
    }
    if (patch.events !== undefined) endpoint.events = new Set(sortedEvents(patch.events));
    if (patch.description !== undefined) endpoint.description = patch.description;
    if (patch.enabled !== undefined) endpoint.enabled = patch.enabled;
    change.record('webhooks', { type: 'webhook.endpoint_updated', atMs: nowMs, endpointId } as { type: string; atMs: number });
    const image = row(endpoint);
    change.write(() => this.store.updateEndpoint(image));
    return ok(view(endpoint));
  }

  delete(endpointId: string, nowMs: number, change: PendingChange): Result<null> {
    if (!this.endpoints.delete(endpointId)) return fail('WEBHOOK_ENDPOINT_NOT_FOUND', { endpointId });
    change.record('webhooks', { type: 'webhook.endpoint_deleted', atMs: nowMs, endpointId } as { type: string; atMs: number });
    change.write(() => this.store.deleteEndpoint(endpointId));
    return ok(null);
  }

  /**
   * One HTTP attempt's outcome: DELIVERED on a 2xx, else PENDING with the policy's next delay, or PARKED once
   * the attempts ran out. A report about a delivery already settled (a resend after a leader's death, a
   * record that raced its retry) changes nothing.
   */
  recordAttempt(attempt: WebhookAttempt, nowMs: number, change: PendingChange): void {
    const endpoint = this.endpoints.get(attempt.endpointId);
    if (endpoint === undefined) return;
    const seq = attempt.eventSequence;
    let open = endpoint.open.get(seq);
    if (open === undefined) {
      if (seq <= endpoint.cursor) return;
      open = { status: 'PENDING', attempts: 0, nextAttemptAtMs: nowMs };
      endpoint.open.set(seq, open);
      endpoint.pendingCount++;
    }
    if (open.status !== 'PENDING') return;
    open.attempts++;
    if (attempt.delivered) {
      open.status = 'DELIVERED';
    } else if (open.attempts >= this.policy.maxAttempts) {
      open.status = 'PARKED';
      endpoint.parkedCount++;
    } else {
      const delays = this.policy.retryDelaysMs;
      open.nextAttemptAtMs = nowMs + (delays[Math.min(open.attempts - 1, delays.length - 1)] ?? 0);
    }
    if (open.status !== 'PENDING') endpoint.pendingCount--;
    const image: DeliveryRow = {
      endpointId: endpoint.endpointId, eventSeq: seq, status: open.status, attempts: open.attempts, nextAttemptAtMs: open.nextAttemptAtMs,
      lastAttemptAtMs: nowMs, lastStatusCode: attempt.statusCode, lastError: attempt.error?.slice(0, ERROR_TEXT_MAX_LENGTH) ?? null,
    };
    change.write(() => this.store.putDelivery(image));
    this.forgetSettled(endpoint, seq, change);
  }

  /** The dispatcher attempted (or skipped, not subscribed) every event up to `cursor`. */
  advanceCursor(endpointId: string, cursor: number, change: PendingChange): void {
    const endpoint = this.endpoints.get(endpointId);
    if (endpoint === undefined || cursor <= endpoint.cursor) return;
    endpoint.cursor = cursor;
    change.write(() => this.store.setCursor(endpointId, cursor));
    for (const seq of endpoint.open.keys()) this.forgetSettled(endpoint, seq, change);
  }

  /** A PARKED delivery gets a new round of attempts from now, as if it were new. */
  retryParked(endpointId: string, seq: number, nowMs: number, change: PendingChange): Result<WebhookDeliveryView> {
    const endpoint = this.endpoints.get(endpointId);
    if (endpoint === undefined) return fail('WEBHOOK_ENDPOINT_NOT_FOUND', { endpointId });
    const event = this.store.at(seq);
    const stored = this.store.delivery(endpointId, seq);
    const status = endpoint.open.get(seq)?.status ?? stored?.status;
    if (event === undefined || status === undefined) return fail('WEBHOOK_DELIVERY_NOT_FOUND', { endpointId, eventId: eventId(seq) });
    if (status !== 'PARKED') return fail('WEBHOOK_DELIVERY_NOT_PARKED', { endpointId, eventId: eventId(seq), status });
    endpoint.open.set(seq, { status: 'PENDING', attempts: 0, nextAttemptAtMs: nowMs });
    endpoint.pendingCount++;
    endpoint.parkedCount--;
    // The table has every attempt made before this command was decided (a report is acknowledged only once written).
    const image: DeliveryRow = {
      endpointId, eventSeq: seq, status: 'PENDING', attempts: 0, nextAttemptAtMs: nowMs, lastAttemptAtMs: stored?.lastAttemptAtMs ?? nowMs,
      lastStatusCode: stored?.lastStatusCode ?? null, lastError: stored?.lastError ?? null,
    };
    change.record('webhooks', { type: 'webhook.delivery_retried', atMs: nowMs, endpointId, eventSeq: seq } as { type: string; atMs: number });
    change.write(() => this.store.putDelivery(image));
    return ok(deliveryView(image, event.type as EventType));
  }

  /** A delivery settled at or below the cursor leaves memory once that is committed (the table has it). */
  private forgetSettled(endpoint: Endpoint, seq: number, change: PendingChange): void {
    const open = endpoint.open.get(seq);
    if (open === undefined || open.status === 'PENDING' || seq > endpoint.cursor) return;
    change.then(() => {
      if (endpoint.open.get(seq) === open && open.status !== 'PENDING') endpoint.open.delete(seq);
    });
  }
}

function row(endpoint: Endpoint): { endpointId: string; url: string; events: string[]; description: string; secret: string; enabled: boolean; createdAtMs: number; cursor: number } {
  return {
    endpointId: endpoint.endpointId, url: endpoint.url, events: sortedEvents(endpoint.events), description: endpoint.description,
    secret: endpoint.secret, enabled: endpoint.enabled, createdAtMs: endpoint.createdAtMs, cursor: endpoint.cursor,
  };
}

function view(endpoint: Endpoint): WebhookEndpointView {
  return {
    endpointId: endpoint.endpointId, url: endpoint.url, events: sortedEvents(endpoint.events), description: endpoint.description,
    enabled: endpoint.enabled, createdAt: iso(endpoint.createdAtMs), deliveredThrough: Math.max(0, endpoint.cursor),
    pendingDeliveries: endpoint.pendingCount, parkedDeliveries: endpoint.parkedCount,
  };
}

export function deliveryView(delivery: DeliveryRow, eventType: EventType): WebhookDeliveryView {
  return {
    endpointId: delivery.endpointId, eventId: eventId(delivery.eventSeq), eventType, status: delivery.status, attempts: delivery.attempts,
    lastAttemptAt: iso(delivery.lastAttemptAtMs), nextAttemptAt: delivery.status === 'PENDING' ? iso(delivery.nextAttemptAtMs) : null,
    lastStatusCode: delivery.lastStatusCode, lastError: delivery.lastError,
  };
}
