/**
 * Honest odds in the waiting room: every queue status tells the fan how many are ahead, how many seats are
 * left across the shows still to come, and plainly whether those seats can reach them; a fan whose seats
 * will not come can list the dates and join a waitlist instead, without leaving the line or being admitted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admittedFan, charge, createConcert, demoToken, hold, pay, queueTick, startLiveApi, type LiveApi } from './http-client.js';

const DAY_MS = 86_400_000;

let api: LiveApi;
let scheduleId: string;

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 1 } } });
  const now = api.engine.now();
  const concert = await createConcert(api, [{
    startsAt: new Date(now + 7 * DAY_MS).toISOString(),
    bookingOpensAt: new Date(now - DAY_MS).toISOString(),
    seatMap: { seatCount: 2, grades: [{ grade: 'R', from: 1, to: 2, price: 1_000 }] },
  }]);
  scheduleId = concert.schedules[0]!.scheduleId;
});
afterAll(async () => {
  await api?.close();
});

async function joinLine(userId: string): Promise<{ token: string; queueToken: string }> {
  const token = await demoToken(api.http, userId);
  const issued = await api.http.post('/v1/queue/tokens', { token });
  expect(issued.status).toBe(201);
  return { token, queueToken: issued.body.token as string };
}

async function statusOf(fan: { token: string; queueToken: string }): Promise<Record<string, unknown>> {
  const polled = await api.http.get('/v1/queue/status', { token: fan.token, queueToken: fan.queueToken });
  expect(polled.status, JSON.stringify(polled.body)).toBe(200);
  return polled.body as Record<string, unknown>;
}

describe('queue odds', () => {
  it('given 2 seats left, then fans with fewer than 2 ahead are LIKELY, with 2 to 5 ahead UNCERTAIN, with 6 or more UNLIKELY; once sold, SOLD_OUT', async () => {
    const buyer = await admittedFan(api, 'odds-buyer');
    const line = [];
    for (let i = 0; i < 7; i++) line.push(await joinLine(`odds-fan-${i}`));

    const statuses = await Promise.all(line.map(statusOf));
    expect(statuses.map((s) => s['fansAhead'])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(statuses.every((s) => s['seatsRemaining'] === 2)).toBe(true);
    expect(statuses.map((s) => s['outlook'])).toEqual(['LIKELY', 'LIKELY', 'UNCERTAIN', 'UNCERTAIN', 'UNCERTAIN', 'UNCERTAIN', 'UNLIKELY']);
    expect(await statusOf(buyer)).toMatchObject({ status: 'ACTIVE', fansAhead: 0, outlook: 'LIKELY' });

    expect((await charge(api, buyer, 2_000)).status).toBe(200);
    const held = await hold(api, buyer, scheduleId, [1, 2]);
    expect(held.status, JSON.stringify(held.body)).toBe(201);
    expect((await pay(api, buyer, held.body.reservationId as string)).status).toBe(201);
    await queueTick(api.clock);

    const after = await statusOf(line[6]!);
    expect(after).toMatchObject({ seatsRemaining: 0, soldOut: true, outlook: 'SOLD_OUT' });

    // The way out: still in line (WAITING, no admission), the fan lists the dates and joins the sold-out
    // one's waitlist with the user token alone.
    const dates = await api.http.get('/v1/waitlist/schedules', { token: line[6]!.token });
    expect(dates.status).toBe(200);
    expect(dates.body.schedules).toEqual([expect.objectContaining({ scheduleId, title: 'Test concert', venue: 'Test hall', soldOut: true, waitlistLength: 0 })]);
    const joined = await api.http.post(`/v1/schedules/${scheduleId}/waitlist`, { token: line[6]!.token, body: { quantity: 1 } });
    expect(joined.status).toBe(201);
    expect(await statusOf(line[6]!)).toMatchObject({ status: 'WAITING' });
    // The list is built at most once a second: the next second shows the fan on it.
    await queueTick(api.clock);
    expect((await api.http.get('/v1/waitlist/schedules', { token: line[6]!.token })).body.schedules[0]).toMatchObject({ waitlistLength: 1 });
    expect((await api.http.get('/v1/waitlist/schedules')).status).toBe(401);
  });
});
