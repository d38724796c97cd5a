/**
 * autocannon request loops for the read and write paths. Every loop sends the same requests to the
 * bare ceiling and to the real server, so both do the same HTTP work (same paths, headers, bodies).
 */
import type { AutocannonRequest } from 'autocannon';
import type { HttpClient } from './http-client.js';
import { userHeaders, type BenchUser } from './provision.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

/** A user bound to one seat that nobody else uses, so holds never collide. */
export interface SeatSlot {
  user: BenchUser;
  headers: Record<string, string>;
  holdBody: string;
  scheduleId: string;
  seatNumber: number;
}

export function seatSlots(users: readonly BenchUser[], scheduleIds: readonly string[], seatsPerSchedule = 50): SeatSlot[] {
  if (users.length > scheduleIds.length * seatsPerSchedule) throw new Error('more users than seats');
  return users.map((user, i) => {
    const scheduleId = scheduleIds[Math.floor(i / seatsPerSchedule)] as string;
    const seatNumber = (i % seatsPerSchedule) + 1;
    return { user, headers: { ...userHeaders(user), ...JSON_HEADERS }, holdBody: JSON.stringify({ scheduleId, seatNumbers: [seatNumber] }), scheduleId, seatNumber };
  });
}

/** GET a seat map, spread round-robin over users and schedules. */
export function seatMapReads(users: readonly BenchUser[], scheduleIds: readonly string[]): AutocannonRequest[] {
  const headers = users.map(userHeaders);
  const paths = scheduleIds.map((id) => `/v1/schedules/${id}/seats`);
  let next = 0;
  return [{
    method: 'GET',
    setupRequest: (request) => {
      next++;
      request.headers = headers[next % headers.length] as Record<string, string>;
      request.path = paths[next % paths.length] as string;
      return request;
    },
  }];
}

/** GET /v1/queue/status, spread round-robin over users. */
export function queueStatusReads(users: readonly BenchUser[]): AutocannonRequest[] {
  const headers = users.map(userHeaders);
  let next = 0;
  return [{
    method: 'GET',
    path: '/v1/queue/status',
    setupRequest: (request) => {
      next++;
      request.headers = headers[next % headers.length] as Record<string, string>;
      return request;
    },
  }];
}

/**
 * Hold then cancel (DELETE), recycling the seat. Each loop takes a free slot (user + seat), so a user
 * never has two holds; the slot returns to the pool after its DELETE answers.
 */
export class HoldCancelWorkload {
  private readonly free: SeatSlot[];
  /** Slots taken by a loop that has not finished (cleaned up after the run). */
  readonly taken = new Set<SeatSlot>();

  constructor(readonly slots: readonly SeatSlot[]) {
    this.free = [...slots];
  }

  requests(): AutocannonRequest[] {
    return [
      {
        method: 'POST',
        path: '/v1/reservations',
        setupRequest: (request, context) => {
          const slot = this.free.pop();
          if (slot === undefined) throw new Error('hold/cancel pool exhausted: raise the pool size');
          this.taken.add(slot);
          context.slot = slot;
          request.headers = slot.headers;
          request.body = slot.holdBody;
          return request;
        },
        onResponse: (status, body, context) => {
          const slot = context.slot as SeatSlot;
          if (status === 201) {
            context.reservationId = (JSON.parse(body) as { reservationId: string }).reservationId;
          } else {
            this.release(slot);
          }
        },
      },
      {
        method: 'DELETE',
        setupRequest: (request, context) => {
          const reservationId = context.reservationId as string | undefined;
          if (reservationId === undefined) return null; // the hold failed: start the loop again
          const slot = context.slot as SeatSlot;
          request.path = `/v1/reservations/${reservationId}`;
          request.headers = { authorization: slot.user.authorization };
          return request;
        },
        onResponse: (_status, _body, context) => this.release(context.slot as SeatSlot),
      },
    ];
  }

  private release(slot: SeatSlot): void {
    if (this.taken.delete(slot)) this.free.push(slot);
  }

  /**
   * After a run stops, loops cut off between hold and cancel leave seats held: cancel them through
   * the API so the next round starts clean. (The bare server needs none of this.)
   */
  async cleanUp(client: HttpClient | null): Promise<number> {
    let cancelled = 0;
    if (client !== null && this.taken.size > 0) {
      await new Promise((resolve) => setTimeout(resolve, 200)); // let the server finish requests cut off by the stop
      for (const slot of this.taken) {
        const list = await client.request<{ reservations: Array<{ reservationId: string }> }>('GET', '/v1/reservations?status=HELD', { headers: { authorization: slot.user.authorization } });
        for (const r of list.status === 200 ? list.body.reservations : []) {
          const response = await client.request('DELETE', `/v1/reservations/${r.reservationId}`, { headers: { authorization: slot.user.authorization } });
          if (response.status === 200) cancelled++;
        }
      }
    }
    for (const slot of [...this.taken]) this.release(slot);
    return cancelled;
  }
}

/**
 * The full purchase: hold then pay, one fresh user and seat per purchase (a payment sells the seat and
 * ends the payer's queue token). On the bare server the same slots are reused freely.
 */
export class PurchaseWorkload {
  private next = 0;

  constructor(private readonly slots: readonly SeatSlot[], private readonly reuse: boolean) {}

  requests(): AutocannonRequest[] {
    return [
      {
        method: 'POST',
        path: '/v1/reservations',
        setupRequest: (request, context) => {
          const index = this.next++;
          const slot = this.slots[this.reuse ? index % this.slots.length : Math.min(index, this.slots.length - 1)] as SeatSlot;
          context.slot = slot;
          request.headers = slot.headers;
          request.body = slot.holdBody;
          return request;
        },
        onResponse: (status, body, context) => {
          if (status === 201) context.reservationId = (JSON.parse(body) as { reservationId: string }).reservationId;
        },
      },
      {
        method: 'POST',
        path: '/v1/payments',
        setupRequest: (request, context) => {
          const reservationId = context.reservationId as string | undefined;
          if (reservationId === undefined) return null;
          request.headers = (context.slot as SeatSlot).headers;
          request.body = JSON.stringify({ reservationId });
          return request;
        },
      },
    ];
  }

  get used(): number {
    return this.next;
  }
}
