/**
 * Serialised seat-map bodies, reused while the engine's seat map is unchanged.
 *
 * A seat map is read far more often than it changes, and serialising a few dozen seats is the largest
 * cost of a seat-map read after the socket write. The engine builds its seat views once per schedule
 * version and hands the same (never mutated) objects to every reader, so a body serialised from those
 * objects stays right for as long as the engine keeps handing them out: a new version brings new
 * objects, and the next read serialises again. The check compares the view itself (its version and the
 * identity of every seat it lists), not a clock or a notification, so a stale body cannot be served.
 */
import type { SeatMapView, SeatStatus, SeatView } from '../domain/views.js';

/** Every seat, or only the seats in one status (the `status` query filter). */
export type SeatMapFilter = SeatStatus | 'ALL';

/** Bounds the memory held by bodies: entries of the least recently serialised schedules go first. */
export const SEAT_MAP_BODY_CACHE_MAX_BYTES = 32 * 1024 * 1024;

interface CachedBody {
  readonly version: number;
  readonly concertId: string;
  readonly startsAt: string;
  readonly seats: readonly SeatView[];
  readonly body: Buffer;
}

type ScheduleBodies = Partial<Record<SeatMapFilter, CachedBody>>;

function asBuffer(serialized: string | Buffer | ArrayBuffer): Buffer {
  if (typeof serialized === 'string') return Buffer.from(serialized, 'utf8');
  return Buffer.isBuffer(serialized) ? serialized : Buffer.from(serialized);
}

function sameSeats(cached: readonly SeatView[], current: readonly SeatView[]): boolean {
  if (cached === current) return true;
  if (cached.length !== current.length) return false;
  // A filtered list is a new array each read, but of the same per-version seat objects.
  for (let i = 0; i < cached.length; i++) if (cached[i] !== current[i]) return false;
  return true;
}

function describes(cached: CachedBody, view: SeatMapView): boolean {
  return cached.version === view.version
    && cached.concertId === view.concertId
    && cached.startsAt === view.startsAt
    && sameSeats(cached.seats, view.seats);
}

export class SeatMapBodies {
  /** By schedule id, in order of the last serialisation (oldest first), for eviction. */
  private readonly schedules = new Map<string, ScheduleBodies>();
  private bytes = 0;

  constructor(private readonly maxBytes: number = SEAT_MAP_BODY_CACHE_MAX_BYTES) {}

  /** The JSON body of `view` (filtered by `filter`), serialised by `serialize` only when it is not cached yet. */
  body(view: SeatMapView, filter: SeatMapFilter, serialize: (view: SeatMapView) => string | Buffer | ArrayBuffer): Buffer {
    const bodies = this.schedules.get(view.scheduleId);
    const cached = bodies?.[filter];
    if (cached !== undefined && describes(cached, view)) return cached.body;

    const body = asBuffer(serialize(view));
    const fresh: CachedBody = { version: view.version, concertId: view.concertId, startsAt: view.startsAt, seats: view.seats, body };
    const entry: ScheduleBodies = bodies ?? {};
    this.bytes += body.length - (cached?.body.length ?? 0);
    entry[filter] = fresh;
    // Re-inserting moves the schedule to the young end of the eviction order.
    this.schedules.delete(view.scheduleId);
    this.schedules.set(view.scheduleId, entry);
    this.evictBeyondBudget(view.scheduleId);
    return body;
  }

  /** Bytes of bodies held. */
  get size(): number {
    return this.bytes;
  }

  private evictBeyondBudget(keep: string): void {
    for (const [scheduleId, bodies] of this.schedules) {
      if (this.bytes <= this.maxBytes) return;
      if (scheduleId === keep) continue;
      for (const cached of Object.values(bodies)) this.bytes -= cached.body.length;
      this.schedules.delete(scheduleId);
    }
  }
}
