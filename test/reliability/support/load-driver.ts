/**
 * The crash loop's load: a separate process (so a kill of the server is not a kill of the client) that
 * runs many users at once against the real server until SIGTERM. The orchestrator SIGSTOPs it while
 * it audits and SIGCONTs it after, so it lives through every kill cycle like a real client population. Booking users queue, hold, cancel,
 * charge (with and without Idempotency-Key, sometimes twice with the same key), pay or let holds
 * expire, and refund some paid bookings (all seats or one, keyed or not, sometimes twice); waiting users join the line, wait, get in and leave;
 * waitlist users join the hot schedules' waitlists and pay, cancel or let run out the offers they get (without a queue token). Every request is recorded before it is
 * sent, every 2xx after it arrives (record.ts). On start it retries, with the same key and body, every
 * keyed charge of earlier runs that never got an answer: the crash-recovery retry a real client makes.
 *
 *   tsx test/reliability/support/load-driver.ts '<DriverConfig as JSON>'
 */
import { readFileSync } from 'node:fs';
import { HttpClient, sleep, type Reply } from './http-client.js';
import { SeededRandom } from './random.js';
import { readRecord, RecordWriter, WRITE_OPERATIONS, type Operation, type SentLine } from './record.js';
import { RELIABILITY_ADMIN_KEY } from './server-process.js';
import { userToken } from './tokens.js';

/** `venue`: sold from a layout (RELIABILITY_ARENA): held by best available and standing places too. */
export interface DriverSchedule { scheduleId: string; seatCount: number; hot: boolean; venue?: true }

export interface DriverConfig {
  baseUrl: string;
  /** Cluster nodes: each request goes to one picked at random, as behind a load balancer (baseUrl is then ignored). */
  baseUrls?: string[];
  authSecret: string;
  recordPath: string;
  /** Unique per driver run: request ids and idempotency keys are prefixed with it. */
  runId: string;
  seed: number;
  bookingUsers: string[];
  waiterUsers: string[];
  /** Fans who join the hot schedules' waitlists instead of the line (none when omitted). */
  waitlistUsers?: string[];
  /** A JSON file with the DriverSchedule[] to book; the orchestrator adds schedules as seats sell out. */
  schedulesPath: string;
  holdTtlMs: number;
  maxSeatsPerReservation: number;
}

const NETWORK_PAUSE_MS = 100;
const NODE_DOWN_MS = 1_000;
const MAX_RETRIED_KEYS = 200;

interface SendOptions { token: string; queueToken?: string; key?: string; body?: unknown; target?: string; adminKey?: string }

class Driver {
  private readonly nodes: HttpClient[];
  /** Until when a node that failed to answer is skipped (a load balancer's health check). */
  private readonly downUntil: number[];
  private readonly writer: RecordWriter;
  private readonly random: SeededRandom;
  private requestCount = 0;
  private keyCount = 0;
  stopping = false;

  constructor(private readonly config: DriverConfig) {
    this.nodes = (config.baseUrls ?? [config.baseUrl]).map((url) => new HttpClient(url));
    this.downUntil = this.nodes.map(() => 0);
    this.writer = new RecordWriter(config.recordPath);
    this.random = new SeededRandom(config.seed);
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.writer.close();
  }

  /** A node at random among those not known down; any node when all are. */
  private get http(): HttpClient {
    const now = Date.now();
    const up = this.nodes.filter((_, i) => (this.downUntil[i] ?? 0) <= now);
    return this.random.pick(up.length > 0 ? up : this.nodes);
  }

  private markDown(http: HttpClient): void {
    const index = this.nodes.indexOf(http);
    if (index >= 0 && this.nodes.length > 1) this.downUntil[index] = Date.now() + NODE_DOWN_MS;
  }

  newKey(user: string): string {
    return `${this.config.runId}-${user}-${++this.keyCount}`;
  }

  token(user: string): string {
    return userToken(user, this.config.authSecret);
  }

  /** Sends and records; null when nothing came back (server down, killed, stopped). */
  async send(user: string, op: Operation, method: string, path: string, options: SendOptions): Promise<Reply | null> {
    const id = `${this.config.runId}.${++this.requestCount}`;
    const base = { id, user, op, ...(options.key === undefined ? {} : { key: options.key }), ...(options.target === undefined ? {} : { target: options.target }),
      ...(options.queueToken === undefined ? {} : { queueToken: options.queueToken }) };
    if (WRITE_OPERATIONS.has(op)) {
      const sent: SentLine = { kind: 'sent', at: Date.now(), ...base, ...(options.body === undefined ? {} : { body: options.body }) };
      this.writer.write(sent);
    }
    let reply: Reply;
    const http = this.http;
    try {
      reply = await http.call(method, path, {
        token: options.token,
        ...(options.queueToken === undefined ? {} : { queueToken: options.queueToken }),
        ...(options.key === undefined ? {} : { idempotencyKey: options.key }),
        ...(options.body === undefined ? {} : { body: options.body }),
        ...(options.adminKey === undefined ? {} : { adminKey: options.adminKey }),
      });
    } catch {
      this.markDown(http);
      return null;
    }
    if (reply.status >= 200 && reply.status < 300) {
      this.writer.write({
        kind: 'ack', at: Date.now(), ...base, status: reply.status, body: reply.body,
        replayed: reply.headers.get('idempotent-replayed') === 'true',
        ...(options.body === undefined ? {} : { reqBody: options.body }),
      });
    }
    return reply;
  }

  /** The newest hot, big and venue schedule (the orchestrator rewrites the file as seats sell out). */
  schedules(): DriverSchedule[] {
    const all = JSON.parse(readFileSync(this.config.schedulesPath, 'utf8')) as DriverSchedule[];
    const hot = all.filter((s) => s.hot).at(-1);
    const big = all.filter((s) => !s.hot && s.venue !== true).at(-1);
    const venue = all.filter((s) => s.venue === true).at(-1);
    return [hot, big, venue].filter((s): s is DriverSchedule => s !== undefined);
  }

  /** A hot schedule other than the newest, if there is one. */
  earlierHot(): DriverSchedule | undefined {
    const hot = (JSON.parse(readFileSync(this.config.schedulesPath, 'utf8')) as DriverSchedule[]).filter((s) => s.hot).slice(0, -1);
    return hot.length === 0 ? undefined : this.random.pick(hot);
  }

  async pause(ms = NETWORK_PAUSE_MS): Promise<void> {
    await sleep(ms);
  }

  // ---------------------------------------------------------------- retries of unanswered keyed charges

  async retryUnansweredCharges(): Promise<void> {
    const answered = new Set<string>();
    const sent: SentLine[] = [];
    for (const line of readRecord(this.config.recordPath)) {
      if (line.op !== 'charge' || line.key === undefined) continue;
      if (line.kind === 'ack') answered.add(`${line.user}\u0000${line.key}`);
      else sent.push(line);
    }
    const seen = new Set<string>();
    const pending = sent.filter((line) => {
      const slot = `${line.user}\u0000${line.key ?? ''}`;
      if (answered.has(slot) || seen.has(slot)) return false;
      seen.add(slot);
      return true;
    }).slice(-MAX_RETRIED_KEYS);
    for (const line of pending) {
      if (this.stopping) return;
      await this.send(line.user, 'charge', 'POST', '/v1/users/me/balance/charge', {
        token: this.token(line.user), ...(line.key === undefined ? {} : { key: line.key }), body: line.body,
      });
    }
  }

  // ---------------------------------------------------------------- queue

  /** Joins (or rejoins) the line and waits until ACTIVE; null if stopping or the token ended. */
  async admitted(user: string, token: string): Promise<string | null> {
    while (!this.stopping) {
      const join = await this.send(user, 'queue.join', 'POST', '/v1/queue/tokens', { token });
      if (join === null || join.status >= 300) {
        await this.pause(join === null ? NETWORK_PAUSE_MS : 300);
        continue;
      }
      const queueToken = join.body.token as string;
      let status = join.body.status as string;
      while (status === 'WAITING' && !this.stopping) {
        await sleep(this.random.int(150, 400));
        // Money moves while fans wait too (the wallet is not queue-gated).
        if (this.config.bookingUsers.includes(user) && this.random.chance(0.25)) await this.charge(user, token);
        const poll = await this.send(user, 'queue.status', 'GET', '/v1/queue/status', { token, queueToken, target: queueToken });
        if (poll === null) {
          await this.pause();
          continue;
        }
        if (poll.status !== 200) break;
        status = poll.body.status as string;
      }
      if (status === 'ACTIVE') return queueToken;
    }
    return null;
  }

  async leave(user: string, token: string, queueToken: string): Promise<void> {
    await this.send(user, 'queue.leave', 'DELETE', '/v1/queue/tokens/current', { token, queueToken, target: queueToken });
  }

  // ---------------------------------------------------------------- booking users

  /**
   * A keyed charge that got no answer (the server died) is retried with the same key and body until it
   * gets one, as a careful client does: after the restart it must be charged once, not twice.
   */
  async charge(user: string, token: string): Promise<void> {
    const body = { amount: this.random.int(2, 16) * 50_000 };
    const key = this.random.chance(0.5) ? this.newKey(user) : undefined;
    let first = await this.send(user, 'charge', 'POST', '/v1/users/me/balance/charge', { token, body, ...(key === undefined ? {} : { key }) });
    while (key !== undefined && first === null && !this.stopping) {
      await this.pause(200);
      first = await this.send(user, 'charge', 'POST', '/v1/users/me/balance/charge', { token, body, key });
    }
    // The same key again, at once: must replay the first answer and charge nothing more.
    if (key !== undefined && first !== null && this.random.chance(0.3)) {
      await this.send(user, 'charge', 'POST', '/v1/users/me/balance/charge', { token, body, key });
    }
  }

  private seatsFor(schedule: DriverSchedule, available: number[] | null): number[] {
    const count = this.random.int(1, this.config.maxSeatsPerReservation);
    if (available !== null && available.length >= count && this.random.chance(0.8)) {
      const start = this.random.int(0, available.length - count);
      return available.slice(start, start + count);
    }
    const first = this.random.int(1, Math.max(1, schedule.seatCount - count + 1));
    return Array.from({ length: count }, (_, i) => first + i).filter((n) => n <= schedule.seatCount);
  }

  async availableSeats(user: string, token: string, queueToken: string, scheduleId: string): Promise<number[] | null> {
    try {
      const reply = await this.http.call('GET', `/v1/schedules/${scheduleId}/seats?status=AVAILABLE`, { token, queueToken });
      if (reply.status !== 200) return null;
      return (reply.body.seats as Array<{ seatNumber: number }>).map((seat) => seat.seatNumber);
    } catch {
      return null;
    }
  }

  /** Up to three attempts while ACTIVE. True when the queue token ended (a payment). */
  async bookingVisit(user: string, token: string, queueToken: string): Promise<boolean> {
    const attempts = this.random.int(1, 3);
    for (let i = 0; i < attempts && !this.stopping; i++) {
      if (await this.bookingSession(user, token, queueToken)) return true;
    }
    return false;
  }

  /** One hold and what follows it. True when the queue token ended (a payment). */
  async bookingSession(user: string, token: string, queueToken: string): Promise<boolean> {
    if (this.random.chance(0.6)) await this.charge(user, token);
    // Now and then the last free seats of an earlier hot schedule: it sells out, and its expiring holds feed its waitlist.
    const earlier = this.random.chance(0.3) ? this.earlierHot() : undefined;
    const schedule = earlier ?? this.random.pick(this.schedules());
    const available = schedule.hot && earlier === undefined ? null : await this.availableSeats(user, token, queueToken, schedule.scheduleId);
    const holdKey = this.random.chance(0.5) ? this.newKey(user) : undefined;
    const seatNumbers = earlier !== undefined && available !== null && available.length > 0
      ? available.slice(0, this.config.maxSeatsPerReservation)
      : this.seatsFor(schedule, available);
    const holdBody = { scheduleId: schedule.scheduleId, ...(schedule.venue === true && earlier === undefined ? this.venueChoice(seatNumbers) : { seatNumbers }) };
    const hold = await this.send(user, 'hold', 'POST', '/v1/reservations', {
      token, queueToken, body: holdBody, ...(holdKey === undefined ? {} : { key: holdKey }),
    });
    if (hold === null) return false;
    let reservationId: string | null = null;
    if (hold.status === 201) reservationId = hold.body.reservationId as string;
    else if (hold.status === 409 && hold.body?.code === 'HOLD_LIMIT_REACHED') reservationId = (hold.body.details?.reservationId as string | undefined) ?? null;
    else if (hold.status === 401 || hold.status === 403) return false;
    if (reservationId === null) return false;

    // An earlier hot schedule's seats are mostly let go again (cancelled or run out), so its waitlist gets offers.
    const choice = this.random.next();
    const [payBelow, cancelBelow] = earlier === undefined ? [0.6, 0.8] : [0.2, 0.5];
    if (choice < payBelow) return this.pay(user, token, queueToken, reservationId);
    if (choice < cancelBelow) {
      await this.send(user, 'cancel', 'DELETE', `/v1/reservations/${reservationId}`, { token, target: reservationId });
      return false;
    }
    // Let it run out, then try to pay it anyway: must be 410 RESERVATION_EXPIRED, never a payment.
    await sleep(this.config.holdTtlMs + this.random.int(0, 300));
    if (this.stopping) return false;
    return this.pay(user, token, queueToken, reservationId);
  }

  /** In a venue, mostly the best seats or standing places; sometimes seats by number like anywhere else. */
  private venueChoice(seatNumbers: number[]): Record<string, unknown> {
    const quantity = this.random.int(1, this.config.maxSeatsPerReservation);
    const choice = this.random.next();
    if (choice < 0.55) return { bestAvailable: { quantity, ...(this.random.chance(0.3) ? { categoryId: this.random.pick(['VIP', 'R']) } : {}) } };
    if (choice < 0.8) return { generalAdmission: { areaId: 'FLOOR', quantity } };
    return { seatNumbers };
  }

  async pay(user: string, token: string, queueToken: string, reservationId: string): Promise<boolean> {
    for (let attempt = 0; attempt < 2 && !this.stopping; attempt++) {
      const key = this.random.chance(0.5) ? this.newKey(user) : undefined;
      const body = { reservationId };
      const paid = await this.send(user, 'pay', 'POST', '/v1/payments', { token, queueToken, body, target: reservationId, ...(key === undefined ? {} : { key }) });
      if (paid === null) return false;
      // A payment ends the queue token, so the gate refuses any later request with it: done.
      if (paid.status === 201) {
        if (this.random.chance(0.5)) await this.scanTickets(user, token, reservationId);
        else if (this.random.chance(0.4)) await this.refund(user, token, reservationId, (paid.body.seats as Array<{ seatNumber: number }>).map((s) => s.seatNumber));
        return true;
      }
      if (paid.status === 402) {
        await this.charge(user, token);
        continue;
      }
      return false;
    }
    return false;
  }

  /**
   * Gives back the booking, or one of its seats, sometimes keyed (retried with the same key until answered)
   * and sometimes twice (the second is ALREADY_REFUNDED, or replays under its key).
   */
  async refund(user: string, token: string, reservationId: string, seatNumbers: number[]): Promise<void> {
    const one = seatNumbers.length > 1 && this.random.chance(0.5);
    const body = one ? { seatNumbers: [this.random.pick(seatNumbers)] } : {};
    const key = this.random.chance(0.5) ? this.newKey(user) : undefined;
    const path = `/v1/reservations/${reservationId}/refunds`;
    let first = await this.send(user, 'refund', 'POST', path, { token, body, target: reservationId, ...(key === undefined ? {} : { key }) });
    while (key !== undefined && first === null && !this.stopping) {
      await this.pause(200);
      first = await this.send(user, 'refund', 'POST', path, { token, body, target: reservationId, key });
    }
    if (first !== null && this.random.chance(0.3)) await this.send(user, 'refund', 'POST', path, { token, body, target: reservationId, ...(key === undefined ? {} : { key }) });
  }

  /** At the door: each ticket of the paid reservation scanned, some twice (the second must say already used). */
  async scanTickets(user: string, token: string, reservationId: string): Promise<void> {
    let tickets: Array<{ ticketId: string; code: string }>;
    try {
      const reply = await this.http.call('GET', `/v1/reservations/${reservationId}/tickets`, { token });
      if (reply.status !== 200) return;
      tickets = reply.body.tickets as Array<{ ticketId: string; code: string }>;
    } catch {
      return;
    }
    for (const ticket of tickets) {
      const scans = this.random.chance(0.3) ? 2 : 1;
      for (let i = 0; i < scans && !this.stopping; i++) {
        await this.send(user, 'checkin', 'POST', '/v1/checkins', { token, adminKey: RELIABILITY_ADMIN_KEY, body: { code: ticket.code }, target: ticket.ticketId });
      }
    }
  }

  async bookingUser(user: string): Promise<void> {
    const token = this.token(user);
    while (!this.stopping) {
      const queueToken = await this.admitted(user, token);
      if (queueToken === null) return;
      const ended = await this.bookingVisit(user, token, queueToken);
      if (!ended && this.random.chance(0.4)) await this.leave(user, token, queueToken);
      await sleep(this.random.int(0, 200));
    }
  }

  // ---------------------------------------------------------------- waiting users

  async waiterUser(user: string): Promise<void> {
    const token = this.token(user);
    while (!this.stopping) {
      const queueToken = await this.admitted(user, token);
      if (queueToken === null) return;
      await sleep(this.random.int(200, 1_500));
      if (this.stopping) return;
      await this.leave(user, token, queueToken);
      await sleep(this.random.int(0, 800));
    }
  }

  // ---------------------------------------------------------------- waitlist users

  /**
   * Joins the waitlist of a hot schedule (the newest, or any earlier one still listed in the file), watches
   * for offers, and pays (without a queue token), cancels or lets run out each one; sometimes leaves.
   */
  async waitlistUser(user: string): Promise<void> {
    const token = this.token(user);
    // Each offer is answered once: one left to run out stays listed until it does.
    const answered = new Set<string>();
    while (!this.stopping) {
      const hot = (JSON.parse(readFileSync(this.config.schedulesPath, 'utf8')) as DriverSchedule[]).filter((s) => s.hot);
      const schedule = this.random.chance(0.4) ? hot.at(-1) : this.random.pick(hot);
      if (schedule === undefined) return;
      const quantity = this.random.int(1, 2);
      await this.send(user, 'waitlist.join', 'POST', `/v1/schedules/${schedule.scheduleId}/waitlist`, { token, body: { quantity }, target: schedule.scheduleId });
      const watchUntil = Date.now() + this.random.int(1_000, 6_000);
      while (!this.stopping && Date.now() < watchUntil) {
        await sleep(this.random.int(150, 400));
        let offers: Array<{ reservationId: string; totalPrice: number }>;
        try {
          const reply = await this.http.call('GET', '/v1/users/me/waitlist', { token });
          if (reply.status !== 200) continue;
          offers = reply.body.offers as Array<{ reservationId: string; totalPrice: number }>;
        } catch {
          await this.pause();
          continue;
        }
        for (const offer of offers) {
          if (answered.has(offer.reservationId)) continue;
          answered.add(offer.reservationId);
          await this.answerOffer(user, token, offer.reservationId);
        }
      }
      if (this.random.chance(0.3)) {
        await this.send(user, 'waitlist.leave', 'DELETE', `/v1/schedules/${schedule.scheduleId}/waitlist/me`, { token, target: schedule.scheduleId });
      }
    }
  }

  private async answerOffer(user: string, token: string, reservationId: string): Promise<void> {
    const choice = this.random.next();
    if (choice < 0.6) {
      await this.charge(user, token);
      const key = this.random.chance(0.5) ? this.newKey(user) : undefined;
      const paid = await this.send(user, 'pay', 'POST', '/v1/payments', { token, body: { reservationId }, target: reservationId, ...(key === undefined ? {} : { key }) });
      // Plans change: a refund frees the seats of a sold-out show, which the next fan on the list is offered.
      if (paid?.status === 201 && this.random.chance(0.5)) {
        await this.refund(user, token, reservationId, (paid.body.seats as Array<{ seatNumber: number }>).map((s) => s.seatNumber));
      }
    } else if (choice < 0.8) {
      await this.send(user, 'cancel', 'DELETE', `/v1/reservations/${reservationId}`, { token, target: reservationId });
    }
    // Otherwise it runs out and passes on to the next fan on the list.
  }

  async run(): Promise<void> {
    process.stdout.write('driver ready\n');
    await this.retryUnansweredCharges();
    await Promise.all([
      ...this.config.bookingUsers.map((user) => this.bookingUser(user)),
      ...this.config.waiterUsers.map((user) => this.waiterUser(user)),
      ...(this.config.waitlistUsers ?? []).map((user) => this.waitlistUser(user)),
    ]);
  }
}

async function main(): Promise<void> {
  const raw = process.argv[2];
  if (raw === undefined) throw new Error('usage: load-driver.ts <config json>');
  const driver = new Driver(JSON.parse(raw) as DriverConfig);
  const stop = (): void => {
    driver.stopping = true;
    // In-flight requests to a killed server fail fast; give them a moment to be recorded, then go.
    setTimeout(() => {
      driver.close();
      process.exit(0);
    }, 300).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await driver.run();
  driver.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`load driver failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
