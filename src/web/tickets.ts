/**
 * The confirmation's tickets: one QR code per seat, each holding the seat's signed ticket code, for the
 * door to scan. The SVG comes from the `qrcode` library and goes in as an image (a data: URL, which the
 * page's CSP allows for images), never as markup.
 */
import QRCode from 'qrcode';
import { byId, el, replaceChildren } from './dom.js';
import type { PageContext } from './context.js';

interface TicketBody { ticketId: string; seatNumber: number; grade: string; label?: string; code: string }
interface TicketsBody { tickets: TicketBody[] }

async function ticketFigure(ticket: TicketBody): Promise<HTMLElement> {
  const svg = await QRCode.toString(ticket.code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  const image = el('img', {
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
    alt: `Ticket QR code for ${ticket.label ?? `seat ${ticket.seatNumber}`}`,
    width: 192, height: 192,
    'data-ticket-code': ticket.code,
  });
  return el('figure', { class: 'ticket', 'data-ticket-id': ticket.ticketId }, image, el('figcaption', {}, `${ticket.label ?? `Seat ${ticket.seatNumber}`} (${ticket.grade})`));
}

/** Shows the tickets of a paid reservation; a failure to load them leaves a line saying where to find them. */
export async function renderTickets(context: PageContext, reservationId: string): Promise<void> {
  const container = byId('tickets');
  replaceChildren(container, el('p', { class: 'hint' }, 'Loading your tickets…'));
  try {
    const body = await context.api.request<TicketsBody>('GET', `/v1/reservations/${encodeURIComponent(reservationId)}/tickets`);
    replaceChildren(container, ...await Promise.all(body.tickets.map(ticketFigure)));
  } catch {
    replaceChildren(container, el('p', { class: 'hint' }, `Your tickets could not be shown just now. They stay available from your reservation ${reservationId}.`));
  }
}
