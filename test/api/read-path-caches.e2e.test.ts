/**
 * The read path reuses work between requests (verified token signatures, serialised seat maps). These
 * tests check over real HTTP that what is reused is never stale: a seat map read after a change shows
 * the change and its new version, filtered maps follow too, and a token whose signature was already
 * verified is still refused once it expires.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_AUTH_SECRET } from '../helpers/build-test-app.js';
import { admittedFan, createConcert, hold, signUserToken, type Fan, type Json, type LiveApi, startLiveApi } from './http-client.js';

function seatStatus(seatMap: Json, seatNumber: number): string {
  return (seatMap.seats as Json[]).find((seat) => seat.seatNumber === seatNumber)?.status as string;
}

describe('read path caches', () => {
  let api: LiveApi;
  let fan: Fan;
  let scheduleId: string;

  beforeAll(async () => {
    api = await startLiveApi({ config: { limits: { queueMaxActive: 1_000 } } });
    const concert = await createConcert(api);
    scheduleId = concert.schedules[0]!.scheduleId;
    fan = await admittedFan(api, 'cache-fan');
  });
  afterAll(async () => {
    await api?.close();
  });

  const seatMap = async (query = ''): Promise<{ status: number; body: Json; contentType: string | null }> => {
    const response = await api.http.get(`/v1/schedules/${scheduleId}/seats${query}`, { token: fan.token, queueToken: fan.queueToken });
    return { status: response.status, body: response.body, contentType: response.headers.get('content-type') };
  };

  it('given a seat map read twice, then both answers are the engine\'s seat map as JSON', async () => {
    const first = await seatMap();
    const second = await seatMap();

    expect(first.status).toBe(200);
    expect(first.contentType).toBe('application/json; charset=utf-8');
    const engineView = api.engine.getSeatMap(scheduleId);
    expect(engineView.ok).toBe(true);
    expect(first.body).toEqual(engineView.ok ? engineView.value : undefined);
    expect(second.body).toEqual(first.body);
  });

  it('given a seat map already read (whole and filtered), when a seat is held, then the next reads show the new version and status', async () => {
    const before = await seatMap();
    const availableBefore = await seatMap('?status=AVAILABLE');
    const heldBefore = await seatMap('?status=TEMP_RESERVED');
    expect(seatStatus(before.body, 7)).toBe('AVAILABLE');

    const held = await hold(api, fan, scheduleId, [7]);
    expect(held.status, JSON.stringify(held.body)).toBe(201);

    const after = await seatMap();
    expect(after.body.version).toBe(before.body.version + 1);
    expect(seatStatus(after.body, 7)).toBe('TEMP_RESERVED');
    const availableAfter = await seatMap('?status=AVAILABLE');
    expect(availableAfter.body.version).toBe(before.body.version + 1);
    expect(availableAfter.body.seats).toHaveLength(availableBefore.body.seats.length - 1);
    expect(seatStatus(availableAfter.body, 7)).toBeUndefined();
    const heldAfter = await seatMap('?status=TEMP_RESERVED');
    expect(heldAfter.body.seats).toEqual([...heldBefore.body.seats, { seatNumber: 7, grade: 'VIP', price: 200_000, status: 'TEMP_RESERVED' }]);
  });

  it('given a token accepted once, when the clock passes its exp, then the same token is refused', async () => {
    const nowSeconds = Math.floor(api.engine.now() / 1000);
    const token = signUserToken({ sub: 'short-lived', exp: nowSeconds + 60 }, TEST_AUTH_SECRET);
    expect((await api.http.get('/v1/users/me/balance', { token })).status).toBe(200);

    api.clock.advance(61_000);

    const refused = await api.http.get('/v1/users/me/balance', { token });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('UNAUTHENTICATED');
  });
});
