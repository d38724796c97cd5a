/**
 * A payment killed at each step of its way through the cluster, over real processes. The fan pays
 * through a follower (so the command crosses the network to the leader), a node dies at the step
 * (CLUSTER_CRASH_POINTS, src/cluster/crash-points.ts), and the fan retries the same Idempotency-Key on
 * another node, as a careful client does. Whatever died: exactly one debit, the reservation CONFIRMED,
 * the queue token ended, the same payment id in every answer, and every node agreeing.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrashPoint } from '../../src/cluster/crash-points.js';
import { createSchedule, type CreatedSchedule } from '../reliability/support/catalogue.js';
import { sleep, type HttpClient, type Reply } from '../reliability/support/http-client.js';
import { RELIABILITY_ADMIN_KEY, RELIABILITY_AUTH_SECRET } from '../reliability/support/server-process.js';
import { userToken } from '../reliability/support/tokens.js';
import { ClusterProcesses, type ClusterNode } from './support/cluster-processes.js';

const CHARGED = 1_000_000;
const FANS: Record<CrashPoint, string> = { 'before-append': 'fan-before-append', 'after-append': 'fan-after-append', 'after-forward': 'fan-after-forward' };

let dir: string;
let cluster: ClusterProcesses;
let schedule: CreatedSchedule;

const marker = (point: CrashPoint): string => join(dir, `crashed-${point}`);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'payment-crashes-'));
  const points = (Object.entries(FANS) as Array<[CrashPoint, string]>).map(([point, fan]) => `${point}:${fan}:${join(dir, `crashed-${point}`)}`);
  cluster = await ClusterProcesses.start(dir, 3, {
    CLUSTER_CRASH_POINTS: points.join(','),
    HOLD_TTL_SECONDS: '120',
    QUEUE_MAX_ACTIVE: '50',
  });
  schedule = await createSchedule(cluster.nodes[0]!.server.http, RELIABILITY_ADMIN_KEY, 'big', 'payments');
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function admitted(http: HttpClient, token: string): Promise<string> {
  const joined = await http.call('POST', '/v1/queue/tokens', { token });
  const queueToken = joined.body.token as string;
  for (let i = 0; i < 100; i++) {
    if ((await http.call('GET', '/v1/queue/status', { token, queueToken })).body?.status === 'ACTIVE') return queueToken;
    await sleep(100);
  }
  throw new Error('not admitted');
}

/** The same keyed request through each running node in turn until one answers something other than 503/timeout. */
async function retryUntilAnswered(path: string, options: Parameters<HttpClient['call']>[2], avoid: string): Promise<Reply> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    for (const node of cluster.running.filter((n) => n.id !== avoid)) {
      try {
        const reply = await node.server.http.call('POST', path, { ...options, timeoutMs: 5_000 });
        if (reply.status !== 503 && reply.body?.code !== 'IDEMPOTENCY_IN_PROGRESS') return reply;
      } catch { /* that node is down or slow: the next one */ }
    }
    if (Date.now() > deadline) throw new Error('no node answered the retry within 30 s');
    await sleep(250);
  }
}

describe('a payment crossing the cluster, killed at each step', () => {
  for (const point of Object.keys(FANS) as CrashPoint[]) {
    it(`${point}: the fan's keyed retry on another node finds exactly one payment`, async () => {
      const fan = FANS[point];
      const token = userToken(fan, RELIABILITY_AUTH_SECRET);
      const leaderId = await cluster.waitForLeader();
      const taker = cluster.running.find((n) => n.id !== leaderId) as ClusterNode;
      const http = taker.server.http;
      const queueToken = await admitted(http, token);
      expect((await http.call('POST', '/v1/users/me/balance/charge', { token, idempotencyKey: `${fan}-charge`, body: { amount: CHARGED } })).status).toBe(200);
      const seat = 1 + Object.keys(FANS).indexOf(point);
      const hold = await http.call('POST', '/v1/reservations', { token, queueToken, body: { scheduleId: schedule.scheduleId, seatNumbers: [seat] } });
      expect(hold.status).toBe(201);
      const reservationId = hold.body.reservationId as string;
      const price = hold.body.totalPrice as number;

      const payment = { token, queueToken, idempotencyKey: `${fan}-pay`, body: { reservationId } };
      let first: Reply | null = null;
      try {
        first = await http.call('POST', '/v1/payments', { ...payment, timeoutMs: 15_000 });
      } catch { /* the node that took it died */ }
      const crashedId = point === 'after-forward' ? taker.id : leaderId;
      while (!existsSync(marker(point))) await sleep(20);
      const crashed = cluster.node(crashedId);
      await crashed.server.kill();
      const retried = await retryUntilAnswered('/v1/payments', payment, crashedId);
      await crashed.server.start();

      expect(retried.status).toBe(201);
      if (first !== null && first.status === 201) {
        expect(retried.headers.get('idempotent-replayed')).toBe('true');
        expect(retried.body.paymentId).toBe(first.body.paymentId);
      }
      for (const node of cluster.running) {
        const { http: reader } = node.server;
        const balance = await reader.call('GET', '/v1/users/me/balance', { token });
        expect(balance.body.balance, `${node.id} balance`).toBe(CHARGED - price);
        const history = await reader.call('GET', '/v1/users/me/balance/history', { token });
        const payments = (history.body.entries as Array<{ kind: string; reference: string }>).filter((e) => e.kind === 'PAYMENT');
        expect(payments.map((e) => e.reference), `${node.id} payments`).toEqual([retried.body.paymentId]);
        const reservation = await reader.call('GET', `/v1/reservations/${reservationId}`, { token });
        expect(reservation.body.status, `${node.id} reservation`).toBe('CONFIRMED');
        const status = await reader.call('GET', '/v1/queue/status', { token, queueToken });
        expect(status.body.code, `${node.id} queue token`).toBe('QUEUE_TOKEN_INVALID');
      }
    });
  }
});
