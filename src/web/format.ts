/** How numbers and times read on the page. */
import type { Outlook } from '../machines/odds.js';

const wonFormat = new Intl.NumberFormat('en-US');

export function formatWon(amount: number): string {
  return `₩${wonFormat.format(amount)}`;
}

/** For aria-labels: screen readers read "150,000 won" better than a currency sign. */
export function spokenWon(amount: number): string {
  return `${wonFormat.format(amount)} won`;
}

/** "4:05" for a countdown; never negative. */
export function formatCountdown(remainingMs: number): string {
  const totalSeconds = Math.max(0, Math.ceil(remainingMs / 1000));
  const minutes = Math.floor(totalSeconds / 60);
  const seconds = totalSeconds % 60;
  return `${minutes}:${String(seconds).padStart(2, '0')}`;
}

/** "01:30" (mm:ss, or hh:mm:ss from an hour on) until a room opens; never negative. */
export function formatOpeningCountdown(remainingMs: number): string {
  const totalSeconds = Math.max(0, Math.ceil(remainingMs / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = String(totalSeconds % 60).padStart(2, '0');
  const mmss = `${String(minutes).padStart(2, '0')}:${seconds}`;
  return hours > 0 ? `${String(hours).padStart(2, '0')}:${mmss}` : mmss;
}

/** "about 1 min 20 s" for an estimated wait. */
export function formatWait(seconds: number): string {
  if (seconds <= 0) return 'any moment now';
  if (seconds < 60) return `about ${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  return rest === 0 ? `about ${minutes} min` : `about ${minutes} min ${rest} s`;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'short', year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit',
});

export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

export function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function listSeats(seatNumbers: readonly number[]): string {
  return [...seatNumbers].sort((a, b) => a - b).join(', ');
}

/** Tells the fan plainly whether the seats left can still reach them (see src/machines/odds.ts). */
export function outlookSentence(status: { outlook: Outlook; seatsRemaining: number }): string {
  const seats = plural(status.seatsRemaining, 'seat', 'seats');
  switch (status.outlook) {
    case 'LIKELY': return `${seats} left: enough for everyone ahead of you.`;
    case 'UNCERTAIN': return `${seats} left: whether one reaches you depends on how many the people ahead buy.`;
    case 'UNLIKELY': return `Only ${seats} left for many more people ahead of you: you may well miss out.`;
    case 'SOLD_OUT': return 'No seats are left right now.';
  }
}

/** How a seat is named to the fan: its venue label ("S9-1-24", or a standing area's id) or its number. */
export function seatName(seat: { seatNumber: number; label?: string }): string {
  return seat.label ?? `Seat ${seat.seatNumber}`;
}
