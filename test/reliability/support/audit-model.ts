/**
 * What the record says the server promised: every acknowledged charge, payment, hold, cancel, queue
 * token and keyed answer, plus what was merely attempted (an unanswered request may or may not have
 * been committed, so it only widens what the auditor allows).
 */
import type { AckLine, RecordLine } from './record.js';

export interface AckedCharge { user: string; chargeId: string; amount: number; at: number }
export interface AckedPayment { user: string; paymentId: string; reservationId: string; amount: number; paidAt: string; body: unknown }
export interface AckedHold { user: string; reservationId: string; scheduleId: string; seatNumbers: number[]; holdExpiresAt: string; totalPrice: number; at: number }
export interface AckedCheckin { user: string; ticketId: string; reservationId: string; checkedInAt: string }
export interface AckedRefund { user: string; refundId: string; reservationId: string; seatNumbers: number[]; amount: number; reservationStatus: string }
export interface KeyedAnswer { user: string; op: 'charge' | 'hold' | 'pay' | 'refund'; key: string; reqBody: unknown; status: number; body: unknown; at: number; queueToken?: string; target?: string }
export interface TokenRecord {
  user: string;
  token: string;
  issuedAt: string;
  /** Ack time of the first answer that showed it (Infinity until one did). */
  firstSeenAt: number;
  /** Ack time of the first observation that saw it ACTIVE, if any. */
  activeSeenAt: number | null;
  leaveSent: boolean;
  leaveAcked: boolean;
  /** A payment was sent with it (a payment ends the token it was made with). */
  paySent: boolean;
  payAcked: boolean;
}

export class AuditModel {
  readonly users = new Set<string>();
  readonly charges = new Map<string, AckedCharge>();
  readonly payments = new Map<string, AckedPayment>();
  readonly holds = new Map<string, AckedHold>();
  readonly cancelsSent = new Set<string>();
  readonly cancelsAcked = new Set<string>();
  readonly paysSent = new Set<string>();
  /** Reservations a refund was asked of, and the refunds acknowledged (a 201), by refundId. */
  readonly refundsSent = new Set<string>();
  readonly refunds = new Map<string, AckedRefund>();
  /** Distinct charge attempts per user: one per key, one per unkeyed request. */
  readonly chargeAttempts = new Map<string, number>();
  readonly payAttempts = new Map<string, number>();
  readonly keyed = new Map<string, KeyedAnswer>();
  readonly tokens = new Map<string, TokenRecord>();
  /** Acknowledged waitlist joins (201 or 200), by `${user}\u0000${scheduleId}`: the ack time of the first. */
  readonly waitlistJoins = new Map<string, { user: string; scheduleId: string; at: number }>();
  /** Waitlist leaves sent, by the same slot. */
  readonly waitlistLeavesSent = new Set<string>();
  /** Admitted tickets (a 200 of POST /v1/checkins), by ticketId. */
  readonly checkins = new Map<string, AckedCheckin>();
  /** Ack times of state-changing requests, ascending (the record is in time order per driver). */
  readonly writeAckTimes: number[] = [];
  /** Contradictions inside the record itself (two answers for one key that differ). */
  readonly recordViolations: string[] = [];
  /** Acknowledged holds by best available and by standing places (venue schedules), each checked as it is read. */
  readonly bestAvailableHolds = new Set<string>();
  readonly standingHolds = new Set<string>();
  acknowledged = 0;
  private readonly chargeKeysSeen = new Set<string>();

  add(lines: Iterable<RecordLine>): void {
    for (const line of lines) {
      this.users.add(line.user);
      if (line.kind === 'sent') this.addSent(line.user, line.op, line.key, line.target, line.queueToken);
      else this.addAck(line);
    }
    this.writeAckTimes.sort((a, b) => a - b);
  }

  private token(value: string | undefined, user: string): TokenRecord | undefined {
    if (value === undefined) return undefined;
    let token = this.tokens.get(value);
    if (token === undefined) {
      token = { user, token: value, issuedAt: '', firstSeenAt: Number.POSITIVE_INFINITY, activeSeenAt: null, leaveSent: false, leaveAcked: false, paySent: false, payAcked: false };
      this.tokens.set(value, token);
    }
    return token;
  }

  private addSent(user: string, op: string, key: string | undefined, target: string | undefined, queueToken: string | undefined): void {
    if (op === 'charge') {
      const slot = key === undefined ? undefined : `${user}\u0000${key}`;
      if (slot === undefined || !this.chargeKeysSeen.has(slot)) this.chargeAttempts.set(user, (this.chargeAttempts.get(user) ?? 0) + 1);
      if (slot !== undefined) this.chargeKeysSeen.add(slot);
    }
    if (op === 'pay' && target !== undefined) {
      this.paysSent.add(target);
      this.payAttempts.set(user, (this.payAttempts.get(user) ?? 0) + 1);
      const token = this.token(queueToken, user);
      if (token !== undefined) token.paySent = true;
    }
    if (op === 'cancel' && target !== undefined) this.cancelsSent.add(target);
    if (op === 'refund' && target !== undefined) this.refundsSent.add(target);
    if (op === 'waitlist.leave' && target !== undefined) this.waitlistLeavesSent.add(`${user}\u0000${target}`);
    if (op === 'queue.leave') {
      const token = this.token(target, user);
      if (token !== undefined) token.leaveSent = true;
    }
  }

  /**
   * A best-available hold got `quantity` seats of one row of one section, numbered one after another (the
   * arena's rows have one gap, which breaks adjacency, so consecutive numbers are what "together" means);
   * a standing hold got `quantity` places of its area.
   */
  private checkVenueHold(line: AckLine): void {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const request = line.reqBody as any;
    const seats = (line.body as { reservationId: string; seats: Array<{ seatNumber: number; label?: string }> });
    const id = seats.reservationId;
    if (request?.bestAvailable !== undefined) {
      this.bestAvailableHolds.add(id);
      const parts = seats.seats.map((seat) => (seat.label ?? '').split('-'));
      const together = parts.every((p, i) => p.length === 3 && p[0] === parts[0]![0] && p[1] === parts[0]![1] && Number(p[2]) === Number(parts[0]![2]) + i);
      if (seats.seats.length !== request.bestAvailable.quantity || !together) {
        this.recordViolations.push(`best-available hold ${id} of ${request.bestAvailable.quantity} got ${seats.seats.map((seat) => seat.label).join(', ')}`);
      }
    } else if (request?.generalAdmission !== undefined) {
      this.standingHolds.add(id);
      if (seats.seats.length !== request.generalAdmission.quantity || seats.seats.some((seat) => seat.label !== request.generalAdmission.areaId)) {
        this.recordViolations.push(`standing hold ${id} of ${request.generalAdmission.quantity} got ${seats.seats.map((seat) => seat.label).join(', ')}`);
      }
    }
  }

  private addAck(line: AckLine): void {
    this.acknowledged++;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const body = line.body as any;
    if (line.op !== 'queue.status' && !(line.op === 'queue.join' && line.status === 200)) this.writeAckTimes.push(line.at);
    if (line.key !== undefined && (line.op === 'charge' || line.op === 'hold' || line.op === 'pay' || line.op === 'refund')) this.addKeyed(line);
    switch (line.op) {
      case 'charge':
        if (!this.charges.has(body.chargeId)) this.charges.set(body.chargeId, { user: line.user, chargeId: body.chargeId, amount: body.chargedAmount, at: line.at });
        break;
      case 'pay':
        if (!this.payments.has(body.paymentId)) {
          this.payments.set(body.paymentId, { user: line.user, paymentId: body.paymentId, reservationId: body.reservationId, amount: body.amount, paidAt: body.paidAt, body });
        }
        if (body.queueTokenExpired === true) {
          const token = this.token(line.queueToken, line.user);
          if (token !== undefined) token.payAcked = true;
        }
        break;
      case 'hold':
        this.checkVenueHold(line);
        if (!this.holds.has(body.reservationId)) {
          this.holds.set(body.reservationId, {
            user: line.user, reservationId: body.reservationId, scheduleId: body.scheduleId,
            seatNumbers: (body.seats as Array<{ seatNumber: number }>).map((seat) => seat.seatNumber),
            holdExpiresAt: body.holdExpiresAt, totalPrice: body.totalPrice, at: line.at,
          });
        }
        break;
      case 'cancel':
        this.cancelsAcked.add(body.reservationId);
        break;
      case 'refund':
        if (!this.refunds.has(body.refundId)) {
          this.refunds.set(body.refundId, {
            user: line.user, refundId: body.refundId, reservationId: body.reservationId, amount: body.amount, reservationStatus: body.reservationStatus,
            seatNumbers: (body.seats as Array<{ seatNumber: number }>).map((seat) => seat.seatNumber),
          });
        }
        break;
      case 'checkin': {
        // The first scan admits once, across crashes: a second admission of one ticket is a broken promise.
        const earlier = this.checkins.get(body.ticketId);
        if (earlier !== undefined) this.recordViolations.push(`ticket ${body.ticketId} admitted twice: at ${earlier.checkedInAt} and at ${body.checkedInAt}`);
        else this.checkins.set(body.ticketId, { user: line.user, ticketId: body.ticketId, reservationId: body.reservationId, checkedInAt: body.checkedInAt });
        break;
      }
      case 'queue.join':
      case 'queue.status':
        this.observeToken(line.user, body, line.at);
        break;
      case 'queue.leave': {
        const token = this.token(line.target, line.user);
        if (token !== undefined) token.leaveAcked = true;
        break;
      }
      case 'waitlist.join': {
        const slot = `${line.user}\u0000${String(body.scheduleId)}`;
        if (!this.waitlistJoins.has(slot)) this.waitlistJoins.set(slot, { user: line.user, scheduleId: String(body.scheduleId), at: line.at });
        break;
      }
    }
  }

  private observeToken(user: string, body: { token: string; status: string; issuedAt: string }, at: number): void {
    const token = this.token(body.token, user);
    if (token === undefined) return;
    token.firstSeenAt = Math.min(token.firstSeenAt, at);
    if (token.issuedAt === '') {
      token.issuedAt = body.issuedAt;
    } else if (token.issuedAt !== body.issuedAt) {
      this.recordViolations.push(`queue token of ${user} changed issuedAt from ${token.issuedAt} to ${body.issuedAt}`);
    }
    if (body.status === 'ACTIVE' && token.activeSeenAt === null) token.activeSeenAt = at;
  }

  private addKeyed(line: AckLine): void {
    const slot = `${line.user}\u0000${line.key ?? ''}`;
    const earlier = this.keyed.get(slot);
    if (earlier === undefined) {
      this.keyed.set(slot, {
        user: line.user, op: line.op as KeyedAnswer['op'], key: line.key ?? '', reqBody: line.reqBody, status: line.status, body: line.body, at: line.at,
        ...(line.queueToken === undefined ? {} : { queueToken: line.queueToken }), ...(line.target === undefined ? {} : { target: line.target }),
      });
      return;
    }
    if (earlier.status !== line.status || JSON.stringify(earlier.body) !== JSON.stringify(line.body)) {
      this.recordViolations.push(`key ${line.key} of ${line.user} answered twice differently: ${earlier.status} ${JSON.stringify(earlier.body)} then ${line.status} ${JSON.stringify(line.body)}`);
    }
  }

  /** True when a state change acknowledged after `at` proves everything the server did before `at` is durable. */
  durableAfter(at: number): boolean {
    const last = this.writeAckTimes[this.writeAckTimes.length - 1];
    return last !== undefined && last > at;
  }

  /** May this token have ended without a recorded acknowledgement saying so (a leave or payment sent with it)? */
  mayHaveEnded(token: TokenRecord): boolean {
    return token.leaveSent || token.paySent;
  }

  /** Must it have ended (an acknowledged leave or payment made with it)? */
  mustHaveEnded(token: TokenRecord): boolean {
    return token.leaveAcked || token.payAcked;
  }
}
