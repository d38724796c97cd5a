/**
 * The HTTP ceiling: plain Fastify doing the same HTTP work as the real routes (same paths, headers,
 * bodies of the same shape and size, same logger and server settings from loadConfig) but without the
 * engine, JWT, queue gate, schemas or SQLite. Whatever the real server reaches as a fraction of this
 * is the cost of the product; the rest is Node + Fastify on this machine.
 *
 * Run: PORT=... node --import tsx bench/bare-server.ts
 */
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { loadConfig } from '../src/config.js';
import { httpServerOptions } from '../src/app.js';
import { createLogger } from '../src/logger.js';

const SEAT_COUNT = 50;

function grade(seatNumber: number): { grade: string; price: number } {
  if (seatNumber <= 10) return { grade: 'VIP', price: 200_000 };
  if (seatNumber <= 30) return { grade: 'R', price: 150_000 };
  return { grade: 'S', price: 100_000 };
}

/** A 50-seat seat map of the contract's shape, built once. */
const SEAT_MAP = {
  scheduleId: 'sch_bareBareBare12345',
  concertId: 'con_bareBareBare12345',
  startsAt: '2027-01-01T19:00:00.000Z',
  version: 42,
  seats: Array.from({ length: SEAT_COUNT }, (_, i) => ({ seatNumber: i + 1, ...grade(i + 1), status: i % 7 === 0 ? 'TEMP_RESERVED' : 'AVAILABLE' })),
};

const QUEUE_STATUS = {
  token: 'bareQueueToken0123456789',
  userId: 'bench-user-1',
  status: 'ACTIVE',
  position: 0,
  estimatedWaitSeconds: 0,
  issuedAt: '2027-01-01T18:00:00.000Z',
  expiresAt: '2027-01-01T18:10:00.000Z',
  soldOut: false,
};

interface HoldBody { scheduleId: string; seatNumbers: number[] }
interface Reservation {
  reservationId: string; userId: string; scheduleId: string; concertId: string;
  seats: Array<{ seatNumber: number; grade: string; price: number }>; totalPrice: number; status: string;
  heldAt: string; holdExpiresAt: string; paymentId?: string;
}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = Fastify({
    loggerInstance: createLogger(config),
    ...httpServerOptions(config),
  });
  const reservations = new Map<string, Reservation>();

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async () => ({ status: 'ready' }));

  app.get('/v1/schedules/:scheduleId/seats', async () => SEAT_MAP);

  app.get('/v1/queue/status', async (_request, reply) => {
    reply.header('X-Queue-Position', String(QUEUE_STATUS.position));
    return QUEUE_STATUS;
  });

  app.post<{ Body: HoldBody }>('/v1/reservations', async (request, reply) => {
    const nowMs = Date.now();
    const seats = request.body.seatNumbers.map((seatNumber) => ({ seatNumber, ...grade(seatNumber) }));
    const reservation: Reservation = {
      reservationId: `res_${randomBytes(12).toString('base64url')}`,
      userId: 'bench-user-1',
      scheduleId: request.body.scheduleId,
      concertId: SEAT_MAP.concertId,
      seats,
      totalPrice: seats.reduce((sum, seat) => sum + seat.price, 0),
      status: 'HELD',
      heldAt: new Date(nowMs).toISOString(),
      holdExpiresAt: new Date(nowMs + 300_000).toISOString(),
    };
    reservations.set(reservation.reservationId, reservation);
    reply.code(201);
    return reservation;
  });

  app.delete<{ Params: { reservationId: string } }>('/v1/reservations/:reservationId', async (request, reply) => {
    const reservation = reservations.get(request.params.reservationId);
    if (reservation === undefined) return reply.code(404).send({ statusCode: 404, code: 'RESERVATION_NOT_FOUND', error: 'Not Found', message: 'No such reservation' });
    reservations.delete(reservation.reservationId);
    return { ...reservation, status: 'CANCELLED' };
  });

  app.post<{ Body: { reservationId: string } }>('/v1/payments', async (request, reply) => {
    const reservation = reservations.get(request.body.reservationId);
    if (reservation === undefined) return reply.code(404).send({ statusCode: 404, code: 'RESERVATION_NOT_FOUND', error: 'Not Found', message: 'No such reservation' });
    reservations.delete(reservation.reservationId);
    const nowMs = Date.now();
    reply.code(201);
    return {
      paymentId: `pay_${randomBytes(12).toString('base64url')}`, reservationId: reservation.reservationId, userId: reservation.userId,
      amount: reservation.totalPrice, status: 'COMPLETED', paidAt: new Date(nowMs).toISOString(),
      balanceBefore: 1_000_000, balanceAfter: 1_000_000 - reservation.totalPrice, seats: reservation.seats, queueTokenExpired: true,
    };
  });

  const shutdown = (): void => {
    void app.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  await app.listen({ port: config.port, host: config.host });
}

main().catch((error: unknown) => {
  process.stderr.write(`bare server failed: ${String(error)}\n`);
  process.exit(1);
});
