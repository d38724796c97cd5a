/**
 * Tickets and check-in through HTTP, as the contract reads: a paid reservation has one signed ticket per
 * seat; the published public key verifies a code offline; at the door the first scan admits, a second
 * says when the ticket was used, a forged or unknown code is refused, a ticket of a booking that is not
 * CONFIRMED is refused; two scanners racing admit once; a restart keeps used tickets used.
 */
import { createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TicketSigner } from '../../src/tickets/ticket-signer.js';
import { TEST_ADMIN_KEY, TEST_TICKET_SIGNING_KEY } from '../helpers/build-test-app.js';
import { admittedFan, charge, createConcert, hold, pay, startLiveApi, type Fan, type Json, type LiveApi } from './http-client.js';

const SCANNER_KEY = 'door-staff-key-0123456789';

let api: LiveApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function start(dbPath?: string): Promise<LiveApi> {
  api = await startLiveApi({ config: { scannerKey: SCANNER_KEY }, ...(dbPath === undefined ? {} : { dbPath }) });
  return api;
}

/** A fan who paid for `seats` of a new concert's first schedule. */
async function paidBooking(live: LiveApi, userId: string, seats: number[]): Promise<{ fan: Fan; reservationId: string; scheduleId: string }> {
  const { schedules } = await createConcert(live);
  const scheduleId = schedules[0]!.scheduleId;
  const fan = await admittedFan(live, userId);
  expect((await charge(live, fan, 1_000_000)).status).toBe(200);
  const held = await hold(live, fan, scheduleId, seats);
  expect(held.status, JSON.stringify(held.body)).toBe(201);
  const paid = await pay(live, fan, held.body.reservationId as string);
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  return { fan, reservationId: held.body.reservationId as string, scheduleId };
}

function scan(live: LiveApi, code: string, keys: { scannerKey?: string; adminKey?: string } = { scannerKey: SCANNER_KEY }): Promise<{ status: number; body: Json }> {
  const headers: Record<string, string> = keys.scannerKey === undefined ? {} : { 'x-scanner-key': keys.scannerKey };
  return live.http.post('/v1/checkins', { headers, body: { code }, ...(keys.adminKey === undefined ? {} : { adminKey: keys.adminKey }) });
}

describe('tickets', () => {
  it('given a paid reservation of two seats, when the buyer asks for its tickets, then there is one signed code per seat', async () => {
    const live = await start();
    const { fan, reservationId, scheduleId } = await paidBooking(live, 'alice', [1, 12]);

    const response = await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ reservationId, scheduleId, tickets: [
      { ticketId: `${reservationId}.1`, seatNumber: 1, grade: 'VIP', checkedInAt: null },
      { ticketId: `${reservationId}.12`, seatNumber: 12, grade: 'R', checkedInAt: null },
    ] });
    for (const ticket of response.body.tickets as Json[]) expect(ticket.code).toMatch(new RegExp(`^T1\\.${response.body.keyId}\\.${reservationId}\\.${scheduleId}\\.${ticket.seatNumber}\\.[A-Za-z0-9_-]{86}$`));
    const other = await admittedFan(live, 'mallory');
    expect((await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: other.token })).body.code).toBe('RESERVATION_NOT_FOUND');
  });

  it('given a hold not yet paid, when its tickets are asked for, then 409 RESERVATION_NOT_CONFIRMED', async () => {
    const live = await start();
    const { schedules } = await createConcert(live);
    const fan = await admittedFan(live, 'bob');
    const held = await hold(live, fan, schedules[0]!.scheduleId, [5]);

    const response = await live.http.get(`/v1/reservations/${held.body.reservationId}/tickets`, { token: fan.token });

    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'RESERVATION_NOT_CONFIRMED', details: { status: 'HELD' } });
  });

  it('given the published public key alone, when a scanner verifies a ticket offline, then the signature holds, and fails once the code is altered', async () => {
    const live = await start();
    const { fan, reservationId } = await paidBooking(live, 'carol', [3]);
    const code = (await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token })).body.tickets[0].code as string;

    const published = await live.http.get('/v1/tickets/public-key');
    const fromJwk = createPublicKey({ key: published.body.jwk, format: 'jwk' });
    const fromSpki = createPublicKey({ key: Buffer.from(published.body.spki as string, 'base64'), format: 'der', type: 'spki' });
    const verifies = (text: string): boolean => {
      const dot = text.lastIndexOf('.');
      return [fromJwk, fromSpki].every((key) => verify(null, Buffer.from(text.slice(0, dot)), key, Buffer.from(text.slice(dot + 1), 'base64url')));
    };

    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ algorithm: 'Ed25519', jwk: { kty: 'OKP', crv: 'Ed25519', kid: published.body.keyId } });
    expect(verifies(code)).toBe(true);
    expect(verifies(code.replace('.3.', '.4.'))).toBe(false);
  });
});

describe('check-in at the door', () => {
  it('given a ticket, when scanned twice, then the first scan admits and the second says it was already used, and when', async () => {
    const live = await start();
    const { fan, reservationId, scheduleId } = await paidBooking(live, 'dave', [7]);
    const code = (await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token })).body.tickets[0].code as string;

    const first = await scan(live, code);
    live.clock.advance(90_000);
    const second = await scan(live, code, { adminKey: TEST_ADMIN_KEY });

    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      ticketId: `${reservationId}.7`, reservationId, scheduleId, concertId: expect.any(String), startsAt: expect.any(String),
      seatNumber: 7, grade: 'VIP', checkedInAt: expect.any(String),
    });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { ticketId: `${reservationId}.7`, checkedInAt: first.body.checkedInAt } });
    const listed = await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token });
    expect(listed.body.tickets[0].checkedInAt).toBe(first.body.checkedInAt);
  });

  it('given a door that names its show, when a ticket for another show is scanned, then 409 TICKET_WRONG_SCHEDULE naming the ticket\'s show', async () => {
    const live = await start();
    const { fan, reservationId, scheduleId } = await paidBooking(live, 'jack', [11]);
    const { schedules } = await createConcert(live);
    const code = (await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token })).body.tickets[0].code as string;

    const wrongDoor = await live.http.post('/v1/checkins', { headers: { 'x-scanner-key': SCANNER_KEY }, body: { code, scheduleId: schedules[1]!.scheduleId } });
    const rightDoor = await live.http.post('/v1/checkins', { headers: { 'x-scanner-key': SCANNER_KEY }, body: { code, scheduleId } });

    expect(wrongDoor.status).toBe(409);
    expect(wrongDoor.body).toMatchObject({ code: 'TICKET_WRONG_SCHEDULE', details: { scheduleId } });
    expect(rightDoor.status).toBe(200);
  });

  it('given a forged, altered, malformed or unknown-reservation code, then 400 TICKET_INVALID and nothing is admitted', async () => {
    const live = await start();
    const { fan, reservationId } = await paidBooking(live, 'erin', [8]);
    const code = (await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token })).body.tickets[0].code as string;
    const signature = code.slice(code.lastIndexOf('.') + 1);
    const forgedSignature = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;

    const refused = await Promise.all([
      code.slice(0, code.lastIndexOf('.') + 1) + forgedSignature,
      code.replace('.8.', '.9.'),
      'T1.not-a-ticket',
      code.replace(reservationId, 'res_000000000000AAAAAAAAAAAAAA'),
    ].map((forged) => scan(live, forged)));

    expect(refused.map((r) => [r.status, r.body.code])).toEqual(Array.from({ length: 4 }, () => [400, 'TICKET_INVALID']));
    expect((await scan(live, code)).status).toBe(200);
  });

  it('given a ticket whose booking is no longer CONFIRMED, then 410 TICKET_REVOKED with its status', async () => {
    const live = await start();
    const { schedules } = await createConcert(live);
    const fan = await admittedFan(live, 'frank');
    const held = await hold(live, fan, schedules[0]!.scheduleId, [9]);
    await live.http.delete(`/v1/reservations/${held.body.reservationId}`, { token: fan.token });
    // A code signed with the engine's own key for the ended booking (as if issued before it ended).
    const signer = new TicketSigner(createPrivateKey({ key: Buffer.from(TEST_TICKET_SIGNING_KEY, 'base64'), format: 'der', type: 'pkcs8' }));
    const code = signer.sign({ reservationId: held.body.reservationId as string, scheduleId: schedules[0]!.scheduleId, seatNumber: 9 });

    const response = await scan(live, code);

    expect(response.status).toBe(410);
    expect(response.body).toMatchObject({ code: 'TICKET_REVOKED', details: { status: 'CANCELLED' } });
  });

  it('given no key, a wrong key, or a user token, then 401 UNAUTHENTICATED', async () => {
    const live = await start();
    const { fan, reservationId } = await paidBooking(live, 'gina', [10]);
    const code = (await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token })).body.tickets[0].code as string;

    const responses = [
      await scan(live, code, {}),
      await scan(live, code, { scannerKey: 'wrong' }),
      await live.http.post('/v1/checkins', { token: fan.token, body: { code } }),
    ];

    expect(responses.map((r) => [r.status, r.body.code])).toEqual(Array.from({ length: 3 }, () => [401, 'UNAUTHENTICATED']));
  });

  it('given two scanners racing on one ticket, when both scan at the same instant, then exactly one admits', async () => {
    const live = await start();
    const { fan, reservationId } = await paidBooking(live, 'hank', [2, 4]);
    const codes = ((await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token })).body.tickets as Json[]).map((t) => t.code as string);

    for (const code of codes) {
      const responses = await live.http.simultaneous([1, 2, 3].map(() => ({
        method: 'POST', path: '/v1/checkins', options: { headers: { 'x-scanner-key': SCANNER_KEY }, body: { code } },
      })));
      const admitted = responses.filter((r) => r.status === 200);
      expect(admitted).toHaveLength(1);
      for (const refused of responses.filter((r) => r.status !== 200)) {
        expect(refused.body).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { checkedInAt: admitted[0]!.body.checkedInAt } });
      }
    }
  });

  it('given a used ticket, when the server restarts, then it is still used, with the time of its first scan', async () => {
    const live = await start();
    const { fan, reservationId } = await paidBooking(live, 'ivy', [6]);
    const code = (await live.http.get(`/v1/reservations/${reservationId}/tickets`, { token: fan.token })).body.tickets[0].code as string;
    const first = await scan(live, code);
    const dbPath = live.dbPath;
    await live.close({ keepDatabase: true });

    const restarted = await start(dbPath);
    const again = await scan(restarted, code);

    await restarted.close();
    api = undefined;
    rmSync(dirname(dbPath), { recursive: true, force: true });
    expect(first.status).toBe(200);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { checkedInAt: first.body.checkedInAt } });
  });
});
