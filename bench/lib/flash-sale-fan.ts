/**
 * One fan in a flash sale, as the booking page behaves: join the line, poll the status about once a
 * second until ACTIVE (or told the show is sold out), read the seat map, hold a random free seat
 * (another on 409), pay; a fan who finds nothing free leaves the line so the next one is admitted.
 */
import type { HttpClient, JsonResponse } from './http-client.js';
import type { BenchUser } from './provision.js';

export type RequestKind = 'join' | 'status' | 'seats' | 'hold' | 'pay' | 'leave';
export type FanOutcome = 'bought' | 'sold-out-notice' | 'no-seat' | 'gave-up' | 'error';

const POLL_INTERVAL_MS = 1_000;
const POLL_JITTER_MS = 250;
const HOLD_ATTEMPTS_MAX = 5;

/** Everything the fans saw, shared by all of them. */
export class SaleRecorder {
  readonly latencies = new Map<RequestKind, number[]>();
  readonly statuses = new Map<RequestKind, Map<number, number>>();
  readonly outcomes = new Map<FanOutcome, number>();
  /** performance.now() of the last answer of each kind. */
  readonly lastAnsweredAt = new Map<RequestKind, number>();
  holdsSucceeded = 0;
  paymentsSucceeded = 0;
  /** performance.now() of each successful payment's answer. */
  readonly paymentTimes: number[] = [];
  firstSoldOutNoticeAt: number | null = null;
  errors: string[] = [];

  record(kind: RequestKind, response: JsonResponse): void {
    const list = this.latencies.get(kind) ?? [];
    list.push(response.latencyMs);
    this.latencies.set(kind, list);
    const counts = this.statuses.get(kind) ?? new Map<number, number>();
    counts.set(response.status, (counts.get(response.status) ?? 0) + 1);
    this.statuses.set(kind, counts);
    this.lastAnsweredAt.set(kind, performance.now());
  }

  finish(outcome: FanOutcome): void {
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
  }

  get requestCount(): number {
    let total = 0;
    for (const list of this.latencies.values()) total += list.length;
    return total;
  }
}

interface StatusBody { token?: string; status?: string; soldOut?: boolean }
interface SeatMapBody { seats?: Array<{ seatNumber: number }> }

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function runFan(client: HttpClient, user: Omit<BenchUser, 'queueToken'>, scheduleId: string, recorder: SaleRecorder): Promise<void> {
  const auth = { authorization: user.authorization };
  const join = await client.request<StatusBody>('POST', '/v1/queue/tokens', { headers: auth });
  recorder.record('join', join);
  if ((join.status !== 200 && join.status !== 201) || join.body.token === undefined) {
    recorder.errors.push(`join ${join.status}`);
    return recorder.finish('error');
  }
  const gated = { ...auth, 'x-queue-token': join.body.token };
  let status = join.body;
  while (status.status !== 'ACTIVE') {
    if (status.soldOut === true) {
      recorder.firstSoldOutNoticeAt ??= performance.now();
      return recorder.finish('sold-out-notice');
    }
    await sleep(POLL_INTERVAL_MS + Math.random() * POLL_JITTER_MS);
    const poll = await client.request<StatusBody>('GET', '/v1/queue/status', { headers: gated });
    recorder.record('status', poll);
    if (poll.status !== 200) {
      recorder.errors.push(`status ${poll.status}`);
      return recorder.finish('error');
    }
    status = poll.body;
  }

  for (let attempt = 0; attempt < HOLD_ATTEMPTS_MAX; attempt++) {
    const seatMap = await client.request<SeatMapBody>('GET', `/v1/schedules/${scheduleId}/seats?status=AVAILABLE`, { headers: gated });
    recorder.record('seats', seatMap);
    const free = seatMap.status === 200 ? seatMap.body.seats ?? [] : [];
    if (free.length === 0) {
      await leave(client, gated, recorder);
      return recorder.finish(seatMap.status === 200 ? 'no-seat' : 'error');
    }
    const seat = free[Math.floor(Math.random() * free.length)] as { seatNumber: number };
    const hold = await client.request<{ reservationId?: string }>('POST', '/v1/reservations', { headers: gated, body: { scheduleId, seatNumbers: [seat.seatNumber] } });
    recorder.record('hold', hold);
    if (hold.status === 409) continue;
    if (hold.status !== 201 || hold.body.reservationId === undefined) {
      recorder.errors.push(`hold ${hold.status}`);
      return recorder.finish('error');
    }
    recorder.holdsSucceeded++;
    const pay = await client.request('POST', '/v1/payments', { headers: gated, body: { reservationId: hold.body.reservationId } });
    recorder.record('pay', pay);
    if (pay.status !== 201) {
      recorder.errors.push(`pay ${pay.status}`);
      return recorder.finish('error');
    }
    recorder.paymentsSucceeded++;
    recorder.paymentTimes.push(performance.now());
    return recorder.finish('bought');
  }
  await leave(client, gated, recorder);
  return recorder.finish('gave-up');
}

async function leave(client: HttpClient, headers: Record<string, string>, recorder: SaleRecorder): Promise<void> {
  const response = await client.request('DELETE', '/v1/queue/tokens/current', { headers });
  recorder.record('leave', response);
}
