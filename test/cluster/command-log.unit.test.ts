/**
 * The cluster's core promise, without NATS: replicas that apply the same command log reach the same
 * state, whatever the commands and the gaps of time between them; a command sent twice (a resend after
 * a leader died) applies once; a keyed retry through another node replays the first answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createReplicaEngine, type ReplicaEngine } from '../../src/actors/engine.js';
import { CommandApplier } from '../../src/cluster/command-applier.js';
import { LogClock } from '../../src/cluster/log-clock.js';
import type { ClusterCommand, CommandEnvelope, LogEntry } from '../../src/cluster/log-entry.js';
import { SeededRandom, newSeed } from '../../src/cluster/seeded-random.js';
import { DEFAULT_LIMITS } from '../../src/domain/engine.js';
import type { Outcome } from '../../src/domain/engine.js';
import type { ConcertCreatedView, PaymentView, ReservationView } from '../../src/domain/views.js';
import type { Result } from '../../src/domain/error-codes.js';
import pino from 'pino';

const START_MS = Date.UTC(2026, 5, 1);
const USERS = ['u0', 'u1', 'u2', 'u3'];

interface Replica { engine: ReplicaEngine; applier: CommandApplier; clock: LogClock }

async function replica(): Promise<Replica> {
  const clock = new LogClock(START_MS);
  const random = new SeededRandom();
  const engine = createReplicaEngine({
    dbPath: ':memory:', limits: { ...DEFAULT_LIMITS, holdTtlMs: 60_000, queueMaxActive: 2 }, durability: 'NORMAL',
    clock, randomBytes: (size) => random.bytes(size), walCheckpointIntervalMs: 0,
  });
  await engine.start();
  return { engine, clock, applier: new CommandApplier(engine, clock, random, pino({ level: 'silent' })) };
}

class Log {
  readonly entries: Array<{ seq: number; entry: LogEntry }> = [];
  private ids = 0;
  atMs = START_MS;

  /** `receivedAtMs`: when the commands' nodes took them (default: the entry's time). */
  append(commands: ClusterCommand[], advanceMs = 0, ids?: string[], receivedAtMs?: number): string[] {
    this.atMs += advanceMs;
    const at = receivedAtMs ?? this.atMs;
    const envelopes: CommandEnvelope[] = commands.map((command, i) => ({ id: ids?.[i] ?? `n.${++this.ids}`, command, receivedAtMs: at, atMs: at }));
    this.entries.push({ seq: this.entries.length + 1, entry: { atMs: this.atMs, seed: newSeed(), leader: 'test', commands: envelopes } });
    return envelopes.map((e) => e.id);
  }

  /** Applies every entry to `to`, returning the outcomes of the commands named (after their commit). */
  async replay(to: Replica, waitFor: string[] = []): Promise<unknown[]> {
    const outcomes = waitFor.map((id) => to.applier.waitFor(id));
    for (const { seq, entry } of this.entries) to.applier.apply(seq, entry);
    return Promise.all(outcomes);
  }
}

function concert(startsAtMs: number): ClusterCommand {
  return {
    kind: 'createConcert',
    args: {
      title: 'Log Live', venue: 'Hall',
      schedules: [{ startsAt: new Date(startsAtMs).toISOString(), seatMap: { seatCount: 10, grades: [{ grade: 'R', from: 1, to: 10, price: 100_000 }] } }],
    },
  };
}

async function observable(r: Replica, scheduleId: string): Promise<unknown> {
  // Let the last group commit settle (its acknowledgements and pushes).
  await new Promise((resolve) => setTimeout(resolve, 5));
  return {
    stats: r.engine.stats(),
    seats: r.engine.getSeatMap(scheduleId),
    cancellation: r.engine.getScheduleCancellation(scheduleId),
    events: r.engine.listEvents({ after: 0, limit: 1_000 }),
    endpoints: r.engine.listWebhookEndpoints().map((endpoint) => ({ endpoint, deliveries: r.engine.listWebhookDeliveries({ endpointId: endpoint.endpointId, limit: 1_000 }) })),
    users: USERS.map((user) => ({
      balance: r.engine.getBalance(user),
      history: r.engine.balanceHistory(user),
      reservations: r.engine.listReservations(user),
    })),
  };
}

describe('the command log', () => {
  it('given a timer that re-arms itself, when the log jumps an hour, then it fires once at the entry time, not once a second', () => {
    const clock = new LogClock(0);
    const fired: number[] = [];
    const tick = (): void => {
      fired.push(clock.now());
      clock.setTimeout(tick, 1_000);
    };
    clock.setTimeout(tick, 1_000);
    clock.advanceTo(3_600_000);
    expect(fired).toEqual([3_600_000]);
    clock.advanceTo(3_600_500);
    expect(fired).toHaveLength(1);
    clock.advanceTo(3_601_000);
    expect(fired).toEqual([3_600_000, 3_601_000]);
    expect(clock.nextDueMs()).toBe(3_602_000);
  });

  it('given the same seed, then every replica draws the same bytes', () => {
    const a = new SeededRandom();
    const b = new SeededRandom();
    const seed = newSeed();
    a.reseed(seed);
    b.reseed(seed);
    expect(a.bytes(7).equals(b.bytes(7))).toBe(true);
    expect(a.bytes(40).equals(b.bytes(40))).toBe(true);
  });

  it('given any commands and gaps of time, then two replicas of the log reach the same state', async () => {
    const user = fc.constantFrom(...USERS);
    const command = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('charge' as const), user, amount: fc.integer({ min: 1, max: 6 }).map((n) => n * 50_000), key: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }) }) },
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('hold' as const), user, seats: fc.uniqueArray(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 3 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('pay' as const), user, key: fc.option(fc.constantFrom('p1', 'p2'), { nil: undefined }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('cancel' as const), user }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('join' as const), user }) },
      // A refund of the user's first paid booking: all of it, or one seat drawn from 1..10 (perhaps not its own).
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('refund' as const), user, seat: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined, freq: 2 }), key: fc.option(fc.constantFrom('r1', 'r2'), { nil: undefined }) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancelSchedule' as const), user }) },
      // A purchase in two entries (charge and hold, then the payment), so that refunds find paid bookings.
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('buy' as const), user, seats: fc.uniqueArray(fc.integer({ min: 1, max: 10 }), { minLength: 1, maxLength: 2 }) }) },
      // Webhooks: an endpoint, the dispatcher's reports of attempts on some event, and its cursor moves.
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('hook' as const), user }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('attempt' as const), user, delivered: fc.boolean(), nth: fc.nat(20) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), user }) },
    );
    const step = fc.record({ advanceMs: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 50_000, max: 70_000 })), commands: fc.array(command, { minLength: 1, maxLength: 4 }) });
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
      // The commands name reservations, which only a replica knows: a leader-side model builds each entry
      // from the first replica's state, as the real requesters do from what their replica answered.
      const first = await replica();
      const log = new Log();
      const [created] = await log.replay(first, log.append([concert(START_MS + 30 * 86_400_000)]));
      const scheduleId = (created as Result<ConcertCreatedView>).ok ? (created as { value: ConcertCreatedView }).value.schedules[0]!.scheduleId : '';
      let applied = 1;
      const applyLatest = async (ids: string[]): Promise<void> => {
        const outcomes = ids.map((id) => first.applier.waitFor(id));
        const latest = log.entries.at(-1)!;
        first.applier.apply(latest.seq, latest.entry);
        applied++;
        await Promise.all(outcomes);
      };
      for (const { advanceMs, commands } of steps) {
        const buys = commands.flatMap((c) => (c.kind === 'buy' ? [c] : []));
        if (buys.length > 0) {
          await applyLatest(log.append(buys.flatMap((c): ClusterCommand[] => [
            { kind: 'charge', args: { userId: c.user, amount: 200_000 } },
            { kind: 'hold', args: { userId: c.user, scheduleId, seatNumbers: c.seats } },
          ])));
        }
        const built: ClusterCommand[] = commands.map((c) => {
          const held = first.engine.listReservations(c.user, 'HELD')[0]?.reservationId ?? 'res_none';
          const bought = first.engine.listReservations(c.user, 'CONFIRMED')[0]?.reservationId ?? 'res_none';
          switch (c.kind) {
            case 'charge': return { kind: 'charge', args: { userId: c.user, amount: c.amount, ...(c.key === undefined ? {} : { idempotency: { key: c.key, requestHash: `h${c.amount}` } }) } };
            case 'hold': return { kind: 'hold', args: { userId: c.user, scheduleId, seatNumbers: c.seats } };
            case 'pay': return { kind: 'pay', args: { userId: c.user, reservationId: held, ...(c.key === undefined ? {} : { idempotency: { key: c.key, requestHash: held } }) } };
            case 'cancel': return { kind: 'cancelReservation', args: { userId: c.user, reservationId: held } };
            case 'join': return { kind: 'issueQueueToken', args: { userId: c.user } };
            case 'refund': return {
              kind: 'refund',
              args: {
                userId: c.user, reservationId: bought, ...(c.seat === undefined ? {} : { seatNumbers: [c.seat] }),
                ...(c.key === undefined ? {} : { idempotency: { key: c.key, requestHash: `${bought}.${c.seat ?? 'all'}` } }),
              },
            };
            case 'cancelSchedule': return { kind: 'cancelSchedule', args: { scheduleId } };
            case 'buy': return { kind: 'pay', args: { userId: c.user, reservationId: held } };
            case 'hook': return { kind: 'createWebhookEndpoint', args: { url: `https://platform.example/${c.user}`, events: ['payment.completed', 'refund.created', 'reservation.expired'] } };
            case 'attempt': {
              const endpointId = first.engine.listWebhookEndpoints()[0]?.endpointId ?? 'whe_none';
              const events = first.engine.listEvents({ after: 0, limit: 1_000 }).events;
              const eventSequence = events[c.nth % Math.max(1, events.length)]?.sequence ?? 1;
              return { kind: 'recordWebhookAttempts', args: { attempts: [{ endpointId, eventSequence, delivered: c.delivered, statusCode: c.delivered ? 200 : 500, error: c.delivered ? null : 'HTTP 500' }] } };
            }
            case 'advance': return {
              kind: 'advanceWebhookCursor',
              args: { endpointId: first.engine.listWebhookEndpoints()[0]?.endpointId ?? 'whe_none', cursor: first.engine.listEvents({ after: 0, limit: 1_000 }).nextAfter },
            };
          }
        });
        await applyLatest(log.append(built, advanceMs));
      }
      expect(applied).toBe(log.entries.length);
      const second = await replica();
      // Every command's outcome, so its commit (and the ledger rows the history reads) is done.
      await log.replay(second, log.entries.flatMap(({ entry }) => entry.commands.map((c) => c.id)));
      expect(await observable(second, scheduleId)).toEqual(await observable(first, scheduleId));
      await first.engine.close();
      await second.engine.close();
    }), { numRuns: 25 });
  });

  it('given a payment received before its hold\'s deadline but appended after it (a leader died meanwhile), then it is decided at the time it was received', async () => {
    const r = await replica();
    const log = new Log();
    const [created] = await log.replay(r, log.append([concert(START_MS + 30 * 86_400_000)]));
    const scheduleId = (created as { value: ConcertCreatedView }).value.schedules[0]!.scheduleId;
    log.append([{ kind: 'charge', args: { userId: 'u1', amount: 300_000 } }, { kind: 'charge', args: { userId: 'u2', amount: 300_000 } }]);
    const holdIds = log.append([
      { kind: 'hold', args: { userId: 'u1', scheduleId, seatNumbers: [1] } },
      { kind: 'hold', args: { userId: 'u2', scheduleId, seatNumbers: [2] } },
    ]);
    const held = (await log.replay(r, holdIds)) as Array<{ value: ReservationView }>;
    const [first, second] = held.map((h) => h.value.reservationId);
    const deadlineMs = log.atMs + 60_000;
    // Appended 3 s after the deadline: u1's payment was received 1 s before it, u2's 1 s after it.
    const paid = await log.replay(r, [
      ...log.append([{ kind: 'pay', args: { userId: 'u1', reservationId: first! } }], 63_000, undefined, deadlineMs - 1_000),
      ...log.append([{ kind: 'pay', args: { userId: 'u2', reservationId: second! } }], 0, undefined, deadlineMs + 1_000),
    ]) as Array<Outcome<PaymentView>>;
    expect(paid[0]!.ok).toBe(true);
    expect(!paid[1]!.ok && paid[1]!.error.code).toBe('RESERVATION_EXPIRED');
    await r.engine.close();
  });

  it('given a schedule\'s cancellation appended twice (resent after its leader died) after a fan\'s refund in the same entry, then on two replicas each buyer is refunded once, the same way', async () => {
    const log = new Log();
    const a = await replica();
    const [created] = await log.replay(a, log.append([concert(START_MS + 30 * 86_400_000)]));
    const scheduleId = (created as { value: ConcertCreatedView }).value.schedules[0]!.scheduleId;
    log.append(['u1', 'u2'].map((userId) => ({ kind: 'charge', args: { userId, amount: 300_000 } })));
    const holdIds = log.append([
      { kind: 'hold', args: { userId: 'u1', scheduleId, seatNumbers: [1, 2] } },
      { kind: 'hold', args: { userId: 'u2', scheduleId, seatNumbers: [3] } },
    ]);
    const held = (await log.replay(a, holdIds)) as Array<{ value: ReservationView }>;
    const [r1, r2] = held.map((h) => h.value.reservationId);
    log.append([{ kind: 'pay', args: { userId: 'u1', reservationId: r1! } }, { kind: 'pay', args: { userId: 'u2', reservationId: r2! } }], 10);
    log.append([
      { kind: 'refund', args: { userId: 'u1', reservationId: r1!, seatNumbers: [2] } },
      { kind: 'cancelSchedule', args: { scheduleId, reason: 'flood' } },
    ], 10, ['n1.boot.7', 'n1.boot.8']);
    log.append([{ kind: 'cancelSchedule', args: { scheduleId, reason: 'flood' } }], 10, ['n1.boot.8']);
    const b = await replica();
    await log.replay(a);
    await log.replay(b, log.entries.flatMap(({ entry }) => entry.commands.map((c) => c.id)).filter((id, i, all) => all.indexOf(id) === i));

    const seen = await Promise.all([a, b].map((r) => observable(r, scheduleId)));

    expect(seen[1]).toEqual(seen[0]);
    expect(a.engine.getScheduleCancellation(scheduleId)).toMatchObject({ ok: true, value: { status: 'COMPLETED', bookingsRefunded: 2, refundedAmount: 200_000, reason: 'flood' } });
    expect(['u1', 'u2'].map((u) => a.engine.getBalance(u).balance)).toEqual([300_000, 300_000]);
    expect(a.engine.balanceHistory('u1').entries.filter((e) => e.kind === 'REFUND')).toHaveLength(2);
    await a.engine.close();
    await b.engine.close();
  });

  it('given a command appended twice (resent after its leader died), then it applies once', async () => {
    const r = await replica();
    const log = new Log();
    log.append([{ kind: 'charge', args: { userId: 'u0', amount: 100_000 } }], 0, ['n1.boot.1']);
    log.append([{ kind: 'charge', args: { userId: 'u0', amount: 100_000 } }], 10, ['n1.boot.1']);
    await log.replay(r);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(r.engine.getBalance('u0').balance).toBe(100_000);
    await r.engine.close();
  });

  it('given a payment whose node died before answering, when the fan retries its key through another node, then the first answer replays and the money moves once', async () => {
    const r = await replica();
    const log = new Log();
    const [created] = await log.replay(r, log.append([concert(START_MS + 30 * 86_400_000)]));
    const scheduleId = (created as { value: ConcertCreatedView }).value.schedules[0]!.scheduleId;
    log.append([{ kind: 'charge', args: { userId: 'u1', amount: 300_000 } }]);
    const [holdId] = log.append([{ kind: 'hold', args: { userId: 'u1', scheduleId, seatNumbers: [4, 5] } }]);
    const fresh = await replica();
    const [held] = await log.replay(fresh, [holdId!]);
    const reservationId = (held as Outcome<ReservationView> & { value: ReservationView }).value.reservationId;
    const idempotency = { key: 'pay-1', requestHash: 'same-body' };
    // Node 1 forwarded the payment and died: nobody waits for this id; the log still has it.
    log.append([{ kind: 'pay', args: { userId: 'u1', reservationId, idempotency } }], 5, ['node1.boot.9']);
    // The fan retries the same key on node 2: a new command id, the same idempotency key.
    const [retryId] = log.append([{ kind: 'pay', args: { userId: 'u1', reservationId, idempotency } }], 5, ['node2.boot.1']);
    const [retried] = await log.replay(r, [retryId!]);
    const outcome = retried as Outcome<PaymentView>;
    expect(outcome.replayed || (!outcome.ok && outcome.error.code === 'IDEMPOTENCY_IN_PROGRESS')).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(r.engine.getBalance('u1').balance).toBe(100_000);
    expect(r.engine.balanceHistory('u1').entries.filter((e) => e.kind === 'PAYMENT')).toHaveLength(1);
    await r.engine.close();
    await fresh.engine.close();
  });
});
