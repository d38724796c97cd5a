/**
 * A sale's waiting room under the crash loop: fans join it (before its opening and after), leave it and ask
 * for their receipts while the server is killed at random moments; after every restart the room is audited
 * against what was acknowledged. Every acknowledged join is still in line (or left, if its leave was
 * acknowledged), in the entrant list or the late arrivals by when it came; every receipt handed out is
 * handed out again, byte for byte; the admission log only grows, each audit's log a prefix of the next; and
 * the published bundle, with every receipt, passes the verifier.
 */
import { verifyRoomAudit, type RoomAuditBundle } from '../../../src/rooms/fairness/verify-room.js';
import { createSchedule } from './catalogue.js';
import { sleep, type HttpClient } from './http-client.js';
import type { SeededRandom } from './random.js';
import { userToken } from './tokens.js';

interface RoomFan {
  userId: string;
  token: string;
  queueToken: string;
  entrantId: string;
  /** The join's answer said PRE_QUEUE: an entrant, unless a leave was acknowledged. */
  early: boolean;
  /** A leave was acknowledged (or may have landed: sent, no answer). */
  left: 'no' | 'acknowledged' | 'unknown';
  receipt?: string;
}

export interface RoomAuditReport { violations: string[]; checked: number; joins: number; admitted: number; receipts: number }

/** A room that opens this long after the run starts: the first kills land in its pre-queue, the rest after. */
const OPENS_AFTER_MS = 4_000;
/** Fans in the room at once at most: enough for a line behind its 3 admitted, few enough that the admitted are found. */
const MAX_LIVE_FANS = 40;

export class RoomLoad {
  private readonly fans: RoomFan[] = [];
  private running = false;
  private next = 0;
  private lastLog: RoomAuditBundle['log'] = [];

  private constructor(
    readonly roomId: string,
    private readonly random: SeededRandom,
    private readonly authSecret: string,
  ) {}

  static async create(http: HttpClient, adminKey: string, authSecret: string, random: SeededRandom): Promise<RoomLoad> {
    const schedule = await createSchedule(http, adminKey, 'big', 'room');
    const created = await http.call('POST', '/v1/admin/rooms', {
      adminKey, body: { name: 'Crash-loop sale', scheduleIds: [schedule.scheduleId], opensAt: new Date(Date.now() + OPENS_AFTER_MS).toISOString(), maxActive: 3 },
    });
    if (created.status !== 201) throw new Error(`create room: ${created.status} ${JSON.stringify(created.body)}`);
    return new RoomLoad(created.body.roomId as string, random, authSecret);
  }

  /**
   * Joins, leaves and receipt requests until `stop`, each to the server `pick` gives (a cluster: any node); a
   * request that fails (the server died) acknowledges nothing.
   */
  async run(pick: () => HttpClient): Promise<void> {
    this.running = true;
    while (this.running) {
      try {
        await this.step(pick());
      } catch {
        // Killed mid-request: nothing acknowledged; a leave in flight may or may not have landed.
      }
      // A few dozen fans a cycle, not thousands: the audit looks each of them up after every restart.
      await sleep(this.random.int(20, 60));
    }
  }

  stop(): void {
    this.running = false;
  }

  private async step(http: HttpClient): Promise<void> {
    const roll = this.random.next();
    const live = this.fans.filter((fan) => fan.left === 'no');
    if (live.length < MAX_LIVE_FANS && (roll < 0.3 || live.length === 0)) {
      const userId = `room-fan-${this.next++}`;
      const token = userToken(userId, this.authSecret);
      const joined = await http.call('POST', '/v1/queue/tokens', { token, body: { roomId: this.roomId }, timeoutMs: 2_000 });
      if (joined.status === 201) this.fans.push({ userId, token, queueToken: joined.body.token, entrantId: joined.body.entrantId, early: joined.body.status === 'PRE_QUEUE', left: 'no' });
      return;
    }
    const fan = this.random.pick(live);
    if (roll < 0.8) {
      // Admitted fans leave (their slot goes to the next in the drawn order); now and then one in line gives up.
      const status = await http.call('GET', '/v1/queue/status', { token: fan.token, queueToken: fan.queueToken, timeoutMs: 2_000 });
      if (status.body?.status !== 'ACTIVE' && !this.random.chance(0.05)) return;
      fan.left = 'unknown';
      const left = await http.call('DELETE', '/v1/queue/tokens/current', { token: fan.token, queueToken: fan.queueToken, timeoutMs: 2_000 });
      if (left.status === 204) fan.left = 'acknowledged';
    } else if (fan.receipt === undefined) {
      const got = await http.call('GET', '/v1/queue/receipt', { token: fan.token, queueToken: fan.queueToken, timeoutMs: 2_000 });
      if (got.status === 200) fan.receipt = got.body.receipt as string;
    }
  }

  /** After a restart: what was acknowledged is there. */
  async audit(http: HttpClient): Promise<RoomAuditReport> {
    const violations: string[] = [];
    let checked = 0;
    const room = await http.call('GET', `/v1/rooms/${this.roomId}`);
    if (room.status !== 200) return { violations: [`room ${this.roomId}: ${room.status}`], checked, joins: this.fans.length, admitted: 0, receipts: 0 };
    for (const fan of this.fans) {
      if (fan.left === 'unknown') continue;
      checked++;
      const status = await http.call('GET', '/v1/queue/status', { token: fan.token, queueToken: fan.queueToken });
      if (fan.left === 'no' && status.status !== 200) violations.push(`room: acknowledged join of ${fan.userId} is gone (${status.status} ${status.body?.code})`);
      if (fan.left === 'acknowledged' && status.status !== 401) violations.push(`room: acknowledged leave of ${fan.userId} is undone (${status.status})`);
      if (fan.receipt !== undefined && fan.left === 'no') {
        const again = await http.call('GET', '/v1/queue/receipt', { token: fan.token, queueToken: fan.queueToken });
        if (again.body?.receipt !== fan.receipt) violations.push(`room: ${fan.userId}'s receipt changed across a restart`);
      }
    }
    if (room.body.state !== 'OPEN') return { violations, checked, joins: this.fans.length, admitted: 0, receipts: 0 };

    const audit = await http.call('GET', `/v1/rooms/${this.roomId}/audit`, { timeoutMs: 10_000 });
    if (audit.status !== 200) return { violations: [...violations, `room audit: ${audit.status}`], checked, joins: this.fans.length, admitted: 0, receipts: 0 };
    const receipts = this.fans.flatMap((fan) => (fan.receipt === undefined ? [] : [fan.receipt]));
    const bundle = { ...(audit.body as RoomAuditBundle), receipts };
    const entrants = new Set(bundle.entrants);
    const late = new Set(bundle.lateArrivals ?? []);
    for (const fan of this.fans) {
      checked++;
      if (fan.early && fan.left === 'no' && !entrants.has(fan.entrantId)) violations.push(`room: ${fan.userId} joined before the opening and is not an entrant`);
      if (!fan.early && !late.has(fan.entrantId)) violations.push(`room: ${fan.userId} joined after the opening and is not a late arrival`);
    }
    const log = bundle.log;
    if (log.length < this.lastLog.length || this.lastLog.some((entry, i) => entry.hash !== log[i]?.hash)) {
      violations.push(`room: the admission log lost or changed entries across a restart (${this.lastLog.length} before, ${log.length} now)`);
    }
    this.lastLog = log;
    const report = verifyRoomAudit(bundle);
    violations.push(...report.violations.map((v) => `room bundle: ${v}`));
    checked += report.entrants + report.admissions + report.receipts;
    return { violations, checked, joins: this.fans.length, admitted: log.length, receipts: receipts.length };
  }
}
