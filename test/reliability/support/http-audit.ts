/**
 * Checks a restarted server against the record (audit-model.ts) over HTTP, as its clients would see it:
 * acknowledged money is there exactly once (refunds too), balances add up, holds keep their absolute deadlines,
 * no seat has two owners, keys replay, and the waiting line keeps its order.
 */
import { isDeepStrictEqual } from 'node:util';
import type { AuditModel, KeyedAnswer, TokenRecord } from './audit-model.js';
import type { HttpClient, Reply } from './http-client.js';
import { SeededRandom } from './random.js';
import { userToken } from './tokens.js';
import { decodeSnapshot } from '../../../src/venues/seat-map-codec.js';
import { validateLayout } from '../../../src/venues/layout.js';
import { SEAT_STATUS } from '../../../src/venues/seat-status.js';
import { VenuePlan } from '../../../src/venues/venue-plan.js';

export interface HttpAuditOptions {
  http: HttpClient;
  authSecret: string;
  scheduleIds: string[];
  /** An ACTIVE queue token of `auditorUser`, to read seat maps. */
  auditorUser: string;
  auditorQueueToken: string;
  /** A hold may still read HELD this long after its deadline (timer tick and restart). */
  expiryGraceMs: number;
  /** Keyed answers acknowledged at or after this time are all replayed; older ones are sampled. */
  replayAllSince: number;
  replaySample: number;
  seed: number;
  /**
   * Holds already seen in a final state and queue tokens already seen ended, by earlier audits of the
   * same run (filled in here). They are re-checked only by a sample, so a long soak's audit stays short.
   */
  settled?: Set<string>;
  settledSample?: number;
}

export interface HttpAuditReport {
  violations: string[];
  checked: { charges: number; payments: number; holds: number; cancels: number; replays: number; tokens: number; seats: number; users: number; checkins: number; refunds: number };
}

interface ReservationBody {
  reservationId: string; scheduleId: string; userId: string; status: string; holdExpiresAt: string; seats: Array<{ seatNumber: number }>; paymentId?: string; totalPrice: number;
  refunds?: Array<{ refundId: string; seatNumbers: number[]; amount: number }>;
}

/** The seats a reservation still owns: a refunded seat is released. */
function ownedSeats(r: ReservationBody): number[] {
  const refunded = new Set((r.refunds ?? []).flatMap((refund) => refund.seatNumbers));
  return r.seats.map((s) => s.seatNumber).filter((n) => !refunded.has(n));
}

export async function auditOverHttp(model: AuditModel, options: HttpAuditOptions): Promise<HttpAuditReport> {
  const violations: string[] = [...model.recordViolations];
  const checked = { charges: 0, payments: 0, holds: 0, cancels: 0, replays: 0, tokens: 0, seats: 0, users: 0, checkins: 0, refunds: 0 };
  const { http } = options;
  const tokenOf = (user: string): string => userToken(user, options.authSecret);
  const get = async (path: string, user: string, queueToken?: string): Promise<Reply> =>
    http.call('GET', path, { token: tokenOf(user), ...(queueToken === undefined ? {} : { queueToken }) });

  // ---- wallets: balance >= 0, every acknowledged charge and payment exactly once, nothing unasked for
  const chargesByUser = groupBy([...model.charges.values()], (c) => c.user);
  const paymentsByUser = groupBy([...model.payments.values()], (p) => p.user);
  const refundsByUser = groupBy([...model.refunds.values()], (r) => r.user);
  for (const user of model.users) {
    checked.users++;
    const balance = await get('/v1/users/me/balance', user);
    const history = await get('/v1/users/me/balance/history', user);
    if (balance.status !== 200 || history.status !== 200) {
      violations.push(`${user}: balance ${balance.status}, history ${history.status}`);
      continue;
    }
    const entries = history.body.entries as Array<{ kind: string; amount: number; balanceAfter: number; reference: string }>;
    const amount: number = balance.body.balance;
    if (!(amount >= 0)) violations.push(`${user}: balance ${amount} is negative`);
    const complete = entries.length < 1_000;
    if (complete) {
      // Amounts are unsigned; the kind gives the direction (a payment takes money out).
      const sum = entries.reduce((total, entry) => total + (entry.kind === 'PAYMENT' ? -entry.amount : entry.amount), 0);
      if (sum !== amount) violations.push(`${user}: balance ${amount} but the history sums to ${sum}`);
      if (entries.length > 0 && entries[0]?.balanceAfter !== amount) violations.push(`${user}: balance ${amount} but the newest entry says ${entries[0]?.balanceAfter}`);
      const chargesCommitted = entries.filter((e) => e.kind === 'CHARGE').length;
      const paymentsCommitted = entries.filter((e) => e.kind === 'PAYMENT').length;
      if (chargesCommitted > (model.chargeAttempts.get(user) ?? 0)) violations.push(`${user}: ${chargesCommitted} charges in the ledger for ${model.chargeAttempts.get(user) ?? 0} distinct charge requests`);
      if (paymentsCommitted > (model.payAttempts.get(user) ?? 0)) violations.push(`${user}: ${paymentsCommitted} payments in the ledger for ${model.payAttempts.get(user) ?? 0} payment requests`);
      for (const charge of chargesByUser.get(user) ?? []) {
        checked.charges++;
        const found = entries.filter((e) => e.kind === 'CHARGE' && e.reference === charge.chargeId);
        if (found.length !== 1 || found[0]?.amount !== charge.amount) violations.push(`${user}: acknowledged charge ${charge.chargeId} of ${charge.amount} appears ${found.length} times in the history`);
      }
      for (const payment of paymentsByUser.get(user) ?? []) {
        const found = entries.filter((e) => e.kind === 'PAYMENT' && e.reference === payment.paymentId);
        if (found.length !== 1 || found[0]?.amount !== payment.amount) violations.push(`${user}: acknowledged payment ${payment.paymentId} of ${payment.amount} appears ${found.length} times in the history`);
      }
      for (const refund of refundsByUser.get(user) ?? []) {
        checked.refunds++;
        const found = entries.filter((e) => e.kind === 'REFUND' && e.reference === refund.refundId);
        if (found.length !== 1 || found[0]?.amount !== refund.amount) violations.push(`${user}: acknowledged refund ${refund.refundId} of ${refund.amount} appears ${found.length} times in the history`);
      }
      // Money never comes back unasked for: each refund names a booking a refund was asked of, at most its price in all.
      const refundedByReservation = new Map<string, number>();
      for (const entry of entries.filter((e) => e.kind === 'REFUND')) {
        const reservationId = [...model.refundsSent].find((id) => entry.reference.endsWith(`_${id}`));
        if (reservationId === undefined) violations.push(`${user}: refund ${entry.reference} of ${entry.amount}, but no refund was asked of its booking`);
        else refundedByReservation.set(reservationId, (refundedByReservation.get(reservationId) ?? 0) + entry.amount);
      }
      for (const [reservationId, amount] of refundedByReservation) {
        const price = model.holds.get(reservationId)?.totalPrice;
        if (price !== undefined && amount > price) violations.push(`${user}: ${amount} refunded for booking ${reservationId} of ${price}`);
      }
    }
  }

  // ---- payments: each acknowledged payment reads back the same
  for (const payment of model.payments.values()) {
    checked.payments++;
    const reply = await get(`/v1/payments/${encodeURIComponent(payment.paymentId)}`, payment.user);
    if (reply.status !== 200) violations.push(`payment ${payment.paymentId} acknowledged, now ${reply.status} ${reply.body?.code}`);
    else if (!isDeepStrictEqual(reply.body, payment.body)) violations.push(`payment ${payment.paymentId} reads back different: ${JSON.stringify(reply.body)} vs acknowledged ${JSON.stringify(payment.body)}`);
    const hold = model.holds.get(payment.reservationId);
    if (hold !== undefined && Date.parse(payment.paidAt) >= Date.parse(hold.holdExpiresAt)) violations.push(`payment ${payment.paymentId} at ${payment.paidAt}, at or after its hold's deadline ${hold.holdExpiresAt}`);
  }

  // ---- check-ins: each admitted ticket is still used, with the time of that admission
  for (const checkin of model.checkins.values()) {
    checked.checkins++;
    const reply = await get(`/v1/reservations/${encodeURIComponent(checkin.reservationId)}/tickets`, checkin.user);
    const ticket = reply.status === 200 ? (reply.body.tickets as Array<{ ticketId: string; checkedInAt: string | null }>).find((t) => t.ticketId === checkin.ticketId) : undefined;
    if (ticket?.checkedInAt !== checkin.checkedInAt) violations.push(`ticket ${checkin.ticketId} admitted at ${checkin.checkedInAt}, now ${reply.status} checkedInAt ${ticket?.checkedInAt ?? 'missing'}`);
  }

  // ---- holds: same absolute deadline, and a status the record allows
  const random = new SeededRandom(options.seed);
  const settled = options.settled ?? new Set<string>();
  const sampled = new Set<string>();
  for (let i = 0; i < (options.settledSample ?? Number.POSITIVE_INFINITY) && i < settled.size; i++) sampled.add(random.pick([...settled]));
  const due = (key: string): boolean => options.settled === undefined || !settled.has(key) || sampled.has(key);
  for (const hold of [...model.holds.values()].filter((h) => due(`hold:${h.reservationId}`))) {
    checked.holds++;
    // The server answered between these two instants: a late expiry is judged from the first, an early
    // one from the second, so a slow test process cannot make a correct server look wrong.
    const sentAtMs = Date.now();
    const reply = await get(`/v1/reservations/${encodeURIComponent(hold.reservationId)}`, hold.user);
    const receivedAtMs = Date.now();
    if (reply.status !== 200) {
      violations.push(`hold ${hold.reservationId} acknowledged, now ${reply.status} ${reply.body?.code}`);
      continue;
    }
    const r = reply.body as ReservationBody;
    const deadlineMs = Date.parse(hold.holdExpiresAt);
    if (r.holdExpiresAt !== hold.holdExpiresAt) violations.push(`hold ${hold.reservationId}: holdExpiresAt moved from ${hold.holdExpiresAt} to ${r.holdExpiresAt}`);
    if (!isDeepStrictEqual(r.seats.map((s) => s.seatNumber), hold.seatNumbers)) violations.push(`hold ${hold.reservationId}: seats changed`);
    const payment = [...model.payments.values()].find((p) => p.reservationId === hold.reservationId);
    if (model.cancelsAcked.has(hold.reservationId)) {
      checked.cancels++;
      if (r.status !== 'CANCELLED') violations.push(`hold ${hold.reservationId}: cancel acknowledged, status ${r.status}`);
    }
    if (payment !== undefined && ((r.status !== 'CONFIRMED' && r.status !== 'REFUNDED') || r.paymentId !== payment.paymentId)) violations.push(`hold ${hold.reservationId}: payment ${payment.paymentId} acknowledged, status ${r.status} payment ${r.paymentId}`);
    for (const refund of [...model.refunds.values()].filter((f) => f.reservationId === hold.reservationId)) {
      const kept = (r.refunds ?? []).find((f) => f.refundId === refund.refundId);
      if (kept === undefined || !isDeepStrictEqual(kept.seatNumbers, refund.seatNumbers) || kept.amount !== refund.amount) violations.push(`hold ${hold.reservationId}: refund ${refund.refundId} acknowledged, the booking shows ${JSON.stringify(r.refunds ?? [])}`);
      if (refund.reservationStatus === 'REFUNDED' && r.status !== 'REFUNDED') violations.push(`hold ${hold.reservationId}: refunded in full (acknowledged), status ${r.status}`);
    }
    if (r.status !== 'HELD') settled.add(`hold:${hold.reservationId}`);
    switch (r.status) {
      case 'HELD':
        if (sentAtMs >= deadlineMs + options.expiryGraceMs) violations.push(`hold ${hold.reservationId}: still HELD ${sentAtMs - deadlineMs} ms after its deadline`);
        break;
      case 'EXPIRED':
        if (receivedAtMs < deadlineMs) violations.push(`hold ${hold.reservationId}: EXPIRED ${deadlineMs - receivedAtMs} ms before its deadline`);
        break;
      case 'CANCELLED':
        if (!model.cancelsSent.has(hold.reservationId)) violations.push(`hold ${hold.reservationId}: CANCELLED but nobody asked`);
        break;
      case 'REFUNDED':
      case 'CONFIRMED': {
        if (r.status === 'REFUNDED' && !model.refundsSent.has(hold.reservationId)) violations.push(`hold ${hold.reservationId}: REFUNDED but nobody asked`);
        if ((r.refunds ?? []).length > 0 && !model.refundsSent.has(hold.reservationId)) violations.push(`hold ${hold.reservationId}: refunds ${JSON.stringify(r.refunds)} but nobody asked`);
        if (!model.paysSent.has(hold.reservationId)) violations.push(`hold ${hold.reservationId}: CONFIRMED but nobody paid`);
        const paid = r.paymentId === undefined ? null : await get(`/v1/payments/${encodeURIComponent(r.paymentId)}`, hold.user);
        if (paid?.status !== 200 || paid.body.amount !== hold.totalPrice) violations.push(`hold ${hold.reservationId}: CONFIRMED with payment ${r.paymentId} that reads ${paid?.status}`);
        break;
      }
      default:
        violations.push(`hold ${hold.reservationId}: unknown status ${r.status}`);
    }
  }

  // ---- queue: acknowledged tokens survive with their place; the line stays in first-come order
  // The one-second tick may admit heads while we read, so positions are taken from two identical scans.
  const tokens = [...model.tokens.values()].filter((token) => token.issuedAt !== '' && due(`token:${token.token}`));
  const scan = async (): Promise<Reply[]> => Promise.all(tokens.map((token) => get('/v1/queue/status', token.user, token.token)));
  const fingerprint = (replies: Reply[]): string => JSON.stringify(replies.map((r) => [r.status, r.body?.status, r.body?.position]));
  let replies = await scan();
  for (let attempt = 0; attempt < 5; attempt++) {
    const again = await scan();
    const stable = fingerprint(again) === fingerprint(replies);
    replies = again;
    if (stable) break;
  }
  const activeTokens = new Map<string, TokenRecord>();
  const waitingTokens: Array<{ token: TokenRecord; position: number }> = [];
  tokens.forEach((token, i) => {
    const reply = replies[i] as Reply;
    checked.tokens++;
    if (reply.status === 200) {
      if (reply.body.issuedAt !== token.issuedAt) violations.push(`queue token of ${token.user}: issuedAt ${token.issuedAt} became ${reply.body.issuedAt}`);
      if (model.mustHaveEnded(token)) violations.push(`queue token of ${token.user}: ended (leave or payment acknowledged) but live again`);
      if (reply.body.status === 'WAITING') {
        if (token.activeSeenAt !== null && model.durableAfter(token.activeSeenAt)) violations.push(`queue token of ${token.user}: admitted before the crash, WAITING after it`);
        waitingTokens.push({ token, position: reply.body.position });
      } else {
        activeTokens.set(token.user, token);
      }
    } else if (reply.status === 401) {
      settled.add(`token:${token.token}`);
      if (!model.mayHaveEnded(token) && model.durableAfter(token.firstSeenAt)) violations.push(`queue token of ${token.user} (issued ${token.issuedAt}) lost: nobody left or paid with it`);
    } else {
      violations.push(`queue token of ${token.user}: status ${reply.status}`);
    }
  });
  waitingTokens.sort((a, b) => a.position - b.position);
  for (let i = 1; i < waitingTokens.length; i++) {
    const ahead = waitingTokens[i - 1];
    const behind = waitingTokens[i];
    if (ahead === undefined || behind === undefined) continue;
    if (ahead.position === behind.position) violations.push(`queue: two waiting tokens at position ${ahead.position}`);
    if (Date.parse(ahead.token.issuedAt) > Date.parse(behind.token.issuedAt)) {
      violations.push(`queue: ${ahead.token.user} (issued ${ahead.token.issuedAt}) is ahead of ${behind.token.user} (issued ${behind.token.issuedAt})`);
    }
  }
  const firstWaiting = waitingTokens.reduce((min, w) => Math.min(min, Date.parse(w.token.issuedAt)), Number.POSITIVE_INFINITY);
  for (const token of activeTokens.values()) {
    if (Date.parse(token.issuedAt) > firstWaiting) violations.push(`queue: ${token.user} (issued ${token.issuedAt}) is ACTIVE while an earlier token still waits`);
  }

  // ---- seats: every RESERVED seat has exactly one CONFIRMED reservation, every TEMP_RESERVED one HELD
  const live = new Map<string, ReservationBody>();
  for (const user of model.users) {
    for (const status of ['HELD', 'CONFIRMED']) {
      const reply = await get(`/v1/reservations?status=${status}`, user);
      if (reply.status !== 200) {
        violations.push(`${user}: reservations?status=${status} answered ${reply.status}`);
        continue;
      }
      for (const r of reply.body.reservations as ReservationBody[]) live.set(r.reservationId, r);
    }
  }
  const mapReadAtMs = Date.now();
  for (const scheduleId of options.scheduleIds) {
    const reply = await get(`/v1/schedules/${encodeURIComponent(scheduleId)}/seats`, options.auditorUser, options.auditorQueueToken);
    if (reply.status !== 200) {
      violations.push(`seat map ${scheduleId}: ${reply.status} ${reply.body?.code}`);
      continue;
    }
    // A schedule sold from a layout: its blocked seats show taken, and its compact map must agree too.
    const venueReply = await get(`/v1/schedules/${encodeURIComponent(scheduleId)}/venue`, options.auditorUser, options.auditorQueueToken);
    const validLayout = venueReply.status === 200 ? validateLayout(venueReply.body.layout) : null;
    const venue = validLayout?.ok === true ? new VenuePlan(venueReply.body.layoutId as string, validLayout.layout, '') : null;
    if (venueReply.status === 200 && venue === null) violations.push(`venue of ${scheduleId} does not validate`);
    const owners = new Map<number, ReservationBody>();
    for (const r of live.values()) {
      if (r.scheduleId !== scheduleId) continue;
      // A hold whose deadline passes while we read may be released between the two reads.
      if (r.status === 'HELD' && Date.parse(r.holdExpiresAt) <= Date.now() + 50) continue;
      for (const seatNumber of ownedSeats(r)) {
        const other = owners.get(seatNumber);
        if (other !== undefined) violations.push(`seat ${seatNumber} of ${scheduleId}: ${other.reservationId} (${other.status}) and ${r.reservationId} (${r.status})`);
        owners.set(seatNumber, r);
      }
    }
    const seatsRead = (reply.body.seats as Array<{ seatNumber: number; status: string }>).slice();
    if (venue !== null) {
      const map = await get(`/v1/schedules/${encodeURIComponent(scheduleId)}/venue/map`, options.auditorUser, options.auditorQueueToken);
      const decoded = map.status === 200 ? decodeSnapshot({ layoutVersion: 1, seatCount: map.body.seatCount, statusBase64: map.body.statusBase64 }, 1) : null;
      if (decoded === null || !decoded.ok) {
        violations.push(`compact map of ${scheduleId}: ${map.status} ${decoded?.ok === false ? decoded.message : ''}`);
      } else {
        // As words, so the same tolerances apply below: blocked seats are RESERVED to the public, the compact map says BLOCKED.
        decoded.value.forEach((code, index) => {
          if (code === SEAT_STATUS.BLOCKED && !venue.isBlocked(index + 1)) violations.push(`compact map of ${scheduleId}: seat ${index + 1} BLOCKED, the layout does not block it`);
          if (code !== SEAT_STATUS.BLOCKED && venue.isBlocked(index + 1)) violations.push(`compact map of ${scheduleId}: blocked seat ${index + 1} is ${code}`);
          if (code === SEAT_STATUS.AVAILABLE || code === SEAT_STATUS.TAKEN) seatsRead.push({ seatNumber: index + 1, status: code === SEAT_STATUS.AVAILABLE ? 'AVAILABLE' : 'TAKEN' });
        });
      }
    }
    for (const seat of seatsRead) {
      checked.seats++;
      const owner = owners.get(seat.seatNumber);
      if (venue?.isBlocked(seat.seatNumber) === true) {
        if (owner !== undefined || seat.status !== 'RESERVED') violations.push(`blocked seat ${seat.seatNumber} of ${scheduleId} is ${seat.status}${owner === undefined ? '' : `, held by ${owner.reservationId}`}`);
        continue;
      }
      const taken = seat.status === 'TAKEN';
      const expected = owner === undefined ? 'AVAILABLE' : taken ? 'TAKEN' : owner.status === 'CONFIRMED' ? 'RESERVED' : 'TEMP_RESERVED';
      if (seat.status === expected) continue;
      // A TEMP_RESERVED seat whose hold we skipped as about to expire is fine.
      const skippedHold = [...live.values()].some((r) => r.scheduleId === scheduleId && r.status === 'HELD' && r.seats.some((s) => s.seatNumber === seat.seatNumber));
      if ((seat.status === 'TEMP_RESERVED' || taken) && skippedHold) continue;
      if (seat.status === 'AVAILABLE' && owner?.status === 'HELD' && Date.parse(owner.holdExpiresAt) <= mapReadAtMs + 50) continue;
      violations.push(`seat ${seat.seatNumber} of ${scheduleId} is ${seat.status}, the reservations say ${expected}${owner === undefined ? '' : ` (${owner.reservationId})`}`);
    }
  }

  // ---- idempotency keys replay the first answer, byte for byte, with Idempotent-Replayed: true
  const keyed = [...model.keyed.values()];
  const recent = keyed.filter((k) => k.at >= options.replayAllSince);
  const older = keyed.filter((k) => k.at < options.replayAllSince);
  const sample = [...recent, ...Array.from({ length: Math.min(options.replaySample, older.length) }, () => random.pick(older))];
  for (const answer of sample) {
    // A hold replays only with the user's ACTIVE token (the gate answers first); a payment ended the
    // token it was made with, and its retry with that same token must still replay.
    const queueToken = answer.op === 'pay' ? answer.queueToken : activeTokens.get(answer.user)?.token;
    // A waitlist offer was paid without a queue token, and its retry is sent without one too.
    if (answer.op !== 'charge' && answer.op !== 'refund' && !(answer.op === 'pay' && answer.queueToken === undefined) && queueToken === undefined) continue;
    checked.replays++;
    const replay = await replayKeyed(http, answer, tokenOf(answer.user), queueToken);
    if (replay.status !== answer.status || !isDeepStrictEqual(replay.body, answer.body) || replay.headers.get('idempotent-replayed') !== 'true') {
      violations.push(`key ${answer.key} (${answer.op} of ${answer.user}) replays ${replay.status} ${JSON.stringify(replay.body)} replayed=${replay.headers.get('idempotent-replayed')}, first answer was ${answer.status} ${JSON.stringify(answer.body)}`);
    }
  }

  return { violations, checked };
}

function replayKeyed(http: HttpClient, answer: KeyedAnswer, token: string, queueToken: string | undefined): Promise<Reply> {
  const path = answer.op === 'charge' ? '/v1/users/me/balance/charge'
    : answer.op === 'hold' ? '/v1/reservations'
      : answer.op === 'refund' ? `/v1/reservations/${encodeURIComponent(answer.target ?? '')}/refunds` : '/v1/payments';
  return http.call('POST', path, { token, idempotencyKey: answer.key, body: answer.reqBody, ...(queueToken === undefined ? {} : { queueToken }) });
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(keyOf(item)) ?? [];
    list.push(item);
    groups.set(keyOf(item), list);
  }
  return groups;
}
