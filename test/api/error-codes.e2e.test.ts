/**
 * Every error code of the contract, at least once, over real HTTP: the status, the code and the
 * contract's error shape `{ statusCode, code, error, message, details? }`, never a stack trace.
 */
import { createPrivateKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../src/domain/error-codes.js';
import { TicketSigner } from '../../src/tickets/ticket-signer.js';
import { TEST_ADMIN_KEY, TEST_AUTH_SECRET, TEST_TICKET_SIGNING_KEY } from '../helpers/build-test-app.js';
import {
  admittedFan, charge, createConcert, hold, pay, signUserToken, startLiveApi,
  type CreatedConcert, type Fan, type HttpResponse, type LiveApi,
} from './http-client.js';

const HOLD_TTL_MS = 300_000;
const DAY_MS = 86_400_000;

let api: LiveApi;
let concert: CreatedConcert;
let fanCount = 0;

/** A fresh admitted fan per case, so cases do not depend on each other. */
function newFan(): Promise<Fan> {
  fanCount += 1;
  return admittedFan(api, `err-fan-${fanCount}`);
}
function scheduleId(): string {
  return concert.schedules[0]!.scheduleId;
}
/** A seat nobody else in this file asks for. */
let nextSeat = 1;
function freeSeat(): number {
  nextSeat += 1;
  return nextSeat;
}

/** A schedule in its presale now (the general sale opens in a day). */
async function presaleSchedule(): Promise<string> {
  const now = api.engine.now();
  return (await createConcert(api, [{
    startsAt: new Date(now + 9 * DAY_MS).toISOString(), presaleOpensAt: new Date(now - DAY_MS).toISOString(), bookingOpensAt: new Date(now + DAY_MS).toISOString(),
  }])).schedules[0]!.scheduleId;
}
/** A schedule from a 600-seat one-row layout, bookable now (too big for the seat-by-seat map). */
async function venueSchedule(): Promise<string> {
  const layout = await api.http.post('/v1/admin/layouts', {
    adminKey: TEST_ADMIN_KEY,
    body: { name: 'Long hall', version: 1, categories: [{ id: 'A', name: 'A', priceWon: 10, rank: 1 }], sections: [{ id: 'M', name: 'M', category: 'A', rows: [{ label: '1', seats: { from: 1, to: 600 } }] }] },
  });
  expect(layout.status).toBe(201);
  const now = api.engine.now();
  return (await createConcert(api, [{ startsAt: new Date(now + 9 * DAY_MS).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString(), layoutId: layout.body.layoutId as string }])).schedules[0]!.scheduleId;
}
/** A new show sold through its own room, opening at `opensAtMs`. */
async function saleRoom(opensAtMs: number): Promise<{ roomId: string; scheduleIds: string[] }> {
  const show = await createConcert(api);
  const created = await api.http.post('/v1/admin/rooms', {
    adminKey: TEST_ADMIN_KEY, body: { name: 'A sale', scheduleIds: [show.schedules[0]!.scheduleId], opensAt: new Date(opensAtMs).toISOString() },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { roomId: string; scheduleIds: string[] };
}

function gated(fan: Fan): { token: string; queueToken: string } {
  return { token: fan.token, queueToken: fan.queueToken };
}

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 1_000 } } });
  concert = await createConcert(api);
});
afterAll(async () => {
  await api?.close();
});

interface ErrorCase { name: string; code: ErrorCode; status: number; when: () => Promise<HttpResponse> }

const cases: ErrorCase[] = [
  {
    name: 'a hold whose seat numbers are not integers', code: 'VALIDATION_ERROR', status: 400,
    when: async () => hold(api, await newFan(), scheduleId(), ['x' as unknown as number]),
  },
  {
    name: 'a body with an unknown field', code: 'VALIDATION_ERROR', status: 400,
    when: async () => api.http.post('/v1/users/me/balance/charge', { token: (await newFan()).token, body: { amount: 10, currency: 'KRW' } }),
  },
  {
    name: 'malformed JSON', code: 'VALIDATION_ERROR', status: 400,
    when: async () => api.http.post('/v1/users/me/balance/charge', { token: (await newFan()).token, rawBody: '{"amount":' }),
  },
  {
    name: 'an Idempotency-Key with a space', code: 'VALIDATION_ERROR', status: 400,
    when: async () => api.http.post('/v1/users/me/balance/charge', { token: (await newFan()).token, idempotencyKey: 'has space', body: { amount: 10 } }),
  },
  {
    name: 'more seats than MAX_SEATS_PER_RESERVATION', code: 'VALIDATION_ERROR', status: 400,
    when: async () => hold(api, await newFan(), scheduleId(), [1, 2, 3, 4, 5]),
  },
  { name: 'seat 51 of a 50-seat map', code: 'INVALID_SEAT', status: 400, when: async () => hold(api, await newFan(), scheduleId(), [51]) },
  { name: 'seat 0', code: 'INVALID_SEAT', status: 400, when: async () => hold(api, await newFan(), scheduleId(), [0]) },
  { name: 'the same seat twice', code: 'INVALID_SEAT', status: 400, when: async () => hold(api, await newFan(), scheduleId(), [30, 30]) },
  { name: 'a zero charge', code: 'INVALID_AMOUNT', status: 400, when: async () => charge(api, await newFan(), 0) },
  { name: 'a fractional charge', code: 'INVALID_AMOUNT', status: 400, when: async () => charge(api, await newFan(), 10.5) },
  { name: 'a charge above CHARGE_MAX', code: 'INVALID_AMOUNT', status: 400, when: async () => charge(api, await newFan(), api.config.limits.chargeMax + 1) },
  {
    name: 'a charge past MONTHLY_CHARGE_MAX', code: 'CHARGE_LIMIT_EXCEEDED', status: 400,
    when: async () => {
      const fan = await newFan();
      const { chargeMax, monthlyChargeMax } = api.config.limits;
      for (let charged = 0; charged + chargeMax <= monthlyChargeMax; charged += chargeMax) {
        expect((await charge(api, fan, chargeMax)).status).toBe(200);
      }
      return charge(api, fan, chargeMax);
    },
  },
  { name: 'no user token', code: 'UNAUTHENTICATED', status: 401, when: async () => api.http.get('/v1/users/me/balance') },
  {
    name: 'a user token signed with another secret', code: 'UNAUTHENTICATED', status: 401,
    when: async () => api.http.get('/v1/users/me/balance', { token: signUserToken({ sub: 'mallory' }, 'not-the-secret') }),
  },
  { name: 'a wrong X-Admin-Key', code: 'UNAUTHENTICATED', status: 401, when: async () => api.http.get('/v1/admin/stats', { adminKey: `${TEST_ADMIN_KEY}x` }) },
  {
    name: 'an unknown queue token', code: 'QUEUE_TOKEN_INVALID', status: 401,
    when: async () => api.http.get(`/v1/schedules/${scheduleId()}/seats`, { token: (await newFan()).token, queueToken: 'no-such-token' }),
  },
  {
    name: 'no queue token on a gated route', code: 'QUEUE_TOKEN_INVALID', status: 401,
    when: async () => api.http.get(`/v1/concerts/${concert.concertId}/schedules`, { token: (await newFan()).token }),
  },
  {
    name: 'paying more than the balance', code: 'INSUFFICIENT_BALANCE', status: 402,
    when: async () => {
      const fan = await newFan();
      const held = await hold(api, fan, scheduleId(), [freeSeat()]);
      expect(held.status).toBe(201);
      return pay(api, fan, held.body.reservationId);
    },
  },
  { name: "another user's /users path", code: 'FORBIDDEN', status: 403, when: async () => api.http.get('/v1/users/someone-else/balance', { token: (await newFan()).token }) },
  {
    name: 'a hold before bookingOpensAt', code: 'BOOKING_NOT_OPEN', status: 403,
    when: async () => {
      const now = api.engine.now();
      const later = await createConcert(api, [{ startsAt: new Date(now + 30 * DAY_MS).toISOString(), bookingOpensAt: new Date(now + DAY_MS).toISOString() }]);
      return hold(api, await newFan(), later.schedules[0]!.scheduleId, [1]);
    },
  },
  {
    name: 'a hold after the show started', code: 'BOOKING_NOT_OPEN', status: 403,
    when: async () => {
      const now = api.engine.now();
      const past = await createConcert(api, [{ startsAt: new Date(now - DAY_MS).toISOString(), bookingOpensAt: new Date(now - 10 * DAY_MS).toISOString() }]);
      return hold(api, await newFan(), past.schedules[0]!.scheduleId, [1]);
    },
  },
  { name: 'an unknown concert', code: 'CONCERT_NOT_FOUND', status: 404, when: async () => api.http.get('/v1/concerts/no-such-concert/schedules', await newFan()) },
  { name: 'an unknown schedule', code: 'SCHEDULE_NOT_FOUND', status: 404, when: async () => api.http.get('/v1/schedules/no-such-schedule/seats', await newFan()) },
  { name: 'a hold on an unknown schedule', code: 'SCHEDULE_NOT_FOUND', status: 404, when: async () => hold(api, await newFan(), 'no-such-schedule', [1]) },
  { name: 'an unknown reservation', code: 'RESERVATION_NOT_FOUND', status: 404, when: async () => api.http.get('/v1/reservations/no-such-reservation', { token: (await newFan()).token }) },
  { name: 'paying an unknown reservation', code: 'RESERVATION_NOT_FOUND', status: 404, when: async () => pay(api, await newFan(), 'no-such-reservation') },
  { name: 'an unknown payment', code: 'PAYMENT_NOT_FOUND', status: 404, when: async () => api.http.get('/v1/payments/no-such-payment', { token: (await newFan()).token }) },
  { name: 'an unknown route', code: 'NOT_FOUND', status: 404, when: async () => api.http.get('/v1/no-such-route?token=secret') },
  {
    name: 'a seat another fan holds', code: 'SEAT_UNAVAILABLE', status: 409,
    when: async () => {
      const seat = freeSeat();
      expect((await hold(api, await newFan(), scheduleId(), [seat])).status).toBe(201);
      return hold(api, await newFan(), scheduleId(), [seat]);
    },
  },
  {
    name: 'a second hold while one is HELD', code: 'HOLD_LIMIT_REACHED', status: 409,
    when: async () => {
      const fan = await newFan();
      expect((await hold(api, fan, scheduleId(), [freeSeat()])).status).toBe(201);
      return hold(api, fan, scheduleId(), [freeSeat()]);
    },
  },
  {
    name: 'paying twice', code: 'ALREADY_PAID', status: 409,
    when: async () => {
      const fan = await newFan();
      const held = await hold(api, fan, scheduleId(), [freeSeat()]);
      expect((await charge(api, fan, 1_000_000)).status).toBe(200);
      expect((await pay(api, fan, held.body.reservationId)).status).toBe(201);
      // the payment ended the queue token: come back through the line, then pay again
      const again = await admittedFan(api, fan.userId);
      return pay(api, again, held.body.reservationId);
    },
  },
  {
    name: 'cancelling twice', code: 'RESERVATION_NOT_HELD', status: 409,
    when: async () => {
      const fan = await newFan();
      const held = await hold(api, fan, scheduleId(), [freeSeat()]);
      expect((await api.http.delete(`/v1/reservations/${held.body.reservationId}`, { token: fan.token })).status).toBe(200);
      return api.http.delete(`/v1/reservations/${held.body.reservationId}`, { token: fan.token });
    },
  },
  {
    name: 'a repeat while the first is in flight', code: 'IDEMPOTENCY_IN_PROGRESS', status: 409,
    when: async () => {
      const fan = await newFan();
      const request = { method: 'POST', path: '/v1/users/me/balance/charge', options: { token: fan.token, idempotencyKey: 'twin-key', body: { amount: 1_000 } } };
      const twins = await api.http.simultaneous([request, request]);
      // whichever the server read first is charged; the other arrived before its commit
      expect(twins.filter((response) => response.status === 200)).toHaveLength(1);
      return twins.find((response) => response.status !== 200) ?? twins[0]!;
    },
  },
  {
    name: 'paying after the hold expired', code: 'RESERVATION_EXPIRED', status: 410,
    when: async () => {
      const fan = await newFan();
      const held = await hold(api, fan, scheduleId(), [freeSeat()]);
      expect((await charge(api, fan, 1_000_000)).status).toBe(200);
      api.clock.advance(HOLD_TTL_MS + 1_000);
      return pay(api, fan, held.body.reservationId);
    },
  },
  {
    name: 'paying a cancelled reservation', code: 'RESERVATION_EXPIRED', status: 410,
    when: async () => {
      const fan = await newFan();
      const held = await hold(api, fan, scheduleId(), [freeSeat()]);
      expect((await api.http.delete(`/v1/reservations/${held.body.reservationId}`, { token: fan.token })).status).toBe(200);
      return pay(api, fan, held.body.reservationId);
    },
  },
  {
    name: 'an Idempotency-Key reused with another body', code: 'IDEMPOTENCY_KEY_REUSED', status: 422,
    when: async () => {
      const fan = await newFan();
      const first = await api.http.post('/v1/users/me/balance/charge', { token: fan.token, idempotencyKey: 'reused', body: { amount: 1_000 } });
      expect(first.status).toBe(200);
      return api.http.post('/v1/users/me/balance/charge', { token: fan.token, idempotencyKey: 'reused', body: { amount: 2_000 } });
    },
  },
  // Tickets and check-in
  {
    name: 'a check-in of a forged ticket code', code: 'TICKET_INVALID', status: 400,
    when: async () => api.http.post('/v1/checkins', { adminKey: TEST_ADMIN_KEY, body: { code: `T1.forged.res_x.sch_x.1.${'A'.repeat(86)}` } }),
  },
  {
    name: 'the tickets of a reservation not paid yet', code: 'RESERVATION_NOT_CONFIRMED', status: 409,
    when: async () => {
      const fan = await newFan();
      const held = await hold(api, fan, scheduleId(), [freeSeat()]);
      return api.http.get(`/v1/reservations/${held.body.reservationId}/tickets`, { token: fan.token });
    },
  },
  {
    name: 'a second scan of a ticket', code: 'TICKET_ALREADY_USED', status: 409,
    when: async () => {
      const fan = await newFan();
      await charge(api, fan, 1_000_000);
      const held = await hold(api, fan, scheduleId(), [freeSeat()]);
      await pay(api, fan, held.body.reservationId);
      const tickets = await api.http.get(`/v1/reservations/${held.body.reservationId}/tickets`, { token: fan.token });
      const code = tickets.body.tickets[0].code as string;
      expect((await api.http.post('/v1/checkins', { adminKey: TEST_ADMIN_KEY, body: { code } })).status).toBe(200);
      return api.http.post('/v1/checkins', { adminKey: TEST_ADMIN_KEY, body: { code } });
    },
  },
  {
    name: 'a room that does not exist', code: 'ROOM_NOT_FOUND', status: 404,
    when: async () => api.http.get('/v1/rooms/room_nope'),
  },
  {
    name: 'a second room for a show that already sells through one', code: 'ROOM_SCHEDULE_TAKEN', status: 409,
    when: async () => {
      const room = await saleRoom(api.engine.now());
      return api.http.post('/v1/admin/rooms', { adminKey: TEST_ADMIN_KEY, body: { name: 'Twice', scheduleIds: room.scheduleIds, opensAt: new Date().toISOString() } });
    },
  },
  {
    name: 'a new opening time for a room already open', code: 'ROOM_ALREADY_OPEN', status: 409,
    when: async () => {
      const room = await saleRoom(api.engine.now());
      // A join at or after the opening time opens the room.
      await api.http.post('/v1/queue/tokens', { token: (await newFan()).token, body: { roomId: room.roomId } });
      return api.http.patch(`/v1/admin/rooms/${room.roomId}`, { adminKey: TEST_ADMIN_KEY, body: { opensAt: new Date(api.engine.now() + DAY_MS).toISOString() } });
    },
  },
  {
    name: 'the audit of a room before its opening', code: 'ROOM_NOT_OPEN', status: 409,
    when: async () => api.http.get(`/v1/rooms/${(await saleRoom(api.engine.now() + DAY_MS)).roomId}/audit`),
  },
  {
    name: 'a receipt asked for in the default line', code: 'RECEIPT_NOT_AVAILABLE', status: 409,
    when: async () => api.http.get('/v1/queue/receipt', gated(await newFan())),
  },
  {
    name: 'a hold on a room\'s show with a token of the default line', code: 'QUEUE_WRONG_ROOM', status: 403,
    when: async () => {
      const room = await saleRoom(api.engine.now());
      return hold(api, await newFan(), room.scheduleIds[0]!, [1]);
    },
  },
  {
    name: 'a ticket scanned at the door of another show', code: 'TICKET_WRONG_SCHEDULE', status: 409,
    when: async () => {
      const fan = await newFan();
      await charge(api, fan, 1_000_000);
      const held = await hold(api, fan, scheduleId(), [freeSeat()]);
      await pay(api, fan, held.body.reservationId);
      const tickets = await api.http.get(`/v1/reservations/${held.body.reservationId}/tickets`, { token: fan.token });
      return api.http.post('/v1/checkins', { adminKey: TEST_ADMIN_KEY, body: { code: tickets.body.tickets[0].code, scheduleId: concert.schedules[1]!.scheduleId } });
    },
  },
  {
    name: 'a check-in of a ticket whose booking ended', code: 'TICKET_REVOKED', status: 410,
    when: async () => {
      const fan = await newFan();
      const seatNumber = freeSeat();
      const held = await hold(api, fan, scheduleId(), [seatNumber]);
      await api.http.delete(`/v1/reservations/${held.body.reservationId}`, { token: fan.token });
      const signer = new TicketSigner(createPrivateKey({ key: Buffer.from(TEST_TICKET_SIGNING_KEY, 'base64'), format: 'der', type: 'pkcs8' }));
      const code = signer.sign({ reservationId: held.body.reservationId as string, scheduleId: scheduleId(), seatNumber });
      return api.http.post('/v1/checkins', { adminKey: TEST_ADMIN_KEY, body: { code } });
    },
  },
  // Refunds and cancellations
  {
    name: 'a refund of a seat not in the booking', code: 'SEAT_NOT_IN_RESERVATION', status: 400,
    when: async () => {
      const { fan, reservationId } = await paidBooking(scheduleId());
      return api.http.post(`/v1/reservations/${reservationId}/refunds`, { token: fan.token, body: { seatNumbers: [freeSeat()] } });
    },
  },
  {
    name: 'a second refund of a booking', code: 'ALREADY_REFUNDED', status: 409,
    when: async () => {
      const { fan, reservationId } = await paidBooking(scheduleId());
      expect((await api.http.post(`/v1/reservations/${reservationId}/refunds`, { token: fan.token })).status).toBe(201);
      return api.http.post(`/v1/reservations/${reservationId}/refunds`, { token: fan.token });
    },
  },
  {
    name: 'a refund 12 hours before the show (cutoff 24 hours)', code: 'REFUND_CUTOFF_PASSED', status: 409,
    when: async () => {
      const now = api.engine.now();
      const soon = await createConcert(api, [{ startsAt: new Date(now + DAY_MS / 2).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString() }]);
      const { fan, reservationId } = await paidBooking(soon.schedules[0]!.scheduleId);
      return api.http.post(`/v1/reservations/${reservationId}/refunds`, { token: fan.token });
    },
  },
  {
    name: 'a hold on a schedule its organiser cancelled', code: 'SCHEDULE_CANCELLED', status: 410,
    when: async () => {
      const cancelled = (await createConcert(api)).schedules[0]!.scheduleId;
      expect((await api.http.post(`/v1/admin/schedules/${cancelled}/cancel`, { adminKey: TEST_ADMIN_KEY })).status).toBe(200);
      return hold(api, await newFan(), cancelled, [1]);
    },
  },
  {
    name: 'a hold past the schedule\'s purchase cap', code: 'PURCHASE_LIMIT_REACHED', status: 409,
    when: async () => {
      const now = api.engine.now();
      const capped = (await createConcert(api, [{ startsAt: new Date(now + 7 * DAY_MS).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString(), maxSeatsPerFan: 1 }])).schedules[0]!.scheduleId;
      const fan = await newFan();
      expect((await charge(api, fan, 1_000_000)).status).toBe(200);
      const first = await hold(api, fan, capped, [1]);
      expect((await pay(api, fan, first.body.reservationId)).status).toBe(201);
      // The payment ended the fan's queue token: back through the waiting room, then past the cap.
      return hold(api, await admittedFan(api, fan.userId), capped, [2]);
    },
  },
  {
    name: 'a hold in a presale without a code', code: 'PRESALE_CODE_INVALID', status: 403,
    when: async () => hold(api, await newFan(), await presaleSchedule(), [1]),
  },
  {
    name: 'a hold in a presale with a code used up', code: 'PRESALE_CODE_USED_UP', status: 409,
    when: async () => {
      const presale = await presaleSchedule();
      expect((await api.http.post(`/v1/admin/schedules/${presale}/presale-codes`, { adminKey: TEST_ADMIN_KEY, body: { code: 'ONCE-ONLY' } })).status).toBe(201);
      const first = await api.http.post('/v1/reservations', { ...gated(await newFan()), body: { scheduleId: presale, seatNumbers: [1], presaleCode: 'ONCE-ONLY' } });
      expect(first.status).toBe(201);
      return api.http.post('/v1/reservations', { ...gated(await newFan()), body: { scheduleId: presale, seatNumbers: [2], presaleCode: 'ONCE-ONLY' } });
    },
  },
  {
    name: 'a presale code the schedule already has', code: 'PRESALE_CODE_EXISTS', status: 409,
    when: async () => {
      const presale = await presaleSchedule();
      expect((await api.http.post(`/v1/admin/schedules/${presale}/presale-codes`, { adminKey: TEST_ADMIN_KEY, body: { code: 'TWICE' } })).status).toBe(201);
      return api.http.post(`/v1/admin/schedules/${presale}/presale-codes`, { adminKey: TEST_ADMIN_KEY, body: { code: 'twice' } });
    },
  },
  {
    name: 'a venue layout whose rows overlap', code: 'LAYOUT_INVALID', status: 400,
    when: async () => api.http.post('/v1/admin/layouts', {
      adminKey: TEST_ADMIN_KEY,
      body: { name: 'Hall', version: 1, categories: [{ id: 'A', name: 'A', priceWon: 1, rank: 1 }], sections: [{ id: 'M', name: 'M', category: 'A', rows: [{ label: 'A', seats: [1, 1] }] }] },
    }),
  },
  {
    name: 'an unknown venue layout', code: 'LAYOUT_NOT_FOUND', status: 404,
    when: async () => api.http.get('/v1/admin/layouts/lay_unknown', { adminKey: TEST_ADMIN_KEY }),
  },
  {
    name: 'the best two seats within a budget no category fits', code: 'NOT_ENOUGH_SEATS', status: 409,
    when: async () => {
      const venue = await venueSchedule();
      const fan = await newFan();
      return api.http.post('/v1/reservations', { ...gated(fan), body: { scheduleId: venue, bestAvailable: { quantity: 2, maxPriceWon: 5 } } });
    },
  },
  {
    name: 'the seat-by-seat map of a 600-seat venue', code: 'SEAT_MAP_TOO_LARGE', status: 409,
    when: async () => api.http.get(`/v1/schedules/${await venueSchedule()}/seats`, gated(await newFan())),
  },
  {
    name: 'releasing a channel that holds nothing back', code: 'HOLDBACK_NOT_FOUND', status: 404,
    when: async () => api.http.post(`/v1/admin/schedules/${scheduleId()}/holdbacks/press/release`, { adminKey: TEST_ADMIN_KEY }),
  },
  {
    name: 'leaving a waitlist one is not on', code: 'WAITLIST_ENTRY_NOT_FOUND', status: 404,
    when: async () => api.http.delete(`/v1/schedules/${scheduleId()}/waitlist/me`, { token: (await newFan()).token }),
  },
  {
    name: 'a webhook endpoint with an ftp URL', code: 'WEBHOOK_URL_INVALID', status: 400,
    when: async () => api.http.post('/v1/admin/webhooks', { adminKey: TEST_ADMIN_KEY, body: { url: 'ftp://platform.example/hooks', events: ['payment.completed'] } }),
  },
  {
    name: 'an unknown webhook endpoint', code: 'WEBHOOK_ENDPOINT_NOT_FOUND', status: 404,
    when: async () => api.http.get('/v1/admin/webhooks/whe_unknown', { adminKey: TEST_ADMIN_KEY }),
  },
  {
    name: 'a retry of a delivery never attempted', code: 'WEBHOOK_DELIVERY_NOT_FOUND', status: 404,
    when: async () => {
      const created = await api.http.post('/v1/admin/webhooks', { adminKey: TEST_ADMIN_KEY, body: { url: 'https://platform.example/a', events: ['checkin.accepted'] } });
      return api.http.post(`/v1/admin/webhooks/${created.body.endpointId}/deliveries/evt_1/retry`, { adminKey: TEST_ADMIN_KEY });
    },
  },
  {
    name: 'a retry of a delivery that is not parked', code: 'WEBHOOK_DELIVERY_NOT_PARKED', status: 409,
    when: async () => {
      const created = await api.http.post('/v1/admin/webhooks', { adminKey: TEST_ADMIN_KEY, body: { url: 'https://platform.example/b', events: ['payment.completed'] } });
      const endpointId = created.body.endpointId as string;
      await paidBooking(scheduleId());
      const seq = api.engine.listEvents({ after: 0, limit: 1_000, types: ['payment.completed'] }).nextAfter;
      await api.engine.recordWebhookAttempts({ attempts: [{ endpointId, eventSequence: seq, delivered: true, statusCode: 200, error: null }] });
      return api.http.post(`/v1/admin/webhooks/${endpointId}/deliveries/evt_${seq}/retry`, { adminKey: TEST_ADMIN_KEY });
    },
  },
  {
    name: 'a 51st webhook endpoint', code: 'WEBHOOK_ENDPOINT_LIMIT', status: 409,
    when: async () => {
      for (let i = api.engine.listWebhookEndpoints().length; i < 50; i++) {
        expect((await api.http.post('/v1/admin/webhooks', { adminKey: TEST_ADMIN_KEY, body: { url: `https://platform.example/${i}`, events: ['checkin.accepted'] } })).status).toBe(201);
      }
      return api.http.post('/v1/admin/webhooks', { adminKey: TEST_ADMIN_KEY, body: { url: 'https://platform.example/one-too-many', events: ['checkin.accepted'] } });
    },
  },
];

/** A fresh fan who paid for a free seat of `schedule`. */
async function paidBooking(schedule: string): Promise<{ fan: Fan; reservationId: string }> {
  const fan = await newFan();
  expect((await charge(api, fan, 1_000_000)).status).toBe(200);
  const held = await hold(api, fan, schedule, [freeSeat()]);
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  expect((await pay(api, fan, held.body.reservationId)).status).toBe(201);
  return { fan, reservationId: held.body.reservationId as string };
}

describe('error codes of the contract over HTTP', () => {
  it.each(cases)('given $name, then $status $code', async ({ code, status, when }) => {
    const response = await when();
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.body).toMatchObject({ statusCode: status, code, error: expect.any(String), message: expect.any(String) });
    expect(Object.keys(response.body).filter((key) => !['statusCode', 'code', 'error', 'message', 'details'].includes(key))).toEqual([]);
    expect(JSON.stringify(response.body)).not.toMatch(/at .+\.(ts|js):\d+/);
  });
});

describe('error codes that need a differently configured server', () => {
  it('given a full waiting room, when a waiting fan calls a gated route, then 403 QUEUE_NOT_ACTIVE', async () => {
    const tight = await startLiveApi({ config: { limits: { queueMaxActive: 1 } } });
    try {
      const now = tight.engine.now();
      const tokenOf = (userId: string): string => signUserToken({ sub: userId, exp: Math.floor(now / 1000) + 600 }, TEST_AUTH_SECRET);
      const first = await tight.http.post('/v1/queue/tokens', { token: tokenOf('first') });
      const second = await tight.http.post('/v1/queue/tokens', { token: tokenOf('second') });
      expect([first.status, second.status]).toEqual([201, 201]);
      tight.clock.advance(1_000);
      const response = await tight.http.get('/v1/concerts/any/schedules', { token: tokenOf('second'), queueToken: second.body.token });
      expect(response.status).toBe(403);
      expect(response.body).toMatchObject({ statusCode: 403, code: 'QUEUE_NOT_ACTIVE' });
    } finally {
      await tight.close();
    }
  });

  it('given tight rate limits, then demo tokens per IP and queue tokens per user are 429 RATE_LIMITED', async () => {
    const limited = await startLiveApi({ config: { rateLimit: { demoTokenPerMinute: 2, tokenIssuePerMinute: 2 } } });
    try {
      const demo = [];
      for (let i = 0; i < 3; i++) demo.push(await limited.http.post('/v1/auth/demo-token', { body: { userId: `rate-${i}` } }));
      expect(demo.map((response) => response.status)).toEqual([200, 200, 429]);
      expect(demo[2]!.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests' });
      expect(Number(demo[2]!.headers.get('retry-after'))).toBeGreaterThan(0);

      const now = limited.engine.now();
      const alice = signUserToken({ sub: 'alice', exp: Math.floor(now / 1000) + 600 }, TEST_AUTH_SECRET);
      const bob = signUserToken({ sub: 'bob', exp: Math.floor(now / 1000) + 600 }, TEST_AUTH_SECRET);
      const issued = [];
      for (let i = 0; i < 3; i++) issued.push(await limited.http.post('/v1/queue/tokens', { token: alice }));
      expect(issued.map((response) => response.status)).toEqual([201, 200, 429]);
      expect(issued[2]!.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
      // keyed per user: another user from the same address is not throttled
      expect((await limited.http.post('/v1/queue/tokens', { token: bob })).status).toBe(201);
    } finally {
      await limited.close();
    }
  });

  it('given a waitlist of at most 1 fan, when a second joins, then 409 WAITLIST_FULL and the first keeps the place', async () => {
    const small = await startLiveApi({ config: { limits: { waitlistMaxEntries: 1 } } });
    try {
      const scheduleOf = (await createConcert(small)).schedules[0]!.scheduleId;
      const now = small.engine.now();
      const tokenOf = (userId: string): string => signUserToken({ sub: userId, exp: Math.floor(now / 1000) + 600 }, TEST_AUTH_SECRET);
      expect((await small.http.post(`/v1/schedules/${scheduleOf}/waitlist`, { token: tokenOf('first') })).status).toBe(201);
      const refused = await small.http.post(`/v1/schedules/${scheduleOf}/waitlist`, { token: tokenOf('second') });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ statusCode: 409, code: 'WAITLIST_FULL', details: { limit: 1 } });
      expect((await small.http.get(`/v1/schedules/${scheduleOf}/waitlist/me`, { token: tokenOf('first') })).body).toMatchObject({ position: 1, length: 1 });
    } finally {
      await small.close();
    }
  });

  it('given an engine still recovering, then /v1 is 503 NOT_READY', async () => {
    const recovering = await startLiveApi({ start: false });
    try {
      const response = await recovering.http.get('/v1/concerts');
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ statusCode: 503, code: 'NOT_READY', error: 'Service Unavailable' });
    } finally {
      await recovering.close();
    }
  });

  it('given NODE_ENV=production, then the demo-token route does not exist: 404 NOT_FOUND', async () => {
    const production = await startLiveApi({ config: { nodeEnv: 'production', isProduction: true } });
    try {
      const response = await production.http.post('/v1/auth/demo-token', { body: { userId: 'alice' } });
      expect(response.status).toBe(404);
      expect(response.body).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    } finally {
      await production.close();
    }
  });

  it('covers every code of the contract (all but INTERNAL_ERROR, which no request should provoke)', () => {
    const tested = new Set<ErrorCode>([
      ...cases.map((c) => c.code), 'QUEUE_NOT_ACTIVE', 'RATE_LIMITED', 'NOT_READY', 'NOT_FOUND', 'WAITLIST_FULL',
    ]);
    const contract = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((code) => code !== 'INTERNAL_ERROR');
    expect(contract.filter((code) => !tested.has(code))).toEqual([]);
  });
});
