/**
 * A sale's own waiting room, joined from the sale's link (?room=<roomId>). Before the opening the fan waits in
 * its pre-queue: no place yet, a countdown to the opening on the server's clock, how many have joined, and the
 * room's commitment to its draw (the hash of a seed revealed at the opening, so anyone can check the order).
 * Once it has opened the page asks once for the fan's signed receipt of their drawn place and keeps it.
 */
import { ApiFailure } from './api-client.js';
import type { PageContext } from './context.js';
import { byId, setText } from './dom.js';
import { formatOpeningCountdown, plural } from './format.js';
import type { SavedReceipt } from './session.js';
import type { QueueStatusView, RoomView } from '../domain/views.js';

/** The countdown is redrawn this often, so every second shows even when the browser's timers drift. */
const COUNTDOWN_REDRAW_MS = 250;
/** The room's figures (fans joined so far) are read again at most this often while in the pre-queue. */
const ROOM_REFRESH_INTERVAL_MS = 10_000;
/** Hex characters of the commitment shown; the whole of it is in the element's title. */
const COMMITMENT_SHOWN_CHARS = 12;

interface ReceiptResponse { receipt: string; roomId: string; entrantId: string; place: number; publicKey: string }

/** The room of the sale's link, or null: the default line. */
export function roomIdFromUrl(search: string = window.location.search): string | null {
  const roomId = new URLSearchParams(search).get('room')?.trim() ?? '';
  return roomId === '' ? null : roomId;
}

export class SaleRoom {
  private countdownTimer: number | undefined;
  private opensAt: string | null = null;
  private countdownText = '';
  private clockSeeded = false;
  private roomReadAtMs = Number.NEGATIVE_INFINITY;
  private receiptAskedFor: string | null = null;

  constructor(private readonly context: PageContext, readonly roomId: string) {
    byId('room-receipt-copy').addEventListener('click', () => void this.copyReceipt());
  }

  /** Every status of this room's token: the pre-queue's countdown before the opening, the receipt after it. */
  update(status: QueueStatusView): void {
    if (status.status === 'PRE_QUEUE') {
      this.showPreQueue(status);
      return;
    }
    this.hidePreQueue();
    if (status.entrantId !== null && this.receiptAskedFor !== status.entrantId) {
      this.receiptAskedFor = status.entrantId;
      void this.loadReceipt(status.entrantId);
    }
  }

  hidePreQueue(): void {
    window.clearInterval(this.countdownTimer);
    this.countdownTimer = undefined;
    this.opensAt = null;
    byId('room-pre-queue').hidden = true;
  }

  /** Signed out: nothing of this fan stays on the page. */
  reset(): void {
    this.hidePreQueue();
    this.receiptAskedFor = null;
    byId('room-receipt').hidden = true;
    setText('room-receipt-text', '');
    setText('room-receipt-copied', '');
  }

  private showPreQueue(status: QueueStatusView): void {
    byId('room-pre-queue').hidden = false;
    if (status.opensAt !== null) {
      this.opensAt = status.opensAt;
      // Until the socket's serverTime arrives: the seconds to the opening are rounded up, so this is a lower
      // bound of the server's now, which is what the clock's samples are (it keeps the largest).
      if (!this.clockSeeded) this.context.clock.observe(Date.parse(status.opensAt) - status.opensInSeconds * 1000);
      this.clockSeeded = true;
    }
    this.drawCountdown();
    this.countdownTimer ??= window.setInterval(() => this.drawCountdown(), COUNTDOWN_REDRAW_MS);
    if (Date.now() - this.roomReadAtMs >= ROOM_REFRESH_INTERVAL_MS) void this.readRoom();
  }

  /** Ticks on the page's server clock, not on pushes: the countdown moves every second by itself. */
  private drawCountdown(): void {
    if (this.opensAt === null) return;
    const remainingMs = this.context.clock.remainingMs(this.opensAt);
    const text = formatOpeningCountdown(remainingMs);
    if (text === this.countdownText) return;
    this.countdownText = text;
    setText('room-countdown', text);
    setText('room-countdown-label', remainingMs > 0 ? 'The sale opens in' : 'Opening now…');
  }

  /** The room's name, commitment and entrants; extras, so a failure leaves the countdown and the line as they are. */
  private async readRoom(): Promise<RoomView | null> {
    this.roomReadAtMs = Date.now();
    try {
      const room = await this.context.api.request<RoomView>('GET', `/v1/rooms/${encodeURIComponent(this.roomId)}`, { anonymous: true });
      setText('room-name', room.name);
      const commitment = byId('room-commitment');
      commitment.textContent = `${room.commitment.slice(0, COMMITMENT_SHOWN_CHARS)}…`;
      commitment.title = room.commitment;
      setText('room-entrants', room.state === 'PRE_QUEUE' ? `${plural(room.entrants, 'fan has', 'fans have')} joined so far.` : '');
      return room;
    } catch {
      return null;
    }
  }

  private async loadReceipt(entrantId: string): Promise<void> {
    const saved = this.context.session()?.roomReceipt;
    if (saved?.roomId === this.roomId && saved.entrantId === entrantId) {
      this.showReceipt(saved);
      return;
    }
    try {
      const [got, room] = await Promise.all([
        this.context.api.request<ReceiptResponse>('GET', '/v1/queue/receipt', { queueGated: true }),
        this.readRoom(),
      ]);
      const receipt: SavedReceipt = { roomId: got.roomId, entrantId: got.entrantId, place: got.place, entrants: room?.entrants ?? null, receipt: got.receipt };
      this.context.updateSession({ roomReceipt: receipt });
      this.showReceipt(receipt);
    } catch (error) {
      // A fan who joined after the opening had no place drawn, so has no receipt: nothing to show. Anything
      // else is asked again at the next status; the receipt is a record, not a step of the journey.
      if (!(error instanceof ApiFailure && error.code === 'RECEIPT_NOT_AVAILABLE')) this.receiptAskedFor = null;
    }
  }

  private showReceipt(saved: SavedReceipt): void {
    const of = saved.entrants === null ? '' : ` of ${saved.entrants}`;
    setText('room-receipt-place', `Drawn place ${saved.place}${of} — receipt saved`);
    setText('room-receipt-text', saved.receipt);
    byId('room-receipt').hidden = false;
  }

  private async copyReceipt(): Promise<void> {
    const code = byId('room-receipt-text');
    try {
      await navigator.clipboard.writeText(code.textContent ?? '');
      setText('room-receipt-copied', 'Copied.');
    } catch {
      // No clipboard (a page on plain http, or permission refused): select it for the fan to copy.
      const range = document.createRange();
      range.selectNodeContents(code);
      window.getSelection()?.removeAllRanges();
      window.getSelection()?.addRange(range);
      setText('room-receipt-copied', 'Selected: copy it with Ctrl+C (⌘C on a Mac).');
    }
  }
}
