/**
 * Presales: a schedule may open to holders of a presale code before its general sale. Between
 * `presaleOpensAtMs` and `bookingOpensAtMs` a hold needs a code of the schedule with a use left; each hold
 * made with a code takes one use, and a hold that ends unpaid (expired, cancelled) gives it back, so a
 * single-use code buys once however often its holder lets a hold run out. From the general sale on,
 * codes are not needed and not counted. Pure decisions: no I/O, no clock.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';
import type { ScheduleEvent, ScheduleState } from './schedule.js';

export interface PresaleCode {
  readonly code: string;
  readonly maxUses: number;
  /** Holds and bookings made with it that still count (HELD or paid). */
  used: number;
  readonly createdAtMs: number;
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

export interface CreateCodeRequest { code: string; maxUses: number; nowMs: number; maxCodes: number }

export function decideCreatePresaleCode(state: ScheduleState, request: CreateCodeRequest): Result<ScheduleEvent[]> {
  if (state.cancellation !== null) return fail('SCHEDULE_CANCELLED', { scheduleId: state.scheduleId, cancelledAt: new Date(state.cancellation.cancelledAtMs).toISOString() });
  const code = normalizePresaleCode(request.code);
  if (!PRESALE_CODE_PATTERN.test(code)) return fail('VALIDATION_ERROR', { field: 'code', problem: '4 to 32 letters, digits or dashes' });
  if (state.presaleCodes.has(code)) return fail('PRESALE_CODE_EXISTS', { code });
  if (state.presaleCodes.size >= request.maxCodes) return fail('VALIDATION_ERROR', { field: 'code', problem: `a schedule has at most ${request.maxCodes} presale codes` });
  return ok([{ type: 'presale.code_created', scheduleId: state.scheduleId, code, maxUses: request.maxUses, atMs: request.nowMs }]);
}

/**
 * The code a hold takes a use of: null outside the presale window (none needed, none counted). In it, a
 * missing or unknown code is PRESALE_CODE_INVALID and one with no use left PRESALE_CODE_USED_UP.
 */
export function presaleCodeForHold(state: ScheduleState, presaleCode: string | undefined, nowMs: number): Result<string | null> {
  if (!isPresaleWindow(state, nowMs)) return ok(null);
  const details = { presaleOpensAt: new Date(state.presaleOpensAtMs ?? 0).toISOString(), bookingOpensAt: new Date(state.bookingOpensAtMs).toISOString() };
  if (presaleCode === undefined) return fail('PRESALE_CODE_INVALID', { ...details, reason: 'MISSING' });
  const code = state.presaleCodes.get(normalizePresaleCode(presaleCode));
  if (code === undefined) return fail('PRESALE_CODE_INVALID', { ...details, reason: 'UNKNOWN' });
  if (code.used >= code.maxUses) return fail('PRESALE_CODE_USED_UP', { maxUses: code.maxUses });
  return ok(code.code);
}
