/**
 * Check-in in cluster mode, without NATS: the check-in is a command of the log (kind `checkIn`), so every
 * replica applying the log admits the same tickets at the same log time; scanners racing through several
 * nodes land in one order, and exactly one of them admits on every replica; a replica rebuilt from the log
 * (a node's restart) finds the ticket used, with the time of its first scan.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createReplicaEngine, type ReplicaEngine } from '../../src/actors/engine.js';
import { CommandApplier } from '../../src/cluster/command-applier.js';
import { LogClock } from '../../src/cluster/log-clock.js';
import type { ClusterCommand, CommandEnvelope, LogEntry } from '../../src/cluster/log-entry.js';
import { SeededRandom, newSeed } from '../../src/cluster/seeded-random.js';
import { DEFAULT_LIMITS } from '../../src/domain/engine.js';
import type { Result } from '../../src/domain/error-codes.js';
import type { CheckinView, TicketRef } from '../../src/domain/tickets.js';
import type { ConcertCreatedView, ReservationView } from '../../src/domain/views.js';

const START_MS = Date.UTC(2026, 5, 1);

interface Replica { engine: ReplicaEngine; applier: CommandApplier }

const opened: Replica[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((r) => r.engine.close()));
});

async function replica(): Promise<Replica> {
  const clock = new LogClock(START_MS);
  const random = new SeededRandom();
  const engine = createReplicaEngine({
    dbPath: ':memory:', limits: DEFAULT_LIMITS, durability: 'NORMAL', clock, randomBytes: (size) => random.bytes(size), walCheckpointIntervalMs: 0,
  });
  await engine.start();
  const made = { engine, applier: new CommandApplier(engine, clock, random, pino({ level: 'silent' })) };
  opened.push(made);
  return made;
}

/** A log as the leader writes it: entries of commands from any node, each with its time and seed. */
class Log {
  readonly entries: Array<{ seq: number; entry: LogEntry }> = [];
  private ids = 0;
  atMs = START_MS;

  append(commands: ClusterCommand[], advanceMs = 0): string[] {
    this.atMs += advanceMs;
    const envelopes: CommandEnvelope[] = commands.map((command) => ({ id: `node${(this.ids % 3) + 1}.${++this.ids}`, command, receivedAtMs: this.atMs, atMs: this.atMs }));
    this.entries.push({ seq: this.entries.length + 1, entry: { atMs: this.atMs, seed: newSeed(), leader: 'test', commands: envelopes } });
    return envelopes.map((e) => e.id);
  }

  async replay(to: Replica, waitFor: string[] = []): Promise<unknown[]> {
    const outcomes = waitFor.map((id) => to.applier.waitFor(id));
    for (const { seq, entry } of this.entries) to.applier.apply(seq, entry);
    return Promise.all(outcomes);
  }
}

/** A log in which a fan paid for seats 1 and 2; the ticket of seat 1. */
async function paidLog(): Promise<{ log: Log; ticket: TicketRef; other: TicketRef }> {
  const log = new Log();
  const first = await replica();
  const [created] = await log.replay(first, log.append([{
    kind: 'createConcert',
    args: { title: 'Door', venue: 'Hall', schedules: [{ startsAt: new Date(START_MS + 7 * 86_400_000).toISOString(), seatMap: { seatCount: 10, grades: [{ grade: 'R', from: 1, to: 10, price: 100_000 }] } }] },
  }]));
  const scheduleId = (created as Result<ConcertCreatedView>).ok ? (created as { value: ConcertCreatedView }).value.schedules[0]!.scheduleId : '';
  log.append([{ kind: 'charge', args: { userId: 'fan', amount: 500_000 } }], 1_000);
  const holdId = log.append([{ kind: 'hold', args: { userId: 'fan', scheduleId, seatNumbers: [1, 2] } }], 1_000);
  const [held] = await log.replay(await replica(), holdId) as Array<Result<ReservationView>>;
  const reservationId = held!.ok ? held!.value.reservationId : '';
  log.append([{ kind: 'pay', args: { userId: 'fan', reservationId } }], 1_000);
  return { log, ticket: { reservationId, scheduleId, seatNumber: 1 }, other: { reservationId, scheduleId, seatNumber: 2 } };
}

describe('check-in through the command log', () => {
  it('given three scanners on three nodes racing on one ticket, when their commands land in one entry, then on every replica exactly the first admits', async () => {
    const { log, ticket } = await paidLog();
    const scans = log.append([1, 2, 3].map(() => ({ kind: 'checkIn', args: { ticket } })), 60_000);

    const replicas = [await replica(), await replica()];
    const outcomes = await Promise.all(replicas.map((r) => log.replay(r, scans))) as Array<Array<Result<CheckinView>>>;

    for (const results of outcomes) {
      expect(results.map((r) => (r.ok ? 'ADMITTED' : r.error.code))).toEqual(['ADMITTED', 'TICKET_ALREADY_USED', 'TICKET_ALREADY_USED']);
      const admittedAt = results[0]!.ok ? results[0]!.value.checkedInAt : '';
      expect(admittedAt).toBe(new Date(log.atMs).toISOString());
      for (const refused of results.slice(1)) expect(!refused.ok && refused.error.details).toMatchObject({ checkedInAt: admittedAt });
    }
    const [a, b] = replicas.map((r) => r.engine.listTickets('fan', ticket.reservationId));
    expect(a).toEqual(b);
  });

  it('given a used ticket in the log, when a node rebuilds its replica from the log (a restart), then the ticket is used with its first time and the other is not', async () => {
    const { log, ticket, other } = await paidLog();
    const [admitted] = await log.replay(await replica(), log.append([{ kind: 'checkIn', args: { ticket } }], 5_000)) as Array<Result<CheckinView>>;

    const rebuilt = await replica();
    const [again, otherSeat] = await log.replay(rebuilt, log.append([{ kind: 'checkIn', args: { ticket } }, { kind: 'checkIn', args: { ticket: other } }], 5_000)) as Array<Result<CheckinView>>;

    expect(admitted!.ok).toBe(true);
    expect(!again!.ok && again!.error).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { checkedInAt: admitted!.ok ? admitted!.value.checkedInAt : '' } });
    expect(otherSeat!.ok).toBe(true);
  });
});
