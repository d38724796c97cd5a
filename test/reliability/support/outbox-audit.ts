/**
 * The outbox against the record and against what a webhook receiver got, after a kill -9 and a restart:
 * - every acknowledged payment, refund and check-in has exactly one event, with the same ids and amounts;
 * - no event without its change: each payment.completed names a payment the server has (a payment committed
 *   but unanswered before the kill is allowed; one that never committed is not), no id twice;
 * - the sequence has no gap;
 * - the waitlist: every offer event names an offer its fan has (a HELD, CONFIRMED... reservation marked
 *   waitlistOffer), once; every acknowledged join is still on its list, unless its fan left or was offered seats;
 * - the receiver got every event of the feed since its endpoint began, byte-for-byte the feed's (a resend
 *   after a kill is allowed: same id, same body), and nothing the feed does not have.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AuditModel } from './audit-model.js';
import { sleep, type HttpClient } from './http-client.js';
import { userToken } from './tokens.js';

export interface FeedEvent { id: string; sequence: number; type: string; createdAt: string; data: Record<string, Record<string, unknown>> }
export interface ReceivedEvent { id: string; body: FeedEvent }

export interface OutboxAuditOptions {
  http: HttpClient;
  adminKey: string;
  authSecret: string;
  /** A webhook endpoint taking every type since the run began, and what its receiver got so far. */
  webhook?: { endpointId: string; received: () => readonly ReceivedEvent[]; settleTimeoutMs: number };
}

export interface OutboxAuditReport { violations: string[]; events: number; deliveries: number; resent: number; offers: number; waitlistChecked: number }

export async function readFeed(http: HttpClient, adminKey: string): Promise<FeedEvent[]> {
  const events: FeedEvent[] = [];
  let after = 0;
  for (;;) {
    const page = await http.call('GET', `/v1/admin/events?after=${after}&limit=1000`, { adminKey });
    if (page.status !== 200) throw new Error(`event feed: ${page.status}`);
    events.push(...(page.body.events as FeedEvent[]));
    if (page.body.nextAfter === after) return events;
    after = page.body.nextAfter as number;
  }
}

function idsOnce(events: FeedEvent[], type: string, idOf: (event: FeedEvent) => unknown, violations: string[]): Map<string, FeedEvent> {
  const byId = new Map<string, FeedEvent>();
  for (const event of events) {
    if (event.type !== type) continue;
    const id = String(idOf(event));
    if (byId.has(id)) violations.push(`${type} ${id} has two events (${byId.get(id)!.id}, ${event.id})`);
    byId.set(id, event);
  }
  return byId;
}

export async function auditOutbox(model: AuditModel, options: OutboxAuditOptions): Promise<OutboxAuditReport> {
  const violations: string[] = [];
  const events = await readFeed(options.http, options.adminKey);
  events.forEach((event, index) => {
    const previous = events[index - 1];
    if (previous !== undefined && event.sequence !== previous.sequence + 1) violations.push(`outbox gap: ${previous.sequence} then ${event.sequence}`);
  });

  const payments = idsOnce(events, 'payment.completed', (e) => e.data['payment']?.['paymentId'], violations);
  for (const acked of model.payments.values()) {
    const event = payments.get(acked.paymentId);
    if (event === undefined) violations.push(`acknowledged payment ${acked.paymentId} has no payment.completed event`);
    else if (event.data['payment']?.['amount'] !== acked.amount) violations.push(`payment ${acked.paymentId}: event amount ${String(event.data['payment']?.['amount'])}, acknowledged ${acked.amount}`);
  }
  // Events of payments nobody heard back about: the server must have those payments (committed, unanswered).
  for (const [paymentId, event] of payments) {
    if (model.payments.has(paymentId)) continue;
    const user = String(event.data['payment']?.['userId']);
    const found = await options.http.call('GET', `/v1/payments/${paymentId}`, { token: userToken(user, options.authSecret) });
    if (found.status !== 200) violations.push(`payment.completed ${event.id} names payment ${paymentId} of ${user}, which the server does not have (${found.status})`);
  }

  const refunds = idsOnce(events, 'refund.created', (e) => e.data['refund']?.['refundId'], violations);
  for (const acked of model.refunds.values()) {
    const event = refunds.get(acked.refundId);
    if (event === undefined) violations.push(`acknowledged refund ${acked.refundId} has no refund.created event`);
    else if (event.data['refund']?.['amount'] !== acked.amount) violations.push(`refund ${acked.refundId}: event amount ${String(event.data['refund']?.['amount'])}, acknowledged ${acked.amount}`);
  }
  const checkins = idsOnce(events, 'checkin.accepted', (e) => e.data['checkin']?.['ticketId'], violations);
  for (const acked of model.checkins.values()) {
    if (!checkins.has(acked.ticketId)) violations.push(`acknowledged check-in of ${acked.ticketId} has no checkin.accepted event`);
  }
  idsOnce(events, 'reservation.expired', (e) => e.data['reservation']?.['reservationId'], violations);
  idsOnce(events, 'reservation.cancelled', (e) => e.data['reservation']?.['reservationId'], violations);
  // A room opens once, whatever kills land around its opening.
  idsOnce(events, 'room.opened', (e) => e.data['room']?.['roomId'], violations);

  const report: OutboxAuditReport = { violations, events: events.length, deliveries: 0, resent: 0, offers: 0, waitlistChecked: 0 };
  await auditWaitlist(model, events, options, report);
  if (options.webhook !== undefined) await auditDeliveries(events, options, options.webhook, report);
  return report;
}

async function auditWaitlist(model: AuditModel, events: FeedEvent[], options: OutboxAuditOptions, report: OutboxAuditReport): Promise<void> {
  const offers = idsOnce(events, 'waitlist.offered', (e) => e.data['reservation']?.['reservationId'], report.violations);
  report.offers = offers.size;
  const offered = new Set<string>();
  for (const [reservationId, event] of offers) {
    const user = String(event.data['reservation']?.['userId']);
    const scheduleId = String(event.data['reservation']?.['scheduleId']);
    offered.add(`${user}\u0000${scheduleId}`);
    const found = await options.http.call('GET', `/v1/reservations/${reservationId}`, { token: userToken(user, options.authSecret) });
    report.waitlistChecked++;
    if (found.status !== 200 || found.body.waitlistOffer !== true) {
      report.violations.push(`waitlist.offered ${event.id} names offer ${reservationId} of ${user}, which reads ${found.status} ${JSON.stringify(found.body)}`);
    }
  }
  for (const [slot, join] of model.waitlistJoins) {
    if (model.waitlistLeavesSent.has(slot) || offered.has(slot)) continue;
    const entry = await options.http.call('GET', `/v1/schedules/${join.scheduleId}/waitlist/me`, { token: userToken(join.user, options.authSecret) });
    report.waitlistChecked++;
    if (entry.status !== 200) report.violations.push(`${join.user} joined the waitlist of ${join.scheduleId} (acknowledged), neither left nor was offered seats, and is not on it: ${entry.status}`);
  }
}

async function auditDeliveries(events: FeedEvent[], options: OutboxAuditOptions, webhook: NonNullable<OutboxAuditOptions['webhook']>, report: OutboxAuditReport): Promise<void> {
  const last = events.at(-1)?.sequence ?? 0;
  const deadline = Date.now() + webhook.settleTimeoutMs;
  // Delivery runs beside the load: wait until the endpoint has attempted everything and has no retry waiting.
  for (;;) {
    const endpoint = await options.http.call('GET', `/v1/admin/webhooks/${webhook.endpointId}`, { adminKey: options.adminKey });
    const caughtUp = endpoint.status === 200 && endpoint.body.deliveredThrough >= last && endpoint.body.pendingDeliveries === 0;
    const receivedIds = new Set(webhook.received().map((r) => r.id));
    if (caughtUp && events.every((e) => receivedIds.has(e.id))) break;
    if (Date.now() > deadline) {
      report.violations.push(`webhook endpoint not caught up within ${webhook.settleTimeoutMs} ms: ${JSON.stringify(endpoint.body)}; ${events.filter((e) => !receivedIds.has(e.id)).length} of ${events.length} events never received`);
      return;
    }
    await sleep(100);
  }
  const feed = new Map(events.map((e) => [e.id, e]));
  const seen = new Set<string>();
  for (const received of webhook.received()) {
    report.deliveries++;
    if (seen.has(received.id)) report.resent++;
    seen.add(received.id);
    const event = feed.get(received.id);
    if (event === undefined) report.violations.push(`the receiver got ${received.id}, which the outbox does not have`);
    else if (!isDeepStrictEqual(event, received.body)) report.violations.push(`the receiver's ${received.id} differs from the outbox's`);
  }
}
