/**
 * An organiser's cancellation of a schedule killed -9 in the middle, on the real server (`node
 * dist/server.js`): the cancellation is sent, the process is killed a few milliseconds later (before,
 * during or after its commit), and restarted. Then either every buyer of the schedule is refunded once and
 * the cancellation reads COMPLETED, or nobody is and it reads NOT_CANCELLED: never some of them. The
 * organiser's retry completes it, and nobody is refunded twice. The ledger and the journal audit clean.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSchedule } from './support/catalogue.js';
import { sleep, type HttpClient } from './support/http-client.js';
import { auditJournal, auditLedger, openReadOnly } from './support/journal-audit.js';
import { RELIABILITY_ADMIN_KEY, RELIABILITY_AUTH_SECRET, ServerProcess } from './support/server-process.js';
import { userToken } from './support/tokens.js';

const BUYERS = 40;
const FUNDS = 1_000_000;
/** Kill delays after the cancellation is sent, in ms: before its decision arrives, around its commit, after it. */
const KILL_AFTER_MS = [0, 1, 1, 2, 2, 3, 5];

let server: ServerProcess | undefined;
let workDir: string | undefined;

afterEach(async () => {
  await server?.kill();
  server = undefined;
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
});

const token = (user: string): string => userToken(user, RELIABILITY_AUTH_SECRET);

async function admit(http: HttpClient, users: string[]): Promise<Map<string, string>> {
  const queueTokens = new Map<string, string>();
  for (const user of users) queueTokens.set(user, (await http.call('POST', '/v1/queue/tokens', { token: token(user) })).body.token as string);
  for (let i = 0; i < 60; i++) {
    const statuses = await Promise.all(users.map((user) => http.call('GET', '/v1/queue/status', { token: token(user), queueToken: queueTokens.get(user) as string })));
    if (statuses.every((s) => s.body?.status === 'ACTIVE')) return queueTokens;
    await sleep(100);
  }
  throw new Error('users not admitted within 6 s');
}

/** Each buyer pays for two seats of the schedule; returns buyer -> reservationId. */
async function sell(http: HttpClient, scheduleId: string, round: number): Promise<Map<string, string>> {
  const users = Array.from({ length: BUYERS }, (_, i) => `r${round}-buyer${i}`);
  const queueTokens = await admit(http, users);
  const bookings = new Map<string, string>();
  for (const [i, user] of users.entries()) {
    expect((await http.call('POST', '/v1/users/me/balance/charge', { token: token(user), body: { amount: FUNDS } })).status).toBe(200);
    const held = await http.call('POST', '/v1/reservations', { token: token(user), queueToken: queueTokens.get(user) as string, body: { scheduleId, seatNumbers: [2 * i + 1, 2 * i + 2] } });
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    const paid = await http.call('POST', '/v1/payments', { token: token(user), queueToken: queueTokens.get(user) as string, body: { reservationId: held.body.reservationId } });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    bookings.set(user, held.body.reservationId as string);
  }
  return bookings;
}

interface BuyerState { balance: number; refunds: number; status: string }

async function buyers(http: HttpClient, bookings: Map<string, string>): Promise<BuyerState[]> {
  return Promise.all([...bookings].map(async ([user, reservationId]) => {
    const balance = await http.call('GET', '/v1/users/me/balance', { token: token(user) });
    const history = await http.call('GET', '/v1/users/me/balance/history', { token: token(user) });
    const reservation = await http.call('GET', `/v1/reservations/${reservationId}`, { token: token(user) });
    return {
      balance: balance.body.balance as number,
      refunds: (history.body.entries as Array<{ kind: string }>).filter((e) => e.kind === 'REFUND').length,
      status: reservation.body.status as string,
    };
  }));
}

describe('a schedule\'s cancellation killed -9 in the middle', () => {
  it('given a schedule with 40 paid bookings, when the server is killed just after the cancellation is sent, then after the restart every buyer is refunded or none is, and the retry refunds each once', { timeout: 240_000 }, async () => {
    workDir = mkdtempSync(join(tmpdir(), 'cancel-crash-'));
    const dbPath = join(workDir, 'booking.db');
    server = await ServerProcess.create({ dbPath, logPath: join(workDir, 'server.log'), env: { QUEUE_MAX_ACTIVE: '1000' } });
    await server.start();
    const outcomes: string[] = [];

    for (const [round, killAfterMs] of KILL_AFTER_MS.entries()) {
      const { scheduleId } = await createSchedule(server.http, RELIABILITY_ADMIN_KEY, 'big', `cancel-${round}`);
      const bookings = await sell(server.http, scheduleId, round);
      const paidBalance = FUNDS - 300_000;

      // When the cancellation is sent and the server killed a moment later.
      const sent = server.http.call('POST', `/v1/admin/schedules/${scheduleId}/cancel`, { adminKey: RELIABILITY_ADMIN_KEY }).catch(() => null);
      await sleep(killAfterMs);
      await server.kill();
      const answer = await sent;
      await server.start();

      // Then all of it or none of it.
      const progress = await server.http.call('GET', `/v1/admin/schedules/${scheduleId}/cancellation`, { adminKey: RELIABILITY_ADMIN_KEY });
      const after = await buyers(server.http, bookings);
      const status = progress.body.status as string;
      outcomes.push(`kill after ${killAfterMs} ms: ${status}${answer?.status === 200 ? ' (acknowledged before the kill)' : ''}`);
      if (answer?.status === 200) expect(status).toBe('COMPLETED');
      if (status === 'COMPLETED') {
        expect(progress.body).toMatchObject({ bookingsRefunded: BUYERS, refundedAmount: BUYERS * 300_000 });
        expect(after).toEqual(after.map(() => ({ balance: FUNDS, refunds: 1, status: 'REFUNDED' })));
      } else {
        expect(status).toBe('NOT_CANCELLED');
        expect(after).toEqual(after.map(() => ({ balance: paidBalance, refunds: 0, status: 'CONFIRMED' })));
      }

      // And the organiser's retry completes it without refunding anyone twice.
      const retried = await server.http.call('POST', `/v1/admin/schedules/${scheduleId}/cancel`, { adminKey: RELIABILITY_ADMIN_KEY });
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ status: 'COMPLETED', bookingsRefunded: BUYERS });
      expect(await buyers(server.http, bookings)).toEqual(after.map(() => ({ balance: FUNDS, refunds: 1, status: 'REFUNDED' })));
    }

    await server.stop();
    const db = openReadOnly(dbPath);
    try {
      expect(auditLedger(db)).toEqual([]);
      expect(auditJournal(db, { queueMaxActive: 1_000, holdTtlMs: 300_000 }).violations).toEqual([]);
    } finally {
      db.close();
    }
    process.stdout.write(`cancellation kill -9: ${outcomes.join('; ')}\n`);
  });
});
