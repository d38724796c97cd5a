/**
 * Presales and holdbacks. A schedule may open to holders of a presale code before its general sale:
 * between `presaleOpensAtMs` and `bookingOpensAtMs` a hold needs a code of the schedule with a use left.
 * Seats may also be held back for a channel (press, sponsors, a fan club): the public neither sees nor
 * buys them; a code of that channel does, in the presale and in the general sale, until the organiser
 * releases the channel's seats to the public. Each hold a code makes takes one use, and a hold that ends
 * unpaid (expired, cancelled) gives it back, so a single-use code buys once however often its holder lets
 * a hold run out. In the general sale a code without a channel is neither needed nor counted. Pure
 * decisions: no I/O, no clock.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';
import type { ScheduleEvent, ScheduleState } from './schedule.js';

export interface PresaleCode {
  readonly code: string;
  readonly maxUses: number;
  /** Holds and bookings made with it that still count (HELD or paid). */
  used: number;
  readonly createdAtMs: number;
  /** The holdback channel whose seats it opens (null: it opens the presale only). */
  readonly channel: string | null;
}

/** A channel's name: short, lower case, as an organiser names it (press, sponsors, fan-club). */
export const CHANNEL_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** The channels that hold seats back now. */
export function heldBackChannels(state: ScheduleState): Set<string> {
  return new Set(state.heldBack.values());
}

/** What a code looks like: what a fan types from an e-mail, so letters, digits and dashes, case-insensitive. */
export const PRESALE_CODE_PATTERN = /^[A-Z0-9-]{4,32}$/;

/** The form a code is kept and compared in. */
export function normalizePresaleCode(code: string): string {
  return code.trim().toUpperCase();
}

export function isPresaleWindow(state: ScheduleState, nowMs: number): boolean {
  return state.presaleOpensAtMs !== null && nowMs >= state.presaleOpensAtMs && nowMs < state.bookingOpensAtMs && nowMs < state.startsAtMs;
}

export interface CreateCodeRequest { code: string; maxUses: number; nowMs: number; maxCodes: number; channel?: string }

export function decideCreatePresaleCode(state: ScheduleState, request: CreateCodeRequest): Result<ScheduleEvent[]> {
  if (state.cancellation !== null) return fail('SCHEDULE_CANCELLED', { scheduleId: state.scheduleId, cancelledAt: new Date(state.cancellation.cancelledAtMs).toISOString() });
  const code = normalizePresaleCode(request.code);
  if (!PRESALE_CODE_PATTERN.test(code)) return fail('VALIDATION_ERROR', { field: 'code', problem: '4 to 32 letters, digits or dashes' });
  if (state.presaleCodes.has(code)) return fail('PRESALE_CODE_EXISTS', { code });
  if (state.presaleCodes.size >= request.maxCodes) return fail('VALIDATION_ERROR', { field: 'code', problem: `a schedule has at most ${request.maxCodes} presale codes` });
  const { channel } = request;
  if (channel !== undefined && !heldBackChannels(state).has(channel)) return fail('HOLDBACK_NOT_FOUND', { scheduleId: state.scheduleId, channel });
  return ok([{ type: 'presale.code_created', scheduleId: state.scheduleId, code, maxUses: request.maxUses, atMs: request.nowMs, ...(channel === undefined ? {} : { channel }) }]);
}

/**
 * The code a hold takes a use of, or null when it takes none. In the presale window a code is required: a
 * missing or unknown one is PRESALE_CODE_INVALID, one with no use left PRESALE_CODE_USED_UP. In the general
 * sale a code counts only when the hold asks for seats its channel holds back (it opens them); any other
 * code, or a channel code used for public seats, is ignored and keeps its uses.
 */
export function presaleCodeForHold(state: ScheduleState, presaleCode: string | undefined, nowMs: number, seatNumbers: readonly number[]): Result<PresaleCode | null> {
  const code = presaleCode === undefined ? undefined : state.presaleCodes.get(normalizePresaleCode(presaleCode));
  if (!isPresaleWindow(state, nowMs)) {
    if (code === undefined || code.channel === null || !seatNumbers.some((n) => state.heldBack.get(n) === code.channel)) return ok(null);
    return code.used >= code.maxUses ? fail('PRESALE_CODE_USED_UP', { maxUses: code.maxUses }) : ok(code);
  }
  const details = { presaleOpensAt: new Date(state.presaleOpensAtMs ?? 0).toISOString(), bookingOpensAt: new Date(state.bookingOpensAtMs).toISOString() };
  if (presaleCode === undefined) return fail('PRESALE_CODE_INVALID', { ...details, reason: 'MISSING' });
  if (code === undefined) return fail('PRESALE_CODE_INVALID', { ...details, reason: 'UNKNOWN' });
  if (code.used >= code.maxUses) return fail('PRESALE_CODE_USED_UP', { maxUses: code.maxUses });
  return ok(code);
}

/** Held-back seats among these that the hold's code does not open, in request order. */
export function closedHeldBackSeats(state: ScheduleState, seatNumbers: readonly number[], code: PresaleCode | null): number[] {
  if (state.heldBack.size === 0) return [];
  return seatNumbers.filter((n) => {
    const channel = state.heldBack.get(n);
    return channel !== undefined && channel !== code?.channel;
  });
}

/** The organiser gives a channel's held-back seats to the public. HOLDBACK_NOT_FOUND when it holds none back. */
export function decideReleaseHoldback(state: ScheduleState, channel: string, nowMs: number): Result<ScheduleEvent[]> {
  if (!heldBackChannels(state).has(channel)) return fail('HOLDBACK_NOT_FOUND', { scheduleId: state.scheduleId, channel });
  return ok([{ type: 'holdback.released', scheduleId: state.scheduleId, channel, atMs: nowMs }]);
}
