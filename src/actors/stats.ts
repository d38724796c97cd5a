import type { AdminStatsView, RoomView } from '../domain/views.js';
import type { WaitingRoom } from '../machines/waiting-room.js';
import type { ScheduleBook } from './schedule-book.js';

/** Admin statistics from memory: O(schedules + live reservations), no SQL (it feeds every /metrics scrape). */
export function engineStats(schedules: ScheduleBook, room: WaitingRoom, concerts: number, soldOut: boolean, nowMs: number, rooms: readonly RoomView[]): AdminStatsView {
  const seats = { available: 0, held: 0, confirmed: 0 };
  const reservations = { held: 0, confirmed: 0, refunded: 0, expired: schedules.endedCounts.EXPIRED, cancelled: schedules.endedCounts.CANCELLED };
  const sales = { payments: 0, total: 0, refunds: 0, refundedTotal: 0 };
  for (const actor of schedules.actors.values()) {
    seats.available += actor.state.availableCount;
    seats.held += actor.state.heldCount;
    seats.confirmed += actor.state.reservedCount;
    for (const r of actor.state.reservations.values()) {
      if (r.status === 'HELD') reservations.held++;
      if (r.status === 'CONFIRMED') reservations.confirmed++;
      if (r.status === 'REFUNDED') reservations.refunded++;
      if (r.payment !== null) {
        sales.payments++;
        sales.total += r.payment.amount;
      }
      for (const refund of r.refunds) {
        sales.refunds++;
        sales.refundedTotal += refund.amount;
      }
    }
  }
  const counts = room.counts();
  return {
    queue: { waiting: counts.waiting, active: counts.active, admissionRatePerSecond: room.admissionRatePerSecond(nowMs), soldOut },
    seats, reservations, sales,
    schedules: schedules.actors.size,
    concerts,
    rooms: rooms.map(({ roomId, state, entrants, lateArrivals, preQueue, waiting, active, admitted }) => ({ roomId, state, entrants, lateArrivals, preQueue, waiting, active, admitted })),
  };
}
