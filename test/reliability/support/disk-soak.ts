/**
 * The disk soak (`npm run soak -- --disk --minutes=30`): the real server on a fresh database under a steady
 * load of holds, cancels, charges and payments (fans rejoin the line after each payment; some holds run
 * out), with the database's size sampled every minute from a read-only connection: the file and its WAL,
 * the journal's rows, the snapshots, the free pages, and the bytes of every table and index (dbstat).
 * No kills: this measures where the disk goes, the crash loop checks recovery.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sleep, type HttpClient } from './http-client.js';
import { SeededRandom } from './random.js';
import { RELIABILITY_ADMIN_KEY, RELIABILITY_AUTH_SECRET, ServerProcess } from './server-process.js';
import { userToken } from './tokens.js';

export interface DiskSoakOptions {
  minutes: number;
  sampleSeconds: number;
  users: number;
  /** Pause of each fan between requests: sets the load (24 fans at 40 ms: a few hundred writes a second). */
  pauseMs: number;
  holdTtlSeconds: number;
  seed: number;
  keepWorkDir: boolean;
  log: (line: string) => void;
}

export interface DiskSample {
  minute: number;
  dbBytes: number;
  walBytes: number;
  journalRows: number;
  snapshots: number;
  freePages: number;
  pageSize: number;
  /** Bytes per table and index (dbstat), when the driver has it. */
  tables: Record<string, number>;
  /** Operations answered with a 2xx since the start. */
  ops: Record<Operation, number>;
}

type Operation = 'hold' | 'cancel' | 'charge' | 'pay' | 'lapse' | 'join';

const SEATS_PER_SCHEDULE = 500;

export async function runDiskSoak(options: DiskSoakOptions): Promise<{ samples: DiskSample[]; workDir: string }> {
  const workDir = mkdtempSync(join(tmpdir(), 'disk-soak-'));
  const dbPath = join(workDir, 'booking.db');
  const server = await ServerProcess.create({
    dbPath,
    logPath: join(workDir, 'server.log'),
    env: {
      HOLD_TTL_SECONDS: String(options.holdTtlSeconds),
      QUEUE_MAX_ACTIVE: String(options.users + 10),
      QUEUE_ACTIVE_TTL_SECONDS: '86400',
      QUEUE_WAITING_IDLE_SECONDS: '86400',
      BALANCE_MAX: '1000000000000',
      MONTHLY_CHARGE_MAX: '1000000000000',
      CHARGE_MAX: '100000000',
    },
  });
  const ops: Record<Operation, number> = { hold: 0, cancel: 0, charge: 0, pay: 0, lapse: 0, join: 0 };
  const samples: DiskSample[] = [];
  const startedAt = Date.now();
  const deadline = startedAt + options.minutes * 60_000;
  try {
    await server.start();
    const load = new SoakLoad(server.http, options, ops);
    await load.addSchedule();
    const fans = Array.from({ length: options.users }, (_, i) => load.fan(`disk-fan-${i}`, deadline));
    const sampler = (async () => {
      for (let minute = 0; ; minute += options.sampleSeconds / 60) {
        const sample = sampleDisk(dbPath, minute, ops);
        samples.push(sample);
        options.log(formatSample(sample));
        const next = startedAt + (minute + options.sampleSeconds / 60) * 60_000;
        if (next > deadline) return;
        await sleep(Math.max(0, next - Date.now()));
      }
    })();
    await Promise.all([...fans, sampler]);
    await server.stop();
    const final = sampleDisk(dbPath, (Date.now() - startedAt) / 60_000, ops);
    samples.push(final);
    options.log(`${formatSample(final)} (after a clean shutdown)`);
  } finally {
    await server.kill();
    if (!options.keepWorkDir) rmSync(workDir, { recursive: true, force: true });
  }
  return { samples, workDir };
}

class SoakLoad {
  private readonly random: SeededRandom;
  private scheduleId = '';
  private adding: Promise<void> | null = null;
  private sold = 0;

  constructor(private readonly http: HttpClient, private readonly options: DiskSoakOptions, private readonly ops: Record<Operation, number>) {
    this.random = new SeededRandom(options.seed);
  }

  /** A fresh big schedule once the current one is mostly sold (its snapshot then stops changing). */
  addSchedule(): Promise<void> {
    this.adding ??= (async () => {
      const reply = await this.http.call('POST', '/v1/admin/concerts', {
        adminKey: RELIABILITY_ADMIN_KEY,
        body: {
          title: `Disk soak ${Date.now()}`,
          venue: 'Disk Hall',
          schedules: [{ startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(), seatMap: { seatCount: SEATS_PER_SCHEDULE, grades: [{ grade: 'R', from: 1, to: SEATS_PER_SCHEDULE, price: 50_000 }] } }],
        },
      });
      if (reply.status !== 201) throw new Error(`create concert: ${reply.status} ${JSON.stringify(reply.body)}`);
      this.scheduleId = reply.body.schedules[0].scheduleId as string;
      this.sold = 0;
    })().finally(() => {
      this.adding = null;
    });
    return this.adding;
  }

  async fan(user: string, deadline: number): Promise<void> {
    const token = userToken(user, RELIABILITY_AUTH_SECRET);
    let queueToken: string | null = null;
    while (Date.now() < deadline) {
      try {
        queueToken ??= await this.admitted(token);
        if (queueToken !== null && await this.session(token, queueToken)) queueToken = null;
      } catch {
        // A timeout under load: try again.
      }
      await sleep(this.options.pauseMs);
    }
  }

  private async admitted(token: string): Promise<string | null> {
    const join = await this.http.call('POST', '/v1/queue/tokens', { token });
    if (join.status >= 300) return null;
    this.ops.join++;
    const queueToken = join.body.token as string;
    for (let status = join.body.status as string; status !== 'ACTIVE'; status = (await this.http.call('GET', '/v1/queue/status', { token, queueToken })).body?.status) {
      await sleep(200);
    }
    return queueToken;
  }

  /** One hold and what follows. True when the queue token ended (a payment). */
  private async session(token: string, queueToken: string): Promise<boolean> {
    const scheduleId = this.scheduleId;
    const count = this.random.int(1, 2);
    const first = this.random.int(1, SEATS_PER_SCHEDULE - count + 1);
    const seatNumbers = Array.from({ length: count }, (_, i) => first + i);
    const hold = await this.http.call('POST', '/v1/reservations', { token, queueToken, body: { scheduleId, seatNumbers } });
    if (hold.status !== 201) {
      if (hold.status === 409 && hold.body?.code === 'SEAT_UNAVAILABLE' && this.sold > SEATS_PER_SCHEDULE * 0.7) await this.addSchedule();
      return false;
    }
    this.ops.hold++;
    const reservationId = hold.body.reservationId as string;
    await sleep(this.options.pauseMs);
    const choice = this.random.next();
    if (choice < 0.45) {
      if ((await this.http.call('DELETE', `/v1/reservations/${reservationId}`, { token })).status === 200) this.ops.cancel++;
      return false;
    }
    if (choice < 0.55) {
      this.ops.lapse++; // left to run out: the hold timer expires it
      return false;
    }
    const charge = await this.http.call('POST', '/v1/users/me/balance/charge', { token, idempotencyKey: `c-${reservationId}`, body: { amount: 50_000 * count } });
    if (charge.status === 200 || charge.status === 201) this.ops.charge++;
    const paid = await this.http.call('POST', '/v1/payments', { token, queueToken, idempotencyKey: `p-${reservationId}`, body: { reservationId } });
    if (paid.status !== 201) return false;
    this.ops.pay++;
    this.sold += count;
    if (this.sold > SEATS_PER_SCHEDULE * 0.9) void this.addSchedule();
    return true;
  }
}

export function sampleDisk(dbPath: string, minute: number, ops: Record<Operation, number>): DiskSample {
  const size = (path: string): number => (existsSync(path) ? statSync(path).size : 0);
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  try {
    const tables: Record<string, number> = {};
    try {
      for (const row of db.prepare('SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as Array<{ name: string; bytes: number }>) tables[row.name] = row.bytes;
    } catch { /* no dbstat in this build */ }
    return {
      minute: Math.round(minute * 10) / 10,
      dbBytes: size(dbPath),
      walBytes: size(`${dbPath}-wal`),
      journalRows: db.prepare('SELECT COUNT(*) FROM journal').pluck().get() as number,
      snapshots: db.prepare('SELECT COUNT(*) FROM snapshots').pluck().get() as number,
      freePages: db.pragma('freelist_count', { simple: true }) as number,
      pageSize: db.pragma('page_size', { simple: true }) as number,
      tables,
      ops: { ...ops },
    };
  } finally {
    db.close();
  }
}

const MB = 1024 * 1024;

export function formatSample(s: DiskSample): string {
  const top = Object.entries(s.tables).slice(0, 6).map(([name, bytes]) => `${name} ${(bytes / MB).toFixed(1)}`).join(', ');
  return `min ${s.minute}: db ${(s.dbBytes / MB).toFixed(1)} MB, wal ${(s.walBytes / MB).toFixed(1)} MB, journal ${s.journalRows} rows, `
    + `${s.snapshots} snapshots, ${(s.freePages * s.pageSize / MB).toFixed(1)} MB free pages; ops ${JSON.stringify(s.ops)}; MB by table: ${top}`;
}

/** The BENCHMARKS.md table. */
export function markdownTable(samples: readonly DiskSample[]): string {
  const lines = ['| minute | db MB | wal MB | journal rows | snapshots | free MB | journal MB | ledger MB | archive MB | idempotency MB | holds | payments |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|'];
  const mb = (bytes: number): string => (bytes / MB).toFixed(1);
  for (const s of samples) {
    const t = (...names: string[]): number => names.reduce((sum, name) => sum + (s.tables[name] ?? 0), 0);
    lines.push(`| ${s.minute} | ${mb(s.dbBytes)} | ${mb(s.walBytes)} | ${s.journalRows} | ${s.snapshots} | ${mb(s.freePages * s.pageSize)} | ${mb(t('journal'))} | `
      + `${mb(t('transfers', 'ledger_entries', 'ledger_entries_by_account', 'sqlite_autoindex_transfers_1'))} | ${mb(t('ended_reservations', 'ended_reservations_by_user'))} | `
      + `${mb(t('idempotency', 'idempotency_by_age'))} | ${s.ops.hold} | ${s.ops.pay} |`);
  }
  return lines.join('\n');
}
