/**
 * The crash loop, shared by the CI test and `npm run soak`: the real server on a temp database, load
 * from a separate driver process, kill -9 at a random moment, an offline audit of the SQLite file, a
 * restart (recovery), and an audit of the restarted server against everything that was acknowledged.
 * Now and then the kill lands in the middle of start-up and recovery instead.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditModel } from './audit-model.js';
import { createSchedule, type CreatedSchedule } from './catalogue.js';
import { sleep, type HttpClient } from './http-client.js';
import { auditOverHttp } from './http-audit.js';
import { auditOutbox, type ReceivedEvent } from './outbox-audit.js';
import { Receiver } from '../../webhooks/receiver.js';
import { auditLedger, JournalAuditor, LedgerFacts, openReadOnly, tailJournal } from './journal-audit.js';
import { startDriverProcess, type DriverProcess } from './driver-process.js';
import { SeededRandom } from './random.js';
import { readRecord } from './record.js';
import { RELIABILITY_ADMIN_KEY, RELIABILITY_AUTH_SECRET, ServerProcess } from './server-process.js';
import { userToken } from './tokens.js';
import { RoomLoad } from './room-load.js';
import { EVENT_TYPES } from '../../../src/domain/webhooks.js';

export interface CrashLoopOptions {
  cycles: number;
  seed: number;
  bookingUsers: number;
  waiterUsers: number;
  /** Fans who join the hot schedules' waitlists and answer the offers they get. */
  waitlistUsers: number;
  holdTtlSeconds: number;
  /** How long a waitlist offer lasts (WAITLIST_OFFER_SECONDS). */
  offerTtlSeconds: number;
  /** Active slots besides the auditor's: fewer than the users, so a line forms. */
  activeSlots: number;
  minLoadMs: number;
  maxLoadMs: number;
  /** Chance that a cycle's kill lands during start-up and recovery instead of under load. */
  startupKillChance: number;
  stopOnViolation: boolean;
  keepWorkDir: boolean;
  log: (line: string) => void;
}

export const CI_CRASH_LOOP: Omit<CrashLoopOptions, 'seed' | 'log'> = {
  cycles: 20,
  bookingUsers: 12,
  waiterUsers: 8,
  waitlistUsers: 6,
  holdTtlSeconds: 3,
  offerTtlSeconds: 2,
  activeSlots: 8,
  minLoadMs: 700,
  maxLoadMs: 2_200,
  startupKillChance: 0.15,
  stopOnViolation: true,
  keepWorkDir: false,
};

export interface CrashLoopReport {
  seed: number;
  workDir: string;
  killCycles: number;
  startupKills: number;
  /** 2xx answers in the record. */
  acknowledged: number;
  /** Acknowledged operations the audits looked up again (summed over every audit). */
  checkedOperations: number;
  replays: number;
  journalRows: number;
  /** Tickets admitted at the door (acknowledged check-ins). */
  checkins: number;
  /** Refunds acknowledged (a 201 of POST /v1/reservations/{id}/refunds). */
  refunds: number;
  /** Events in the outbox at the last audit; webhook deliveries received, and how many were resends after a kill. */
  events: number;
  /** Acknowledged holds in the venue stream by best available and by standing places (each checked for shape). */
  bestAvailableHolds: number;
  standingHolds: number;
  /** Waitlist offers made (events), and waitlist facts looked up again (summed over every audit). */
  offers: number;
  waitlistChecked: number;
  webhookDeliveries: number;
  webhookResent: number;
  /** A sale's room: joins acknowledged, admissions in its log, receipts handed out (each checked after every restart). */
  roomJoins: number;
  roomAdmissions: number;
  roomReceipts: number;
  violations: string[];
}

const AUDITOR = 'auditor';
/** How often the journal is tailed while the server runs: far within the one checkpoint interval (>= 10 s) it keeps beyond recovery's needs. */
const JOURNAL_TAIL_INTERVAL_MS = 250;

export async function runCrashLoop(options: CrashLoopOptions): Promise<CrashLoopReport> {
  const random = new SeededRandom(options.seed);
  const workDir = mkdtempSync(join(tmpdir(), 'crash-loop-'));
  const dbPath = join(workDir, 'booking.db');
  const recordPath = join(workDir, 'record.jsonl');
  const queueMaxActive = options.activeSlots + 1;
  const server = await ServerProcess.create({
    dbPath,
    logPath: join(workDir, 'server.log'),
    env: {
      HOLD_TTL_SECONDS: String(options.holdTtlSeconds),
      WAITLIST_OFFER_SECONDS: String(options.offerTtlSeconds),
      QUEUE_MAX_ACTIVE: String(queueMaxActive),
      // Nobody leaves the room except by leaving or paying, so every disappearance is explained.
      QUEUE_ACTIVE_TTL_SECONDS: '86400',
      QUEUE_WAITING_IDLE_SECONDS: '86400',
      BALANCE_MAX: '1000000000000',
      MONTHLY_CHARGE_MAX: '1000000000000',
    },
  });
  const report: CrashLoopReport = {
    seed: options.seed, workDir, killCycles: 0, startupKills: 0, acknowledged: 0, checkedOperations: 0, replays: 0, journalRows: 0, checkins: 0, refunds: 0, bestAvailableHolds: 0, standingHolds: 0, events: 0, offers: 0, waitlistChecked: 0, webhookDeliveries: 0, webhookResent: 0, roomJoins: 0, roomAdmissions: 0, roomReceipts: 0, violations: [],
  };
  const bookingUsers = Array.from({ length: options.bookingUsers }, (_, i) => `fan-b${i}`);
  const waiterUsers = Array.from({ length: options.waiterUsers }, (_, i) => `fan-w${i}`);
  const waitlistUsers = Array.from({ length: options.waitlistUsers }, (_, i) => `fan-l${i}`);
  let driver: DriverProcess | undefined;
  const receiver = await Receiver.start();
  const received = (): ReceivedEvent[] => receiver.deliveries.map((d) => ({ id: d.event.id, body: d.event as unknown as ReceivedEvent['body'] }));
  // The journal is trimmed behind the checkpoints: the audit replays it as it is written, across every kill.
  const journalAuditor = new JournalAuditor({ queueMaxActive, holdTtlMs: options.holdTtlSeconds * 1000, offerTtlMs: options.offerTtlSeconds * 1000 });
  const tail = setInterval(() => tailJournal(journalAuditor, dbPath), JOURNAL_TAIL_INTERVAL_MS);
  try {
    await server.start();
    // Before any event: the endpoint hears every one of the run, delivered across every kill.
    const endpointId = await registerWebhook(server.http, `${receiver.url}/all`);
    const auditorQueueToken = await admitAuditor(server.http);
    const schedules: CreatedSchedule[] = [
      // Listed before the first hot one, so never the newest: booking users reach it now and then (see load-driver).
      await createSchedule(server.http, RELIABILITY_ADMIN_KEY, 'tiny', '1'),
      await createSchedule(server.http, RELIABILITY_ADMIN_KEY, 'hot', '1'),
      await createSchedule(server.http, RELIABILITY_ADMIN_KEY, 'big', '1'),
      await createSchedule(server.http, RELIABILITY_ADMIN_KEY, 'venue', '1'),
    ];
    // Its schedule is not the driver's: the room's line alone opens it.
    const roomLoad = await RoomLoad.create(server.http, RELIABILITY_ADMIN_KEY, RELIABILITY_AUTH_SECRET, random);
    const schedulesPath = join(workDir, 'schedules.json');
    writeFileSync(schedulesPath, JSON.stringify(schedules));
    driver = startDriverProcess({
      baseUrl: server.baseUrl, authSecret: RELIABILITY_AUTH_SECRET, recordPath, runId: 'd', seed: random.int(1, 2 ** 31),
      bookingUsers, waiterUsers, waitlistUsers, schedulesPath, holdTtlMs: options.holdTtlSeconds * 1000, maxSeatsPerReservation: 4,
    });
    await driver.ready;

    const settled = new Set<string>();
    for (let cycle = 1; cycle <= options.cycles; cycle++) {
      const cycleStartedAt = Date.now();
      driver.resume();
      const roomRun = roomLoad.run(() => server.http);
      await sleep(random.int(options.minLoadMs, options.maxLoadMs));
      await server.kill();
      roomLoad.stop();
      await roomRun;
      report.killCycles++;
      // Let the driver see its requests fail (nothing more is acknowledged), then freeze it for the audit.
      await sleep(150);
      driver.pause();

      const offline = auditDatabaseFile(dbPath, recordPath, journalAuditor);
      report.journalRows = offline.journalRows;
      report.checkedOperations += offline.checked;

      if (random.chance(options.startupKillChance)) {
        server.spawn();
        await sleep(random.int(0, 400));
        await server.kill();
        report.startupKills++;
      }
      const restartAt = Date.now();
      await server.start();
      const readyAt = Date.now();

      const model = new AuditModel();
      model.add(readRecord(recordPath));
      report.acknowledged = model.acknowledged;
      report.checkins = model.checkins.size;
      report.bestAvailableHolds = model.bestAvailableHolds.size;
      report.standingHolds = model.standingHolds.size;
      report.refunds = model.refunds.size;
      const online = await auditOverHttp(model, {
        http: server.http, authSecret: RELIABILITY_AUTH_SECRET, scheduleIds: schedules.map((s) => s.scheduleId),
        auditorUser: AUDITOR, auditorQueueToken, expiryGraceMs: 1_500, replayAllSince: cycleStartedAt, replaySample: 20, seed: random.int(1, 2 ** 31),
        settled, settledSample: 60,
      });
      const c = online.checked;
      report.checkedOperations += c.charges + c.payments + c.holds + c.cancels + c.replays + c.tokens + c.checkins + c.refunds;
      report.replays += c.replays;
      const outbox = await auditOutbox(model, {
        http: server.http, adminKey: RELIABILITY_ADMIN_KEY, authSecret: RELIABILITY_AUTH_SECRET,
        webhook: { endpointId, received, settleTimeoutMs: 20_000 },
      });
      report.events = outbox.events;
      report.webhookDeliveries = outbox.deliveries;
      report.webhookResent = outbox.resent;
      report.offers = outbox.offers;
      report.waitlistChecked += outbox.waitlistChecked;
      report.checkedOperations += outbox.events + outbox.waitlistChecked;
      const rooms = await roomLoad.audit(server.http);
      report.roomJoins = rooms.joins;
      report.roomAdmissions = rooms.admitted;
      report.roomReceipts = rooms.receipts;
      report.checkedOperations += rooms.checked;
      const violations = [...offline.violations, ...online.violations, ...outbox.violations, ...rooms.violations].map((v) => `cycle ${cycle}: ${v}`);
      report.violations.push(...violations);
      options.log(`cycle ${cycle}/${options.cycles}: killed after load; ${model.acknowledged} acknowledged so far, `
        + `${c.charges} charges, ${c.payments} payments, ${c.holds} holds, ${c.tokens} queue tokens, ${c.replays} replays checked; `
        + `${offline.journalRows} journal rows; ${outbox.events} events (${outbox.offers} waitlist offers), ${outbox.deliveries} webhook deliveries (${outbox.resent} resent); room: ${rooms.joins} joins, ${rooms.admitted} admitted, ${rooms.receipts} receipts; ${violations.length} violations `
        + `(restart ${readyAt - restartAt} ms, audit ${Date.now() - readyAt} ms)`);
      for (const violation of violations.slice(0, 20)) options.log(`  ${violation}`);
      if (violations.length > 0 && options.stopOnViolation) break;
      if (await topUpSchedules(server.http, schedules, auditorQueueToken, cycle)) writeFileSync(schedulesPath, JSON.stringify(schedules));
    }
  } finally {
    clearInterval(tail);
    await driver?.stop();
    await server.kill();
    await receiver.close();
    if (!options.keepWorkDir && report.violations.length === 0) rmSync(workDir, { recursive: true, force: true });
  }
  return report;
}

async function registerWebhook(http: HttpClient, url: string): Promise<string> {
  const created = await http.call('POST', '/v1/admin/webhooks', { adminKey: RELIABILITY_ADMIN_KEY, body: { url, events: [...EVENT_TYPES] } });
  if (created.status !== 201) throw new Error(`webhook endpoint: ${created.status}`);
  return created.body.endpointId as string;
}

/** The auditor joins first (an empty line) and stays ACTIVE for the whole run, to read seat maps. */
async function admitAuditor(http: HttpClient): Promise<string> {
  const token = userToken(AUDITOR, RELIABILITY_AUTH_SECRET);
  const joined = await http.call('POST', '/v1/queue/tokens', { token });
  if (joined.status !== 201 && joined.status !== 200) throw new Error(`auditor join: ${joined.status}`);
  const queueToken = joined.body.token as string;
  for (let i = 0; i < 50; i++) {
    const status = await http.call('GET', '/v1/queue/status', { token, queueToken });
    if (status.body?.status === 'ACTIVE') return queueToken;
    await sleep(100);
  }
  throw new Error('auditor not admitted within 5 s');
}

function streamOf(schedule: CreatedSchedule): 'hot' | 'big' | 'venue' {
  return schedule.venue === true ? 'venue' : schedule.hot ? 'hot' : 'big';
}

/** Adds a fresh hot, big or venue schedule when the current one is nearly sold out, so contention goes on. */
async function topUpSchedules(http: HttpClient, schedules: CreatedSchedule[], auditorQueueToken: string, cycle: number): Promise<boolean> {
  let added = false;
  for (const kind of ['hot', 'big', 'venue'] as const) {
    const current = [...schedules].reverse().find((s) => streamOf(s) === kind);
    if (current === undefined) continue;
    const seats = await http.call('GET', `/v1/schedules/${current.scheduleId}/seats?status=AVAILABLE`, {
      token: userToken(AUDITOR, RELIABILITY_AUTH_SECRET), queueToken: auditorQueueToken,
    });
    const available = seats.status === 200 ? (seats.body.seats as unknown[]).length : 0;
    if (available < (kind === 'hot' ? 6 : kind === 'venue' ? 12 : 40)) {
      schedules.push(await createSchedule(http, RELIABILITY_ADMIN_KEY, kind, String(cycle)));
      added = true;
    }
  }
  return added;
}

function auditDatabaseFile(dbPath: string, recordPath: string, journalAuditor: JournalAuditor): { violations: string[]; journalRows: number; checked: number } {
  const db = openReadOnly(dbPath);
  try {
    const violations = auditLedger(db).map((v) => `file: ${v}`);
    const journal = journalAuditor.check(db);
    violations.push(...journal.violations.map((v) => `file: ${v}`));
    const model = new AuditModel();
    model.add(readRecord(recordPath));
    const facts = new LedgerFacts(db);
    let checked = 0;
    for (const charge of model.charges.values()) {
      checked++;
      const n = facts.countEntries(charge.user, 'CHARGE', charge.chargeId);
      if (n !== 1) violations.push(`file: acknowledged charge ${charge.chargeId} of ${charge.user} has ${n} ledger entries`);
    }
    for (const payment of model.payments.values()) {
      checked++;
      const n = facts.countEntries(payment.user, 'PAYMENT', payment.paymentId);
      if (n !== 1) violations.push(`file: acknowledged payment ${payment.paymentId} of ${payment.user} has ${n} ledger entries`);
      const status = journal.reservationStatus.get(payment.reservationId);
      const refundAsked = model.refundsSent.has(payment.reservationId);
      if (status !== 'CONFIRMED' && !(status === 'REFUNDED' && refundAsked)) violations.push(`file: acknowledged payment ${payment.paymentId}: its reservation is ${status} in the journal`);
    }
    for (const refund of model.refunds.values()) {
      checked++;
      const n = facts.countEntries(refund.user, 'REFUND', refund.refundId);
      if (n !== 1) violations.push(`file: acknowledged refund ${refund.refundId} of ${refund.user} has ${n} ledger entries`);
      const status = journal.reservationStatus.get(refund.reservationId);
      if (refund.reservationStatus === 'REFUNDED' && status !== 'REFUNDED') violations.push(`file: acknowledged refund ${refund.refundId} ended its booking, which is ${status} in the journal`);
    }
    for (const hold of model.holds.values()) {
      checked++;
      if (!journal.reservationStatus.has(hold.reservationId)) violations.push(`file: acknowledged hold ${hold.reservationId} is not in the journal`);
    }
    for (const reservationId of model.cancelsAcked) {
      if (journal.reservationStatus.get(reservationId) !== 'CANCELLED') violations.push(`file: acknowledged cancel of ${reservationId}: ${journal.reservationStatus.get(reservationId)} in the journal`);
    }
    for (const user of model.users) {
      const charges = facts.countTransfers(user, 'CHARGE');
      if (charges > (model.chargeAttempts.get(user) ?? 0)) violations.push(`file: ${user} has ${charges} charges for ${model.chargeAttempts.get(user) ?? 0} distinct charge requests`);
    }
    return { violations, journalRows: journal.journalRows, checked };
  } finally {
    db.close();
  }
}
