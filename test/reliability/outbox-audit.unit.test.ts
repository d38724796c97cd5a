/**
 * The outbox auditor finds planted faults: an acknowledged change without its event, an event twice, an
 * event of a change the server does not have, a gap in the sequence, and a receiver that got an event
 * the outbox does not have or a different body. Driven by a fake server answering the feed and lookups.
 */
import { describe, expect, it } from 'vitest';
import { AuditModel } from './support/audit-model.js';
import type { HttpClient, Reply } from './support/http-client.js';
import { auditOutbox, type FeedEvent, type ReceivedEvent } from './support/outbox-audit.js';

function payment(seq: number, paymentId: string, amount = 100): FeedEvent {
  return { id: `evt_${seq}`, sequence: seq, type: 'payment.completed', createdAt: '2026-12-03T00:00:00.000Z', data: { payment: { paymentId, amount, userId: 'ann' }, reservation: {} } };
}

/** A server whose feed is `events` and who has the payments `known`. */
function fakeServer(events: FeedEvent[], known: string[] = []): HttpClient {
  const reply = (status: number, body: unknown): Reply => ({ status, headers: new Headers(), body });
  return {
    baseUrl: 'http://fake',
    call: async (_method: string, path: string): Promise<Reply> => {
      const feed = /^\/v1\/admin\/events\?after=(\d+)/.exec(path);
      if (feed !== null) {
        const after = Number(feed[1]);
        const page = events.filter((e) => e.sequence > after);
        return reply(200, { events: page, nextAfter: page.at(-1)?.sequence ?? after });
      }
      if (path.startsWith('/v1/admin/webhooks/')) return reply(200, { deliveredThrough: events.at(-1)?.sequence ?? 0, pendingDeliveries: 0 });
      const found = /^\/v1\/payments\/(.+)$/.exec(path);
      if (found !== null) return known.includes(found[1]!) ? reply(200, {}) : reply(404, {});
      return reply(404, {});
    },
  } as unknown as HttpClient;
}

function modelWith(payments: Array<{ paymentId: string; amount: number }>): AuditModel {
  const model = new AuditModel();
  for (const p of payments) model.payments.set(p.paymentId, { user: 'ann', paymentId: p.paymentId, reservationId: `r-${p.paymentId}`, amount: p.amount, paidAt: '', body: {} });
  return model;
}

const base = { adminKey: 'k', authSecret: 's'.repeat(40) };

describe('the outbox auditor finds planted faults', () => {
  it('a clean outbox passes, and an unanswered payment the server has is allowed', async () => {
    const report = await auditOutbox(modelWith([{ paymentId: 'p1', amount: 100 }]), { ...base, http: fakeServer([payment(1, 'p1'), payment(2, 'p2')], ['p2']) });
    expect(report.violations).toEqual([]);
    expect(report.events).toBe(2);
  });

  it('an acknowledged payment without its event, or with another amount', async () => {
    const found = (await auditOutbox(modelWith([{ paymentId: 'p1', amount: 100 }, { paymentId: 'p2', amount: 300 }]), { ...base, http: fakeServer([payment(1, 'p2', 200)]) })).violations.join('\n');
    expect(found).toMatch(/acknowledged payment p1 has no payment.completed event/);
    expect(found).toMatch(/payment p2: event amount 200, acknowledged 300/);
  });

  it('an event twice, an event of a payment the server does not have, a gap', async () => {
    const found = (await auditOutbox(modelWith([{ paymentId: 'p1', amount: 100 }]), { ...base, http: fakeServer([payment(1, 'p1'), payment(2, 'p1'), payment(4, 'ghost')]) })).violations.join('\n');
    expect(found).toMatch(/payment.completed p1 has two events \(evt_1, evt_2\)/);
    expect(found).toMatch(/names payment ghost of ann, which the server does not have \(404\)/);
    expect(found).toMatch(/outbox gap: 2 then 4/);
  });

  it('a receiver that got an invented event, a changed body, or missed one', async () => {
    const events = [payment(1, 'p1'), payment(2, 'p2')];
    const invented: ReceivedEvent[] = [{ id: 'evt_1', body: events[0]! }, { id: 'evt_2', body: { ...events[1]!, data: { payment: { paymentId: 'p2', amount: 1 } } } }, { id: 'evt_9', body: payment(9, 'p9') }];
    const found = (await auditOutbox(modelWith([{ paymentId: 'p1', amount: 100 }]), {
      ...base, http: fakeServer(events, ['p2']), webhook: { endpointId: 'whe_1', received: () => invented, settleTimeoutMs: 200 },
    })).violations.join('\n');
    expect(found).toMatch(/the receiver got evt_9, which the outbox does not have/);
    expect(found).toMatch(/the receiver's evt_2 differs from the outbox's/);
    const missed = (await auditOutbox(modelWith([{ paymentId: 'p1', amount: 100 }]), {
      ...base, http: fakeServer(events, ['p2']), webhook: { endpointId: 'whe_1', received: () => [{ id: 'evt_1', body: events[0]! }], settleTimeoutMs: 200 },
    })).violations.join('\n');
    expect(missed).toMatch(/1 of 2 events never received/);
  });
});
