/** Concerts created through the admin API for the reliability suites. */
import type { HttpClient } from './http-client.js';

export interface CreatedSchedule { scheduleId: string; seatCount: number; hot: boolean }

/**
 * A "hot" schedule has few seats (every hold contends; it sells out and is replaced), a "big" one many
 * (payments keep succeeding, so money moves all the time), a "tiny" one (hot, 4 seats) sells out at once
 * and stays sold out but for the holds that run out: what its waitlist lives on.
 */
export async function createSchedule(http: HttpClient, adminKey: string, kind: 'hot' | 'big' | 'tiny', label: string): Promise<CreatedSchedule> {
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
