/**
 * A cluster under load, shared by the fault tests and `npm run soak -- --cluster`: the processes
 * (cluster-processes.ts), an auditor admitted once, two schedules, and the reliability suites' load
 * driver sending each request to a node picked at random. `audit` pauses the load, waits until every
 * running node reports the same state, and checks each of them against every acknowledged answer with
 * the single-node crash loop's auditor.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { AuditModel } from '../../reliability/support/audit-model.js';
import { createSchedule, type CreatedSchedule } from '../../reliability/support/catalogue.js';
import { sleep, type HttpClient } from '../../reliability/support/http-client.js';
import { auditOverHttp } from '../../reliability/support/http-audit.js';
import { auditOutbox } from '../../reliability/support/outbox-audit.js';
import { readRecord } from '../../reliability/support/record.js';
import { RELIABILITY_ADMIN_KEY, RELIABILITY_AUTH_SECRET } from '../../reliability/support/server-process.js';
import { userToken } from '../../reliability/support/tokens.js';
import { ClusterProcesses, type ClusterNode } from './cluster-processes.js';
import { startDriverProcess, type DriverProcess } from '../../reliability/support/driver-process.js';
import { SeededRandom } from '../../reliability/support/random.js';
import { RoomLoad } from '../../reliability/support/room-load.js';

export const AUDITOR = 'auditor';
export const HOLD_TTL_SECONDS = 3;
export const OFFER_TTL_SECONDS = 2;

export interface ClusterRunOptions {
  dir: string;
  nodes: number;
  seed: number;
  bookingUsers: number;
  waiterUsers: number;
  /** Fans on the waitlist of a small sold-out schedule, answering the offers they get (default none). */
  waitlistUsers?: number;
}

export class ClusterRun {
  readonly auditorToken = userToken(AUDITOR, RELIABILITY_AUTH_SECRET);
  private auditSeed: number;
  private probes = 0;
  /** Waitlist offers made so far (events), as the last audit read them. */
  offers = 0;
  /** Acknowledged best-available and standing holds of the arena, as the last audit read them. */
  venueHolds = 0;
  /** A sale's room joined, left and asked for receipts through any node: joins and admissions as the last audit read them. */
  roomJoins = 0;
  roomAdmissions = 0;
  /** Holds and tokens seen final by earlier audits: re-checked by a sample only. */
  private readonly settled = new Set<string>();
  private roomRun: Promise<void> | null = null;

  private constructor(
    readonly cluster: ClusterProcesses,
    readonly schedules: CreatedSchedule[],
    readonly auditorQueueToken: string,
    readonly recordPath: string,
    readonly driver: DriverProcess,
    seed: number,
    private readonly roomLoad: RoomLoad,
  ) {
    this.auditSeed = seed;
    const random = new SeededRandom(seed);
    this.pickNode = () => {
      const running = this.cluster.running;
      return (running[random.int(0, running.length - 1)] ?? this.cluster.nodes[0]!).server.http;
    };
  }

  /** Each room request to a running node picked at random, as a load balancer would. */
  private readonly pickNode: () => HttpClient;

  private resumeRoomLoad(): void {
    this.roomRun = this.roomLoad.run(this.pickNode);
  }

  private async pauseRoomLoad(): Promise<void> {
    this.roomLoad.stop();
    await this.roomRun;
    this.roomRun = null;
  }

  static async start(options: ClusterRunOptions): Promise<ClusterRun> {
    const cluster = await ClusterProcesses.start(options.dir, options.nodes, {
      HOLD_TTL_SECONDS: String(HOLD_TTL_SECONDS),
      WAITLIST_OFFER_SECONDS: String(OFFER_TTL_SECONDS),
      QUEUE_MAX_ACTIVE: '9',
      // Nobody leaves the room except by leaving or paying, so every disappearance is explained.
      QUEUE_ACTIVE_TTL_SECONDS: '86400',
      QUEUE_WAITING_IDLE_SECONDS: '86400',
      BALANCE_MAX: '1000000000000',
      MONTHLY_CHARGE_MAX: '1000000000000',
    });
    try {
      const first = cluster.nodes[0]!.server.http;
      const auditorQueueToken = await admit(first, userToken(AUDITOR, RELIABILITY_AUTH_SECRET));
      const schedules = [
        // Before the first hot one: booking users reach it now and then, it sells out, and its waitlist gets offers.
        ...(options.waitlistUsers === undefined || options.waitlistUsers === 0 ? [] : [await createSchedule(first, RELIABILITY_ADMIN_KEY, 'tiny', '1')]),
        await createSchedule(first, RELIABILITY_ADMIN_KEY, 'hot', '1'),
        await createSchedule(first, RELIABILITY_ADMIN_KEY, 'big', '1'),
        // A small arena: best-available and standing holds, re-decided by every replica from the log.
        await createSchedule(first, RELIABILITY_ADMIN_KEY, 'venue', '1'),
      ];
      const schedulesPath = join(options.dir, 'schedules.json');
      writeFileSync(schedulesPath, JSON.stringify(schedules));
      const recordPath = join(options.dir, 'record.jsonl');
      const driver = startDriverProcess({
        baseUrl: cluster.nodes[0]!.server.baseUrl, baseUrls: cluster.nodes.map((n) => n.server.baseUrl),
        authSecret: RELIABILITY_AUTH_SECRET, recordPath, runId: 'c', seed: options.seed,
        bookingUsers: Array.from({ length: options.bookingUsers }, (_, i) => `fan-b${i}`),
        waiterUsers: Array.from({ length: options.waiterUsers }, (_, i) => `fan-w${i}`),
        waitlistUsers: Array.from({ length: options.waitlistUsers ?? 0 }, (_, i) => `fan-l${i}`),
        schedulesPath, holdTtlMs: HOLD_TTL_SECONDS * 1000, maxSeatsPerReservation: 4,
      });
      await driver.ready;
      // A sale's room beside them (its schedule not the driver's), opening a few seconds in: joined through any node.
      const roomLoad = await RoomLoad.create(first, RELIABILITY_ADMIN_KEY, RELIABILITY_AUTH_SECRET, new SeededRandom(options.seed + 1));
      const run = new ClusterRun(cluster, schedules, auditorQueueToken, recordPath, driver, options.seed, roomLoad);
      run.resumeRoomLoad();
      return run;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  acknowledged(): number {
    const model = new AuditModel();
    model.add(readRecord(this.recordPath));
    return model.acknowledged;
  }

  /** Every running node reports the same state twice in a row. */
  async converged(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let previous: unknown = null;
    for (;;) {
      // The admission rate is read at each node's own log time, which the leader's ticks keep moving: left out.
      const stats = await Promise.all(this.cluster.running.map(async (node) => {
        const body = (await node.server.http.call('GET', '/v1/admin/stats', { adminKey: RELIABILITY_ADMIN_KEY })).body as { queue: Record<string, unknown> };
        return { ...body, queue: { ...body.queue, admissionRatePerSecond: undefined } };
      }));
      const same = stats.every((s) => isDeepStrictEqual(s, stats[0]));
      if (same && isDeepStrictEqual(stats[0], previous)) return;
      previous = same ? stats[0] : null;
      if (Date.now() > deadline) throw new Error(`nodes did not converge: ${JSON.stringify(stats)}`);
      await sleep(200);
    }
  }

  /** Pauses the load, lets the nodes converge, audits every running node against the record. */
  async audit(label: string): Promise<{ acknowledged: number; checked: number; violations: string[] }> {
    this.driver.pause();
    await this.pauseRoomLoad();
    try {
      await sleep(300);
      await this.converged();
      const model = new AuditModel();
      model.add(readRecord(this.recordPath));
      const violations: string[] = [];
      let checked = 0;
      for (const node of this.cluster.running) {
        const report = await auditOverHttp(model, {
          http: node.server.http, authSecret: RELIABILITY_AUTH_SECRET, scheduleIds: this.schedules.map((s) => s.scheduleId),
          auditorUser: AUDITOR, auditorQueueToken: this.auditorQueueToken, expiryGraceMs: 2_500, replayAllSince: 0, replaySample: 50,
          seed: this.auditSeed++, settled: this.settled, settledSample: 60,
        });
        const c = report.checked;
        checked += c.charges + c.payments + c.holds + c.cancels + c.replays + c.tokens + c.checkins;
        violations.push(...report.violations.map((v) => `${label}, ${node.id}: ${v}`));
        // The outbox each replica wrote from the log: every acknowledged payment, refund and check-in has its
        // event; every waitlist join is still listed unless its fan left or was offered seats.
        const outbox = await auditOutbox(model, { http: node.server.http, adminKey: RELIABILITY_ADMIN_KEY, authSecret: RELIABILITY_AUTH_SECRET });
        checked += outbox.events + outbox.waitlistChecked;
        this.offers = Math.max(this.offers, outbox.offers);
        violations.push(...outbox.violations.map((v) => `${label}, ${node.id}: ${v}`));
        // The room through every node: acknowledged joins and leaves, receipts, a log that only grows, a bundle that verifies.
        const room = await this.roomLoad.audit(node.server.http);
        checked += room.checked;
        this.roomJoins = room.joins;
        this.roomAdmissions = Math.max(this.roomAdmissions, room.admitted);
        violations.push(...room.violations.map((v) => `${label}, ${node.id}: ${v}`));
      }
      this.venueHolds = model.bestAvailableHolds.size + model.standingHolds.size;
      return { acknowledged: model.acknowledged, checked, violations };
    } finally {
      this.driver.resume();
      this.resumeRoomLoad();
    }
  }

  /** A keyed charge through `node`, retried until acknowledged: how long until writes go through again. */
  async firstAcknowledgedWrite(node: ClusterNode, giveUpMs = 30_000): Promise<number> {
    const startedAt = Date.now();
    const key = `probe-${++this.probes}`;
    for (;;) {
      try {
        const reply = await node.server.http.call('POST', '/v1/users/me/balance/charge', {
          token: userToken('prober', RELIABILITY_AUTH_SECRET), idempotencyKey: key, body: { amount: 1_000 }, timeoutMs: 2_000,
        });
        if (reply.status === 200 || reply.status === 201) return Date.now() - startedAt;
      } catch { /* not answering yet */ }
      if (Date.now() - startedAt > giveUpMs) throw new Error(`no write acknowledged through ${node.id} within ${giveUpMs} ms`);
      await sleep(50);
    }
  }

  async stop(): Promise<void> {
    await this.pauseRoomLoad();
    await this.driver.stop();
    await this.cluster.stop();
  }
}

async function admit(http: HttpClient, token: string): Promise<string> {
  const joined = await http.call('POST', '/v1/queue/tokens', { token });
  const queueToken = joined.body.token as string;
  for (let i = 0; i < 100; i++) {
    const status = await http.call('GET', '/v1/queue/status', { token, queueToken });
    if (status.body?.status === 'ACTIVE') return queueToken;
    await sleep(100);
  }
  throw new Error('auditor not admitted within 10 s');
}
