/**
 * Setup through the public API, as an operator and fans would do it: concerts via the admin route,
 * users with signed JWTs, ACTIVE queue tokens and charged wallets. Not timed.
 */
import { HttpClient, mapConcurrent } from './http-client.js';
import { signUserToken } from './jwt.js';
import { BENCH_ADMIN_KEY, BENCH_AUTH_SECRET } from './processes.js';

const SCHEDULES_PER_CONCERT_MAX = 100;
const SETUP_CONCURRENCY = 64;
const ADMISSION_WAIT_MS = 30_000;
const DAY_MS = 86_400_000;

export interface BenchUser {
  userId: string;
  /** Authorization header value. */
  authorization: string;
  queueToken: string;
}

export function userHeaders(user: BenchUser): Record<string, string> {
  return { authorization: user.authorization, 'x-queue-token': user.queueToken };
}

function expectStatus(what: string, status: number, expected: number[], body: unknown): void {
  if (!expected.includes(status)) throw new Error(`${what}: expected ${expected.join('/')} got ${status} ${JSON.stringify(body).slice(0, 300)}`);
}

/** Creates `scheduleCount` 50-seat schedules (default seat map), booking open now, starting in 30 days. */
export async function createSchedules(client: HttpClient, scheduleCount: number, title = 'Bench concert'): Promise<string[]> {
  const startsAt = new Date(Date.now() + 30 * DAY_MS);
  const batches: number[] = [];
  for (let left = scheduleCount; left > 0; left -= SCHEDULES_PER_CONCERT_MAX) batches.push(Math.min(left, SCHEDULES_PER_CONCERT_MAX));
  const created = await mapConcurrent(batches, 4, async (size, batch) => {
    const schedules = Array.from({ length: size }, (_, i) => ({ startsAt: new Date(startsAt.getTime() + (batch * SCHEDULES_PER_CONCERT_MAX + i) * 60_000).toISOString() }));
    const response = await client.request<{ schedules: Array<{ scheduleId: string }> }>('POST', '/v1/admin/concerts', {
      headers: { 'x-admin-key': BENCH_ADMIN_KEY },
      body: { title: `${title} ${batch + 1}`, venue: 'Bench hall', schedules },
    });
    expectStatus('create concert', response.status, [201], response.body);
    return response.body.schedules.map((s) => s.scheduleId);
  });
  return created.flat();
}

export function benchUser(userId: string): Omit<BenchUser, 'queueToken'> {
  return { userId, authorization: `Bearer ${signUserToken(userId, BENCH_AUTH_SECRET)}` };
}

/** Joins the queue for each user; returns their tokens (WAITING or ACTIVE). */
export async function joinQueue(client: HttpClient, userIds: readonly string[]): Promise<BenchUser[]> {
  return mapConcurrent(userIds, SETUP_CONCURRENCY, async (userId) => {
    const user = benchUser(userId);
    const response = await client.request<{ token: string }>('POST', '/v1/queue/tokens', { headers: { authorization: user.authorization } });
    expectStatus(`join queue ${userId}`, response.status, [200, 201], response.body);
    return { ...user, queueToken: response.body.token };
  });
}

/** Waits for the queue tick to admit the last user (admission is FIFO, so everyone before is ACTIVE too). */
export async function awaitActive(client: HttpClient, users: readonly BenchUser[]): Promise<void> {
  const last = users[users.length - 1];
  if (last === undefined) return;
  const deadline = Date.now() + ADMISSION_WAIT_MS;
  while (Date.now() < deadline) {
    const response = await client.request<{ status: string }>('GET', '/v1/queue/status', { headers: { authorization: last.authorization, 'x-queue-token': last.queueToken } });
    expectStatus('queue status', response.status, [200], response.body);
    if (response.body.status === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`users not admitted within ${ADMISSION_WAIT_MS} ms (is QUEUE_MAX_ACTIVE high enough?)`);
}

export async function charge(client: HttpClient, users: readonly Pick<BenchUser, 'userId' | 'authorization'>[], amount: number): Promise<void> {
  await mapConcurrent(users, SETUP_CONCURRENCY, async (user) => {
    const response = await client.request('POST', '/v1/users/me/balance/charge', { headers: { authorization: user.authorization }, body: { amount } });
    expectStatus(`charge ${user.userId}`, response.status, [200], response.body);
  });
}

/** Users with ACTIVE tokens (and, when `chargeAmount` > 0, that much money). */
export async function provisionActiveUsers(client: HttpClient, prefix: string, count: number, chargeAmount = 0): Promise<BenchUser[]> {
  const userIds = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const users = await joinQueue(client, userIds);
  await awaitActive(client, users);
  if (chargeAmount > 0) await charge(client, users, chargeAmount);
  return users;
}
