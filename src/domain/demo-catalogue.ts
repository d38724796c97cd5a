import type { CreateConcertInput, SeatMapInput } from './views.js';

const DAY_MS = 86_400_000;

/** Contract's demo seat map: 1-10 VIP 200000, 11-30 R 150000, 31-50 S 100000. */
export const DEMO_SEAT_MAP: SeatMapInput = {
  seatCount: 50,
  grades: [
    { grade: 'VIP', from: 1, to: 10, price: 200_000 },
    { grade: 'R', from: 11, to: 30, price: 150_000 },
    { grade: 'S', from: 31, to: 50, price: 100_000 },
  ],
};

function at(ms: number): string {
  return new Date(ms).toISOString();
}

/** Startup times are whole hours so the demo dates read naturally. */
function hourAligned(ms: number): number {
  return Math.floor(ms / 3_600_000) * 3_600_000;
}

/**
 * A catalogue that exercises every booking window: schedules open now, one that opens later,
 * and one already past; and, beside the 50-seat hall, an arena (`arenaLayoutId`: the demo arena's layout,
 * src/venues/demo-layouts.ts) with 50,000 seats in 20 sections and a 5,000-place standing floor.
 */
export function demoCatalogue(nowMs: number, arenaLayoutId: string): CreateConcertInput[] {
  const base = hourAligned(nowMs);
  return [
    {
      title: 'Aurora Live in Seoul',
      venue: 'Olympic Hall',
      schedules: [
        { startsAt: at(base + 7 * DAY_MS + 19 * 3_600_000), bookingOpensAt: at(base - DAY_MS), seatMap: DEMO_SEAT_MAP },
        { startsAt: at(base + 8 * DAY_MS + 19 * 3_600_000), bookingOpensAt: at(base - DAY_MS), seatMap: DEMO_SEAT_MAP },
        { startsAt: at(base + 30 * DAY_MS + 19 * 3_600_000), bookingOpensAt: at(base + 14 * DAY_MS), seatMap: DEMO_SEAT_MAP },
      ],
    },
    {
      title: 'Midnight Strings Quartet',
      venue: 'Lotte Concert Hall',
      schedules: [
        { startsAt: at(base + 3 * DAY_MS + 20 * 3_600_000), bookingOpensAt: at(base - 2 * DAY_MS), seatMap: DEMO_SEAT_MAP },
        { startsAt: at(base - 2 * DAY_MS), bookingOpensAt: at(base - 20 * DAY_MS), seatMap: DEMO_SEAT_MAP },
      ],
    },
    {
      title: 'Nova Arena Tour',
      venue: 'Demo Arena',
      schedules: [
        { startsAt: at(base + 10 * DAY_MS + 19 * 3_600_000), bookingOpensAt: at(base - DAY_MS), layoutId: arenaLayoutId, maxSeatsPerFan: 8 },
      ],
    },
  ];
}
