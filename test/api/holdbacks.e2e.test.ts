/**
 * Holdbacks: seats held back for a channel are not sold to the public and show to it as RESERVED; a
 * presale code of that channel sees and holds them; once the organiser releases the channel, its free
 * seats are the public's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admittedFan, createConcert, hold, startLiveApi, type Fan, type LiveApi } from './http-client.js';
import { TEST_ADMIN_KEY } from '../helpers/build-test-app.js';

const DAY_MS = 86_400_000;

let api: LiveApi;
let scheduleId: string;

beforeAll(async () => {
  api = await startLiveApi({ config: { limits: { queueMaxActive: 100 } } });
  const now = api.engine.now();
  const created = await createConcert(api, [{
    startsAt: new Date(now + 9 * DAY_MS).toISOString(), bookingOpensAt: new Date(now - DAY_MS).toISOString(), holdbacks: [{ channel: 'press', seatNumbers: [1, 2] }],
  }]);
  scheduleId = created.schedules[0]!.scheduleId;
});
afterAll(async () => {
  await api?.close();
});

async function seatStatuses(fan: Fan, presaleCode?: string): Promise<string[]> {
  const query = presaleCode === undefined ? '' : `?presaleCode=${encodeURIComponent(presaleCode)}`;
  const map = await api.http.get(`/v1/schedules/${scheduleId}/seats${query}`, { token: fan.token, queueToken: fan.queueToken });
  expect(map.status, JSON.stringify(map.body)).toBe(200);
  return (map.body.seats as Array<{ status: string }>).slice(0, 3).map((seat) => seat.status);
}

describe('holdbacks', () => {
  it('given seats 1 and 2 held back for the press, then the public sees them taken and cannot hold them, a press code can, and a release gives the free one to the public', async () => {
    const fan = await admittedFan(api, 'holdback-public');
    expect(await seatStatuses(fan)).toEqual(['RESERVED', 'RESERVED', 'AVAILABLE']);
    const refused = await hold(api, fan, scheduleId, [1]);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'SEAT_UNAVAILABLE', details: { seatNumbers: [1] } });

    const unknownChannel = await api.http.post(`/v1/admin/schedules/${scheduleId}/presale-codes`, { adminKey: TEST_ADMIN_KEY, body: { channel: 'sponsors' } });
    expect(unknownChannel.body).toMatchObject({ code: 'HOLDBACK_NOT_FOUND' });
    const code = await api.http.post(`/v1/admin/schedules/${scheduleId}/presale-codes`, { adminKey: TEST_ADMIN_KEY, body: { code: 'PRESS-DESK', channel: 'press' } });
    expect(code.status, JSON.stringify(code.body)).toBe(201);
    expect(code.body).toMatchObject({ channel: 'press', maxUses: 1 });

    const journalist = await admittedFan(api, 'holdback-press');
    expect(await seatStatuses(journalist, 'press-desk')).toEqual(['AVAILABLE', 'AVAILABLE', 'AVAILABLE']);
    // The press code used for a public seat opens nothing and keeps its one use.
    const publicSeat = await api.http.post('/v1/reservations', { token: journalist.token, queueToken: journalist.queueToken, body: { scheduleId, seatNumbers: [10], presaleCode: 'PRESS-DESK' } });
    expect(publicSeat.status).toBe(201);
    const unused = await api.http.get(`/v1/admin/schedules/${scheduleId}/presale-codes`, { adminKey: TEST_ADMIN_KEY });
    expect(unused.body.codes).toMatchObject([{ code: 'PRESS-DESK', used: 0 }]);
    expect((await api.http.delete(`/v1/reservations/${publicSeat.body.reservationId as string}`, { token: journalist.token })).status).toBe(200);
    const pressHold = await api.http.post('/v1/reservations', { token: journalist.token, queueToken: journalist.queueToken, body: { scheduleId, seatNumbers: [1], presaleCode: 'PRESS-DESK' } });
    expect(pressHold.status, JSON.stringify(pressHold.body)).toBe(201);
    const listed = await api.http.get(`/v1/admin/schedules/${scheduleId}/holdbacks`, { adminKey: TEST_ADMIN_KEY });
    expect(listed.body).toEqual({ holdbacks: [{ scheduleId, channel: 'press', seatNumbers: [1, 2], availableSeatNumbers: [2] }] });

    const released = await api.http.post(`/v1/admin/schedules/${scheduleId}/holdbacks/press/release`, { adminKey: TEST_ADMIN_KEY });
    expect(released.status, JSON.stringify(released.body)).toBe(200);
    expect(released.body).toMatchObject({ channel: 'press', availableSeatNumbers: [2] });
    expect(await seatStatuses(fan)).toEqual(['TEMP_RESERVED', 'AVAILABLE', 'AVAILABLE']);
    expect((await hold(api, fan, scheduleId, [2])).status).toBe(201);
    const again = await api.http.post(`/v1/admin/schedules/${scheduleId}/holdbacks/press/release`, { adminKey: TEST_ADMIN_KEY });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ code: 'HOLDBACK_NOT_FOUND' });
  });

  it('refuses holdbacks naming a seat twice or outside the map', async () => {
    const now = api.engine.now();
    for (const holdbacks of [[{ channel: 'a', seatNumbers: [1] }, { channel: 'b', seatNumbers: [1] }], [{ channel: 'a', seatNumbers: [51] }], [{ channel: 'a', seatNumbers: [1] }, { channel: 'a', seatNumbers: [2] }]]) {
      const refused = await api.http.post('/v1/admin/concerts', {
        adminKey: TEST_ADMIN_KEY, body: { title: 'T', venue: 'V', schedules: [{ startsAt: new Date(now + DAY_MS).toISOString(), holdbacks }] },
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'VALIDATION_ERROR', details: { field: expect.stringMatching(/^schedules\[0\]\.holdbacks\[1|0\]/) } });
    }
  });
});
