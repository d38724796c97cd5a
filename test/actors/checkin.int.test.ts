/**
 * Check-in at the engine: a ticket is a seat of a CONFIRMED reservation; its first scan admits and is
 * durable (journaled and written in the command's commit, back after a restart or a kill -9), a second
 * scan is told when the first was, and of two scanners racing on one ticket exactly one admits.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { TicketRef } from '../../src/domain/tickets.js';
import { createOpenSchedule, openHarness, type Harness } from '../support/engine-harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.dispose();
  h = undefined;
});

/** A fan who paid for `seats`: the reservation and its schedule. */
async function paidBooking(harness: Harness, userId: string, seats: number[]): Promise<{ reservationId: string; scheduleId: string }> {
  const { scheduleId } = await createOpenSchedule(harness.engine, harness.clock.now());
  expect((await harness.engine.charge({ userId, amount: 1_000_000 })).ok).toBe(true);
  const held = await harness.engine.hold({ userId, scheduleId, seatNumbers: seats });
  if (!held.ok) throw new Error(held.error.code);
  expect((await harness.engine.pay({ userId, reservationId: held.value.reservationId })).ok).toBe(true);
  return { reservationId: held.value.reservationId, scheduleId };
}

function codeOf(result: { ok: boolean; error?: { code: string } }): string {
  return result.ok ? 'OK' : (result.error?.code ?? '?');
}

describe('tickets and check-in in the engine', () => {
  it('given a paid booking of two seats, when its tickets are listed, then there is one per seat, none used yet', async () => {
    h = await openHarness();
    const { reservationId, scheduleId } = await paidBooking(h, 'fan', [3, 4]);

    const tickets = h.engine.listTickets('fan', reservationId);

    expect(tickets.ok && tickets.value.tickets.map((t) => [t.ticketId, t.scheduleId, t.seatNumber, t.checkedInAt])).toEqual([
      [`${reservationId}.3`, scheduleId, 3, null],
      [`${reservationId}.4`, scheduleId, 4, null],
    ]);
    expect(codeOf(h.engine.listTickets('someone-else', reservationId))).toBe('RESERVATION_NOT_FOUND');
  });

  it('given a hold not paid yet, when its tickets are asked for, then RESERVATION_NOT_CONFIRMED', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const held = await h.engine.hold({ userId: 'fan', scheduleId, seatNumbers: [1] });
    if (!held.ok) throw new Error(held.error.code);

    const tickets = h.engine.listTickets('fan', held.value.reservationId);

    expect(!tickets.ok && tickets.error).toMatchObject({ code: 'RESERVATION_NOT_CONFIRMED', details: { status: 'HELD' } });
    const scanned = await h.engine.checkIn({ ticket: { reservationId: held.value.reservationId, scheduleId, seatNumber: 1 } });
    expect(!scanned.ok && scanned.error).toMatchObject({ code: 'TICKET_REVOKED', details: { status: 'HELD' } });
  });

  it('given a ticket, when scanned twice, then the first admits and the second says when it was used', async () => {
    h = await openHarness();
    const { reservationId, scheduleId } = await paidBooking(h, 'fan', [7]);
    const ticket: TicketRef = { reservationId, scheduleId, seatNumber: 7 };

    const first = await h.engine.checkIn({ ticket });
    const firstAt = new Date(h.clock.now()).toISOString();
    h.clock.advance(60_000);
    const second = await h.engine.checkIn({ ticket });

    expect(first.ok && first.value).toMatchObject({ ticketId: `${reservationId}.7`, scheduleId, seatNumber: 7, grade: 'VIP', checkedInAt: firstAt });
    expect(!second.ok && second.error).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { ticketId: `${reservationId}.7`, checkedInAt: firstAt } });
    const listed = h.engine.listTickets('fan', reservationId);
    expect(listed.ok && listed.value.tickets[0]?.checkedInAt).toBe(firstAt);
  });

  it('given a ticket naming no reservation, or a seat outside its booking, then it is refused', async () => {
    h = await openHarness();
    const { reservationId, scheduleId } = await paidBooking(h, 'fan', [7]);

    const unknown = await h.engine.checkIn({ ticket: { reservationId: 'res_unknown', scheduleId, seatNumber: 7 } });
    const otherSchedule = await h.engine.checkIn({ ticket: { reservationId, scheduleId: 'sch_other', seatNumber: 7 } });
    const otherSeat = await h.engine.checkIn({ ticket: { reservationId, scheduleId, seatNumber: 8 } });

    expect([codeOf(unknown), codeOf(otherSchedule), codeOf(otherSeat)]).toEqual(['TICKET_INVALID', 'TICKET_INVALID', 'TICKET_REVOKED']);
  });

  it('given a door that admits one show, when a ticket for another show is scanned there, then TICKET_WRONG_SCHEDULE and it stays unused', async () => {
    h = await openHarness();
    const { reservationId, scheduleId } = await paidBooking(h, 'fan', [7]);
    const { scheduleId: tomorrow } = await createOpenSchedule(h.engine, h.clock.now());
    const ticket: TicketRef = { reservationId, scheduleId, seatNumber: 7 };

    const wrongDoor = await h.engine.checkIn({ ticket, scheduleId: tomorrow });
    const rightDoor = await h.engine.checkIn({ ticket, scheduleId });

    expect(!wrongDoor.ok && wrongDoor.error).toMatchObject({ code: 'TICKET_WRONG_SCHEDULE', details: { scheduleId } });
    expect(rightDoor.ok).toBe(true);
  });

  it('given a cancelled booking, then its ticket is revoked (its status said), before and after the archive', async () => {
    h = await openHarness();
    const { scheduleId } = await createOpenSchedule(h.engine, h.clock.now());
    const held = await h.engine.hold({ userId: 'fan', scheduleId, seatNumbers: [2] });
    if (!held.ok) throw new Error(held.error.code);
    await h.engine.cancelReservation('fan', held.value.reservationId);
    const ticket = { reservationId: held.value.reservationId, scheduleId, seatNumber: 2 };

    const beforeRestart = await h.engine.checkIn({ ticket });
    await h.reopen();
    const afterRestart = await h.engine.checkIn({ ticket });

    expect(!beforeRestart.ok && beforeRestart.error).toMatchObject({ code: 'TICKET_REVOKED', details: { status: 'CANCELLED' } });
    expect(!afterRestart.ok && afterRestart.error).toMatchObject({ code: 'TICKET_REVOKED', details: { status: 'CANCELLED' } });
  });

  it('given two scanners racing on one ticket in any order, then exactly one admits and the other is told the time of that scan', async () => {
    h = await openHarness();
    const harness = h;
    const { reservationId, scheduleId } = await paidBooking(harness, 'fan', [1, 2]);
    let seatNumber = 0;
    await fc.assert(fc.asyncProperty(fc.scheduler(), fc.integer({ min: 2, max: 5 }), async (s, scanners) => {
      // A fresh ticket each run: seats 1 and 2 first, then seats of new bookings.
      const ticket: TicketRef = seatNumber < 2
        ? { reservationId, scheduleId, seatNumber: ++seatNumber }
        : await paidBooking(harness, `fan${++seatNumber}`, [1]).then((b) => ({ ...b, seatNumber: 1 }));
      const scans = Array.from({ length: scanners }, () => s.schedule(Promise.resolve()).then(() => harness.engine.checkIn({ ticket })));
      await s.waitAll();
      const results = await Promise.all(scans);
      const admitted = results.filter((r) => r.ok);
      expect(admitted).toHaveLength(1);
      const at = admitted[0]!.ok ? admitted[0]!.value.checkedInAt : '';
      for (const refused of results.filter((r) => !r.ok)) {
        expect(!refused.ok && refused.error).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { checkedInAt: at } });
      }
    }), { numRuns: 12 });
  });

  it('given admitted tickets, when the engine restarts or is killed, then they stay used with their first time', async () => {
    h = await openHarness();
    const { reservationId, scheduleId } = await paidBooking(h, 'fan', [5, 6]);
    const seat5: TicketRef = { reservationId, scheduleId, seatNumber: 5 };
    const seat6: TicketRef = { reservationId, scheduleId, seatNumber: 6 };
    const first = await h.engine.checkIn({ ticket: seat5 });
    const firstAt = first.ok ? first.value.checkedInAt : '';

    await h.reopen();
    const afterRestart = await h.engine.checkIn({ ticket: seat5 });
    const seat6First = await h.engine.checkIn({ ticket: seat6 });
    await h.crash();
    const afterCrash = await h.engine.checkIn({ ticket: seat6 });

    expect(!afterRestart.ok && afterRestart.error).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { checkedInAt: firstAt } });
    expect(seat6First.ok).toBe(true);
    expect(!afterCrash.ok && afterCrash.error).toMatchObject({ code: 'TICKET_ALREADY_USED', details: { checkedInAt: seat6First.ok ? seat6First.value.checkedInAt : '' } });
    const listed = h.engine.listTickets('fan', reservationId);
    expect(listed.ok && listed.value.tickets.map((t) => t.checkedInAt !== null)).toEqual([true, true]);
  });
});
