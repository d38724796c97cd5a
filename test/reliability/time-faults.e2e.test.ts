/**
 * Time faults on the real server: (1) kill -9 while holds are pending, restart: holds already overdue
 * read EXPIRED as soon as the server is ready, the others expire within their deadline plus one second,
 * each exactly once; (2) SIGSTOP for longer than the hold TTL with payments waiting in the socket,
 * SIGCONT: every overdue hold is released exactly once and no payment succeeds on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSchedule } from './support/catalogue.js';
import { sleep, type HttpClient, type Reply } from './support/http-client.js';
import { auditJournal, auditLedger, openReadOnly } from './support/journal-audit.js';
import { RELIABILITY_ADMIN_KEY, RELIABILITY_AUTH_SECRET, ServerProcess } from './support/server-process.js';
import { userToken } from './support/tokens.js';

const EXPIRY_SLACK_MS = 1_000;
let server: ServerProcess | undefined;
let workDir: string | undefined;

afterEach(async () => {
  await server?.kill();
  server = undefined;
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
});

async function startServer(holdTtlSeconds: number): Promise<ServerProcess> {
  workDir = mkdtempSync(join(tmpdir(), 'time-faults-'));
  server = await ServerProcess.create({
    dbPath: join(workDir, 'booking.db'), logPath: join(workDir, 'server.log'),
    env: { HOLD_TTL_SECONDS: String(holdTtlSeconds), QUEUE_MAX_ACTIVE: '1000' },
  });
  await server.start();
  return server;
}

const token = (user: string): string => userToken(user, RELIABILITY_AUTH_SECRET);

/** Joins every user and waits until each is ACTIVE; returns their queue tokens. */
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

interface Hold { user: string; reservationId: string; deadlineMs: number; seat: number }

async function holdOne(http: HttpClient, user: string, queueToken: string, scheduleId: string, seat: number): Promise<Hold> {
  const reply = await http.call('POST', '/v1/reservations', { token: token(user), queueToken, body: { scheduleId, seatNumbers: [seat] } });
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  return { user, reservationId: reply.body.reservationId, deadlineMs: Date.parse(reply.body.holdExpiresAt), seat };
}

/** reservationId -> at_ms of each of its journaled endings. */
function endingsInJournal(dbPath: string): Map<string, Array<{ type: string; atMs: number }>> {
  const db = openReadOnly(dbPath);
  try {
    const endings = new Map<string, Array<{ type: string; atMs: number }>>();
    const rows = db.prepare("SELECT type, at_ms, data FROM journal WHERE type IN ('reservation.expired', 'reservation.confirmed', 'reservation.cancelled') ORDER BY seq").all() as Array<{ type: string; at_ms: number; data: string }>;
    for (const row of rows) {
      const id = (JSON.parse(row.data) as { reservationId: string }).reservationId;
      endings.set(id, [...(endings.get(id) ?? []), { type: row.type, atMs: row.at_ms }]);
    }
    return endings;
  } finally {
    db.close();
  }
}

function expectCleanFile(dbPath: string, holdTtlMs: number): void {
  const db = openReadOnly(dbPath);
  try {
    expect([...auditLedger(db), ...auditJournal(db, { queueMaxActive: 1000, holdTtlMs }).violations]).toEqual([]);
  } finally {
    db.close();
  }
}

describe('time faults on the real server', () => {
  it('kill -9 with holds pending: overdue holds are EXPIRED at readiness, the rest expire by deadline + 1 s, each once', async () => {
    const holdTtlSeconds = 4;
    const s = await startServer(holdTtlSeconds);
    const users = Array.from({ length: 8 }, (_, i) => `sleeper${i}`);
    const queueTokens = await admit(s.http, users);
    const { scheduleId } = await createSchedule(s.http, RELIABILITY_ADMIN_KEY, 'hot', 'time');

    // Given eight holds taken 300 ms apart, so their deadlines straddle the outage
    const holds: Hold[] = [];
    for (const [i, user] of users.entries()) {
      holds.push(await holdOne(s.http, user, queueTokens.get(user) as string, scheduleId, i + 1));
      await sleep(300);
    }
    // When the server is killed with SIGKILL and restarted
    await s.kill();
    await s.start();
    const readyAtMs = Date.now();

    // Then every hold whose deadline passed is EXPIRED the moment the server is ready
    for (const hold of holds.filter((h) => h.deadlineMs < readyAtMs)) {
      const reply = await s.http.call('GET', `/v1/reservations/${hold.reservationId}`, { token: token(hold.user) });
      expect(reply.body.status, `hold ${hold.seat}, ${readyAtMs - hold.deadlineMs} ms overdue at readiness`).toBe('EXPIRED');
    }
    // and every other one is HELD until its deadline and EXPIRED within a second after it
    const lastDeadlineMs = Math.max(...holds.map((h) => h.deadlineMs));
    while (Date.now() < lastDeadlineMs + EXPIRY_SLACK_MS) {
      const nowMs = Date.now();
      const replies = await Promise.all(holds.map((h) => s.http.call('GET', `/v1/reservations/${h.reservationId}`, { token: token(h.user) })));
      const afterMs = Date.now();
      replies.forEach((reply, i) => {
        const hold = holds[i] as Hold;
        if (afterMs < hold.deadlineMs) expect(reply.body.status, `hold ${hold.seat} before its deadline`).toBe('HELD');
        if (nowMs > Math.max(hold.deadlineMs, readyAtMs) + EXPIRY_SLACK_MS) expect(reply.body.status, `hold ${hold.seat} a second after its deadline`).toBe('EXPIRED');
      });
      await sleep(100);
    }
    const seats = await s.http.call('GET', `/v1/schedules/${scheduleId}/seats?status=AVAILABLE`, { token: token(users[0] as string), queueToken: queueTokens.get(users[0] as string) as string });
    expect((seats.body.seats as unknown[]).length).toBe(24);

    // and the journal shows one expiry each, never before the deadline, at most a second after it (or after recovery)
    await s.kill();
    const dbPath = join(workDir as string, 'booking.db');
    const endings = endingsInJournal(dbPath);
    for (const hold of holds) {
      const ended = endings.get(hold.reservationId) ?? [];
      expect(ended.map((e) => e.type), `hold ${hold.seat}`).toEqual(['reservation.expired']);
      const atMs = ended[0]?.atMs ?? 0;
      expect(atMs).toBeGreaterThanOrEqual(hold.deadlineMs);
      // Recovery expires the overdue ones before /ready answers, so readiness bounds those.
      expect(atMs).toBeLessThanOrEqual(Math.max(hold.deadlineMs, readyAtMs) + EXPIRY_SLACK_MS);
    }
    expectCleanFile(dbPath, holdTtlSeconds * 1000);
  }, 120_000);

  it('SIGSTOP past the hold TTL, payments waiting: every overdue hold is released exactly once and none is paid', async () => {
    const holdTtlSeconds = 2;
    const s = await startServer(holdTtlSeconds);
    const users = Array.from({ length: 6 }, (_, i) => `frozen${i}`);
    const queueTokens = await admit(s.http, users);
    const { scheduleId } = await createSchedule(s.http, RELIABILITY_ADMIN_KEY, 'hot', 'stop');
    for (const user of users) expect((await s.http.call('POST', '/v1/users/me/balance/charge', { token: token(user), body: { amount: 500_000 } })).status).toBe(200);
    const holds: Hold[] = [];
    for (const [i, user] of users.entries()) holds.push(await holdOne(s.http, user, queueTokens.get(user) as string, scheduleId, i + 1));

    // Given the server stopped (SIGSTOP) while every hold is still HELD, and payments sent to it meanwhile
    s.pause();
    const pays: Array<Promise<Reply>> = holds.map((h) => s.http.call('POST', '/v1/payments', {
      token: token(h.user), queueToken: queueTokens.get(h.user) as string, body: { reservationId: h.reservationId }, timeoutMs: 30_000,
    }));
    await sleep(holdTtlSeconds * 1000 + 1_500);
    expect(Date.now()).toBeGreaterThan(Math.max(...holds.map((h) => h.deadlineMs)));
    // When it continues (SIGCONT)
    s.resume();
    const replies = await Promise.all(pays);

    // Then no payment succeeded on an overdue hold
    for (const reply of replies) expect(`${reply.status} ${reply.body.code}`).toBe('410 RESERVATION_EXPIRED');
    for (const hold of holds) {
      const reply = await s.http.call('GET', `/v1/reservations/${hold.reservationId}`, { token: token(hold.user) });
      expect(reply.body.status).toBe('EXPIRED');
      const wallet = await s.http.call('GET', '/v1/users/me/balance', { token: token(hold.user) });
      expect(wallet.body.balance).toBe(500_000);
    }
    const seats = await s.http.call('GET', `/v1/schedules/${scheduleId}/seats`, { token: token(users[0] as string), queueToken: queueTokens.get(users[0] as string) as string });
    expect((seats.body.seats as Array<{ status: string }>).every((seat) => seat.status === 'AVAILABLE')).toBe(true);
    // and each hold was released exactly once
    await sleep(200);
    const dbPath = join(workDir as string, 'booking.db');
    const endings = endingsInJournal(dbPath);
    for (const hold of holds) expect((endings.get(hold.reservationId) ?? []).map((e) => e.type), `hold ${hold.seat}`).toEqual(['reservation.expired']);
    expectCleanFile(dbPath, holdTtlSeconds * 1000);
  }, 120_000);
});
