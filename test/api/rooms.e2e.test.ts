/**
 * A waiting room per sale: the organiser opens a room for one show with its opening time, rate and cap; fans
 * who come early wait in its pre-queue with a countdown, are placed at the opening in the order the room's
 * committed seed draws (anyone recomputes it), get signed receipts, and are admitted in that order; the
 * room's tokens open only its own show, and the default line keeps the rest. The published bundle passes
 * the verifier; tampered, it fails.
 */
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitmentOf, fairOrder } from '../../src/rooms/fairness/fair-order.js';
import { verifyReceipt } from '../../src/rooms/fairness/receipt.js';
import { verifyRoomAudit, type RoomAuditBundle } from '../../src/rooms/fairness/verify-room.js';
import { TEST_ADMIN_KEY } from '../helpers/build-test-app.js';
import { admittedFan, charge, createConcert, demoToken, hold, pay, queueTick, startLiveApi, type LiveApi } from './http-client.js';

let api: LiveApi;
let roomScheduleId: string;
let otherScheduleId: string;

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 100 } } });
  const concert = await createConcert(api);
  roomScheduleId = concert.schedules[0]!.scheduleId;
  otherScheduleId = concert.schedules[1]!.scheduleId;
});
afterAll(async () => {
  await api?.close();
});

interface InLine { userId: string; token: string; queueToken: string; entrantId: string }

async function createRoom(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const created = await api.http.post('/v1/admin/rooms', { adminKey: TEST_ADMIN_KEY, body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as Record<string, unknown>;
}

async function join(userId: string, body: Record<string, unknown>): Promise<InLine & { status: Record<string, unknown> }> {
  const token = await demoToken(api.http, userId);
  const joined = await api.http.post('/v1/queue/tokens', { token, body });
  expect(joined.status, JSON.stringify(joined.body)).toBe(201);
  return { userId, token, queueToken: joined.body.token as string, entrantId: joined.body.entrantId as string, status: joined.body as Record<string, unknown> };
}

async function statusOf(fan: { token: string; queueToken: string }): Promise<Record<string, unknown>> {
  const polled = await api.http.get('/v1/queue/status', { token: fan.token, queueToken: fan.queueToken });
  expect(polled.status, JSON.stringify(polled.body)).toBe(200);
  return polled.body as Record<string, unknown>;
}

describe('a waiting room per sale', () => {
  it('given fans in a room\'s pre-queue, when it opens, then they are placed in the drawn order, admitted in it, and the published bundle verifies', async () => {
    const opensAtMs = api.engine.now() + 60_000;
    const room = await createRoom({ name: 'Spring tour presale', scheduleIds: [roomScheduleId], opensAt: new Date(opensAtMs).toISOString(), maxActive: 2 });
    expect(room).toMatchObject({ state: 'PRE_QUEUE', opensInSeconds: 60, seed: null, maxActive: 2, admissionRatePerMinute: null, entrants: 0 });
    const roomId = room['roomId'] as string;

    // Early fans: in the pre-queue, told how long until the opening; no place, no receipt, no bundle yet.
    const early: Array<InLine & { status: Record<string, unknown> }> = [];
    for (let i = 0; i < 8; i++) early.push(await join(`room-early-${i}`, { scheduleId: roomScheduleId }));
    expect(early[0]!.status).toMatchObject({ status: 'PRE_QUEUE', roomId, position: 0, opensInSeconds: 60, opensAt: new Date(opensAtMs).toISOString() });
    expect((await api.http.post('/v1/queue/tokens', { token: early[0]!.token, body: { roomId } })).status).toBe(200);
    const receiptTooSoon = await api.http.get('/v1/queue/receipt', { token: early[0]!.token, queueToken: early[0]!.queueToken });
    expect([receiptTooSoon.status, receiptTooSoon.body.code]).toEqual([409, 'RECEIPT_NOT_AVAILABLE']);
    expect((await api.http.get(`/v1/rooms/${roomId}/audit`)).body.code).toBe('ROOM_NOT_OPEN');
    // One leaves before the opening: not an entrant.
    expect((await api.http.delete('/v1/queue/tokens/current', { token: early[7]!.token, queueToken: early[7]!.queueToken })).status).toBe(204);
    const entrants = early.slice(0, 7);
    api.clock.advance(30_000);
    expect(await statusOf(entrants[3]!)).toMatchObject({ status: 'PRE_QUEUE', opensInSeconds: 30 });
    expect((await api.http.get(`/v1/rooms/${roomId}`)).body).toMatchObject({ entrants: 7, preQueue: 7, waiting: 0, seed: null });

    // A token of the default line does not open the room's show, nor the room's token another show.
    const outsider = await admittedFan(api, 'room-outsider');
    const wrongRoom = await hold(api, outsider, roomScheduleId, [1]);
    expect([wrongRoom.status, wrongRoom.body.code, wrongRoom.body.details]).toEqual([403, 'QUEUE_WRONG_ROOM', { roomId }]);
    const seatMap = await api.http.get(`/v1/schedules/${roomScheduleId}/seats`, outsider);
    expect([seatMap.status, seatMap.body.code]).toEqual([403, 'QUEUE_WRONG_ROOM']);

    // The opening: the order the published seed draws, two admitted at once (the cap).
    api.clock.advance(30_000);
    await queueTick(api.clock);
    const opened = (await api.http.get(`/v1/rooms/${roomId}`)).body;
    expect(opened).toMatchObject({ state: 'OPEN', entrants: 7, active: 2, waiting: 5, admitted: 2 });
    expect(commitmentOf(opened.seed as string)).toBe(room['commitment']);
    // The platform hears of it: a room.opened event with the room as it opened (its seed revealed).
    const events = await api.http.get('/v1/admin/events?after=0&type=room.opened', { adminKey: TEST_ADMIN_KEY });
    expect(events.body.events).toEqual([expect.objectContaining({ type: 'room.opened', data: { room: expect.objectContaining({ roomId, state: 'OPEN', seed: opened.seed, entrants: 7 }) } })]);
    const order = fairOrder(opened.seed as string, entrants.map((fan) => fan.entrantId));
    const byEntrant = new Map(entrants.map((fan) => [fan.entrantId, fan]));
    const inOrder = order.map((entrantId) => byEntrant.get(entrantId)!);
    const statuses = await Promise.all(inOrder.map(statusOf));
    expect(statuses.map((s) => [s['status'], s['position']])).toEqual([['ACTIVE', 0], ['ACTIVE', 0], ['WAITING', 1], ['WAITING', 2], ['WAITING', 3], ['WAITING', 4], ['WAITING', 5]]);

    // Each entrant's receipt states its drawn place and verifies with the room's key.
    const receipts: string[] = [];
    for (const [index, fan] of inOrder.entries()) {
      const got = await api.http.get('/v1/queue/receipt', { token: fan.token, queueToken: fan.queueToken });
      expect(got.status, JSON.stringify(got.body)).toBe(200);
      const parsed = verifyReceipt(got.body.receipt, createPublicKey({ key: Buffer.from(got.body.publicKey as string, 'base64'), format: 'der', type: 'spki' }));
      expect(parsed).toMatchObject({ ok: true, receipt: { roomId, entrantId: fan.entrantId, place: index + 1, commitment: room['commitment'] } });
      receipts.push(got.body.receipt as string);
    }

    // A late fan comes after every entrant; the admitted fans buy, and the line moves on in order.
    const late = await join('room-late', { roomId });
    expect(late.status).toMatchObject({ status: 'WAITING', position: 6, opensInSeconds: 0 });
    const admitted = inOrder[0]!;
    expect((await charge(api, admitted, 200_000)).status).toBe(200);
    const held = await hold(api, admitted, roomScheduleId, [1]);
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    expect((await hold(api, admitted, otherScheduleId, [1])).body.code).toBe('QUEUE_WRONG_ROOM');
    expect((await pay(api, admitted, held.body.reservationId as string)).status).toBe(201);
    expect((await api.http.delete('/v1/queue/tokens/current', { token: inOrder[1]!.token, queueToken: inOrder[1]!.queueToken })).status).toBe(204);
    // One in line leaves before its turn: absent from the log, which is allowed.
    expect((await api.http.delete('/v1/queue/tokens/current', { token: inOrder[3]!.token, queueToken: inOrder[3]!.queueToken })).status).toBe(204);
    await queueTick(api.clock);
    expect((await statusOf(inOrder[2]!))['status']).toBe('ACTIVE');
    expect((await statusOf(inOrder[4]!))['status']).toBe('ACTIVE');
    for (const fan of [inOrder[2]!, inOrder[4]!]) await api.http.delete('/v1/queue/tokens/current', { token: fan.token, queueToken: fan.queueToken });
    await queueTick(api.clock);
    for (const fan of [inOrder[5]!, inOrder[6]!]) await api.http.delete('/v1/queue/tokens/current', { token: fan.token, queueToken: fan.queueToken });
    await queueTick(api.clock);
    expect((await statusOf(late))['status']).toBe('ACTIVE');

    // The published bundle, with the fans' receipts, passes the verifier.
    const audit = await api.http.get(`/v1/rooms/${roomId}/audit`);
    expect(audit.status).toBe(200);
    const bundle = { ...(audit.body as RoomAuditBundle), receipts };
    expect(bundle.log.map((entry) => entry.entrantId)).toEqual([...order.filter((id) => id !== inOrder[3]!.entrantId), late.entrantId]);
    expect(bundle.lateArrivals).toEqual([late.entrantId]);
    expect(verifyRoomAudit(bundle)).toMatchObject({ ok: true, violations: [], entrants: 7, admissions: 7, receipts: 7 });
    // Asked again with its ETag: 304, nothing sent; the same bytes otherwise.
    const etag = audit.headers.get('etag')!;
    expect((await api.http.get(`/v1/rooms/${roomId}/audit`, { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect((await api.http.get(`/v1/rooms/${roomId}/audit`)).body).toEqual(audit.body);
    // Tampered: two admissions swapped, or another seed, are caught.
    const swapped = structuredClone(bundle);
    [swapped.log[2]!.entrantId, swapped.log[3]!.entrantId] = [swapped.log[3]!.entrantId, swapped.log[2]!.entrantId];
    expect(verifyRoomAudit(swapped).ok).toBe(false);
    expect(verifyRoomAudit({ ...bundle, seed: 'ab'.repeat(32) }).ok).toBe(false);
  });

  it('given a room\'s rate, then it admits at most that many a minute, and a new rate is in effect within a second', async () => {
    const concert = await createConcert(api);
    const room = await createRoom({
      name: 'Rate-limited sale', scheduleIds: [concert.schedules[0]!.scheduleId], opensAt: new Date(api.engine.now()).toISOString(), admissionRatePerMinute: 60, maxActive: 1_000,
    });
    const roomId = room['roomId'] as string;
    const fans: InLine[] = [];
    for (let i = 0; i < 12; i++) fans.push(await join(`rate-fan-${i}`, { roomId }));
    const activeCount = async (): Promise<number> => ((await api.http.get(`/v1/rooms/${roomId}`)).body.active as number);
    await queueTick(api.clock);
    await queueTick(api.clock);
    await queueTick(api.clock);
    expect(await activeCount()).toBe(3);
    const patched = await api.http.patch(`/v1/admin/rooms/${roomId}`, { adminKey: TEST_ADMIN_KEY, body: { admissionRatePerMinute: 240 } });
    expect([patched.status, patched.body.admissionRatePerMinute]).toEqual([200, 240]);
    await queueTick(api.clock);
    expect(await activeCount()).toBe(7);
    // The cap lowered below the fans already in: nobody more until slots free.
    expect((await api.http.patch(`/v1/admin/rooms/${roomId}`, { adminKey: TEST_ADMIN_KEY, body: { maxActive: 5, admissionRatePerMinute: null } })).status).toBe(200);
    await queueTick(api.clock);
    expect(await activeCount()).toBe(7);
    // The organiser's mistakes are 4xx and change nothing.
    const taken = await api.http.post('/v1/admin/rooms', { adminKey: TEST_ADMIN_KEY, body: { name: 'Again', scheduleIds: [concert.schedules[0]!.scheduleId], opensAt: new Date().toISOString() } });
    expect([taken.status, taken.body.code]).toEqual([409, 'ROOM_SCHEDULE_TAKEN']);
    const unknown = await api.http.post('/v1/admin/rooms', { adminKey: TEST_ADMIN_KEY, body: { name: 'None', scheduleIds: ['sch_nope'], opensAt: new Date().toISOString() } });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'SCHEDULE_NOT_FOUND']);
    const badRate = await api.http.patch(`/v1/admin/rooms/${roomId}`, { adminKey: TEST_ADMIN_KEY, body: { admissionRatePerMinute: 0 } });
    expect([badRate.status, badRate.body.code]).toEqual([400, 'VALIDATION_ERROR']);
    expect((await api.http.patch('/v1/admin/rooms/room_nope', { adminKey: TEST_ADMIN_KEY, body: { maxActive: 3 } })).body.code).toBe('ROOM_NOT_FOUND');
    expect((await api.http.post('/v1/admin/rooms', { body: { name: 'x', scheduleIds: [otherScheduleId], opensAt: new Date().toISOString() } })).status).toBe(401);
    const joinUnknown = await api.http.post('/v1/queue/tokens', { token: fans[0]!.token, body: { roomId: 'room_nope' } });
    expect([joinUnknown.status, joinUnknown.body.code]).toEqual([404, 'ROOM_NOT_FOUND']);
    expect((await api.http.get('/v1/rooms')).body.rooms.map((r: { roomId: string }) => r.roomId)).toContain(roomId);
  });

  it('given a sale delayed before its opening, then fans see the new time and the room opens then; once open, its time is history', async () => {
    const concert = await createConcert(api);
    const now = api.engine.now();
    const room = await createRoom({ name: 'Delayed sale', scheduleIds: [concert.schedules[0]!.scheduleId], opensAt: new Date(now + 60_000).toISOString() });
    const roomId = room['roomId'] as string;
    const fan = await join('delayed-fan', { roomId });
    expect(fan.status).toMatchObject({ status: 'PRE_QUEUE', opensInSeconds: 60 });
    const delayed = await api.http.patch(`/v1/admin/rooms/${roomId}`, { adminKey: TEST_ADMIN_KEY, body: { opensAt: new Date(now + 120_000).toISOString() } });
    expect([delayed.status, delayed.body.opensInSeconds, delayed.body.commitment]).toEqual([200, 120, room['commitment']]);
    expect(await statusOf(fan)).toMatchObject({ status: 'PRE_QUEUE', opensInSeconds: 120, opensAt: new Date(now + 120_000).toISOString() });
    api.clock.advance(90_000);
    await queueTick(api.clock);
    expect(await statusOf(fan)).toMatchObject({ status: 'PRE_QUEUE', opensInSeconds: 29 });
    api.clock.advance(29_000);
    await queueTick(api.clock);
    expect((await statusOf(fan))['status']).toBe('ACTIVE');
    const tooLate = await api.http.patch(`/v1/admin/rooms/${roomId}`, { adminKey: TEST_ADMIN_KEY, body: { opensAt: new Date(now + 600_000).toISOString() } });
    expect([tooLate.status, tooLate.body.code]).toEqual([409, 'ROOM_ALREADY_OPEN']);
    // Its rate and cap still change.
    expect((await api.http.patch(`/v1/admin/rooms/${roomId}`, { adminKey: TEST_ADMIN_KEY, body: { maxActive: 7 } })).body.maxActive).toBe(7);
  });

  it('given the default line, then joining without a room works as before and the status says so', async () => {
    const fan = await join('default-line-fan', {});
    // Its odds count the schedules in no room: one date of each of the three concerts, 50 seats each.
    expect(fan.status).toMatchObject({ roomId: null, opensAt: null, opensInSeconds: 0, entrantId: null, seatsRemaining: 150 });
    const receipt = await api.http.get('/v1/queue/receipt', { token: fan.token, queueToken: fan.queueToken });
    expect([receipt.status, receipt.body.code]).toEqual([409, 'RECEIPT_NOT_AVAILABLE']);
    const noBody = await api.http.post('/v1/queue/tokens', { token: await demoToken(api.http, 'no-body-fan') });
    expect(noBody.status).toBe(201);
  });
});
