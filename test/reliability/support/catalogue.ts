/** Concerts created through the admin API for the reliability suites. */
import type { HttpClient } from './http-client.js';

export interface CreatedSchedule { scheduleId: string; seatCount: number; hot: boolean; venue?: true }

/**
 * A small arena for the "venue" stream: two sections of four rows of eight (a blocked seat, wheelchair and
 * companion places, a gap) and a 10-place standing floor: 63 seats and 10 places, so best-available requests
 * contend, the rows fill up and a new one is made.
 */
export const RELIABILITY_ARENA = {
  name: 'Crash arena', version: 1,
  categories: [{ id: 'VIP', name: 'VIP', priceWon: 180_000, rank: 1 }, { id: 'R', name: 'R', priceWon: 120_000, rank: 2 }, { id: 'GA', name: 'Floor', priceWon: 60_000, rank: 3 }],
  sections: ['A', 'B'].map((id) => ({
    id, name: `Section ${id}`, category: 'R',
    rows: [1, 2, 3, 4].map((row) => ({
      label: String(row), ...(row === 1 ? { category: 'VIP', wheelchair: [1], companion: [2] } : {}),
      seats: { from: 1, to: 8, ...(row === 3 && id === 'B' ? { except: [5] } : {}) },
      ...(row === 2 && id === 'A' ? { blocked: [4] } : {}),
    })),
  })),
  generalAdmission: [{ id: 'FLOOR', name: 'Floor', category: 'GA', capacity: 10 }],
};

/**
 * A "hot" schedule has few seats (every hold contends; it sells out and is replaced), a "big" one many
 * (payments keep succeeding, so money moves all the time), a "tiny" one (hot, 4 seats) sells out at once
 * and stays sold out but for the holds that run out: what its waitlist lives on.
 */
export async function createSchedule(http: HttpClient, adminKey: string, kind: 'hot' | 'big' | 'tiny' | 'venue', label: string): Promise<CreatedSchedule> {
  if (kind === 'venue') return createVenueSchedule(http, adminKey, label);
  const seatMap = kind === 'hot'
    ? { seatCount: 24, grades: [{ grade: 'VIP', from: 1, to: 8, price: 200_000 }, { grade: 'R', from: 9, to: 24, price: 150_000 }] }
    : kind === 'tiny'
      ? { seatCount: 4, grades: [{ grade: 'R', from: 1, to: 4, price: 150_000 }] }
      : { seatCount: 400, grades: [{ grade: 'R', from: 1, to: 100, price: 150_000 }, { grade: 'S', from: 101, to: 400, price: 100_000 }] };
  const reply = await http.call('POST', '/v1/admin/concerts', {
    adminKey,
    body: {
      title: `Reliability ${kind} ${label}`,
      venue: 'Crash Hall',
      schedules: [{ startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(), seatMap }],
    },
  });
  if (reply.status !== 201) throw new Error(`create concert: ${reply.status} ${JSON.stringify(reply.body)}`);
  const scheduleId = reply.body.schedules[0]?.scheduleId as string | undefined;
  if (scheduleId === undefined) throw new Error('created concert has no schedule');
  return { scheduleId, seatCount: seatMap.seatCount, hot: kind !== 'big' };
}

async function createVenueSchedule(http: HttpClient, adminKey: string, label: string): Promise<CreatedSchedule> {
  const layout = await http.call('POST', '/v1/admin/layouts', { adminKey, body: RELIABILITY_ARENA });
  if (layout.status !== 201) throw new Error(`create layout: ${layout.status} ${JSON.stringify(layout.body)}`);
  const reply = await http.call('POST', '/v1/admin/concerts', {
    adminKey,
    body: { title: `Reliability arena ${label}`, venue: 'Crash Arena', schedules: [{ startsAt: new Date(Date.now() + 30 * 86_400_000).toISOString(), layoutId: layout.body.layoutId }] },
  });
  if (reply.status !== 201) throw new Error(`create concert: ${reply.status} ${JSON.stringify(reply.body)}`);
  const schedule = reply.body.schedules[0] as { scheduleId: string; totalSeatCount: number } | undefined;
  if (schedule === undefined) throw new Error('created concert has no schedule');
  return { scheduleId: schedule.scheduleId, seatCount: schedule.totalSeatCount, hot: false, venue: true };
}
