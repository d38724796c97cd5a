/**
 * Admin input for a concert, checked before anything changes: valid instants, a booking window that
 * opens before the show, and grades that cover every seat exactly once.
 */
import { DEMO_SEAT_MAP } from '../domain/demo-catalogue.js';
import { fail, ok, type Result } from '../domain/error-codes.js';
import { DEFAULT_REFUND_CUTOFF_MS, type HoldbackInput } from '../machines/schedule.js';
import { CHANNEL_PATTERN } from '../machines/presale.js';
import type { CreateConcertInput, GradeInput } from '../domain/views.js';
import type { VenuePlan } from '../venues/venue-plan.js';

export const MAX_SEATS_PER_SCHEDULE = 500;
export const MAX_SCHEDULES_PER_CONCERT = 100;

export const MAX_REFUND_CUTOFF_HOURS = 8_760;
const HOUR_MS = 3_600_000;

export const MAX_HOLDBACK_CHANNELS = 20;

export interface ValidSchedule { plan: VenuePlan | null; holdbacks: HoldbackInput[]; startsAtMs: number; bookingOpensAtMs: number; presaleOpensAtMs: number | null; refundCutoffMs: number; maxSeatsPerFan: number | null; seatCount: number; grades: GradeInput[] }

function invalid<T>(field: string, problem: string): Result<T> {
  return fail('VALIDATION_ERROR', { field, problem });
}

function parseInstant(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

export function validateGrades(seatCount: number, grades: readonly GradeInput[], field: string): Result<GradeInput[]> {
  if (!Number.isInteger(seatCount) || seatCount < 1 || seatCount > MAX_SEATS_PER_SCHEDULE) {
    return invalid(`${field}.seatCount`, `must be an integer from 1 to ${MAX_SEATS_PER_SCHEDULE}`);
  }
  if (grades.length === 0) return invalid(`${field}.grades`, 'at least one grade is required');
  const coveredBy = new Array<string | undefined>(seatCount + 1);
  for (const [index, grade] of grades.entries()) {
    const at = `${field}.grades[${index}]`;
    if (typeof grade.grade !== 'string' || grade.grade.trim() === '') return invalid(`${at}.grade`, 'must be a non-empty name');
    if (!Number.isSafeInteger(grade.price) || grade.price < 0) return invalid(`${at}.price`, 'must be a non-negative integer');
    if (!Number.isInteger(grade.from) || !Number.isInteger(grade.to) || grade.from < 1 || grade.to > seatCount || grade.from > grade.to) {
      return invalid(at, `from..to must lie within 1..${seatCount} with from <= to`);
    }
    for (let seat = grade.from; seat <= grade.to; seat++) {
      if (coveredBy[seat] !== undefined) return invalid(at, `seat ${seat} is already covered by grade ${coveredBy[seat]}`);
      coveredBy[seat] = grade.grade;
    }
  }
  for (let seat = 1; seat <= seatCount; seat++) {
    if (coveredBy[seat] === undefined) return invalid(`${field}.grades`, `seat ${seat} is not covered by any grade`);
  }
  return ok(grades.map((g) => ({ grade: g.grade, from: g.from, to: g.to, price: g.price })));
}

/**
 * Channels named once, each with distinct seats of the map, no seat in two channels. In a venue layout
 * only its seats can be held back (not standing places, not seats it blocks).
 */
function validateHoldbacks(holdbacks: readonly HoldbackInput[], seatCount: number, field: string, plan: VenuePlan | null): Result<HoldbackInput[]> {
  if (holdbacks.length > MAX_HOLDBACK_CHANNELS) return invalid(field, `at most ${MAX_HOLDBACK_CHANNELS} channels`);
  const channelOf = new Map<number, string>();
  const channels = new Set<string>();
  for (const [index, { channel, seatNumbers }] of holdbacks.entries()) {
    const at = `${field}[${index}]`;
    if (typeof channel !== 'string' || !CHANNEL_PATTERN.test(channel)) return invalid(`${at}.channel`, 'must be 1 to 32 lower-case letters, digits or dashes');
    if (channels.has(channel)) return invalid(`${at}.channel`, `channel ${channel} is named twice`);
    channels.add(channel);
    if (!Array.isArray(seatNumbers) || seatNumbers.length === 0) return invalid(`${at}.seatNumbers`, 'at least one seat is required');
    for (const n of seatNumbers) {
      if (!Number.isInteger(n) || n < 1 || n > seatCount) return invalid(`${at}.seatNumbers`, `seat ${n} is not within 1..${seatCount}`);
      if (plan !== null && (!plan.isSeat(n) || plan.isBlocked(n))) return invalid(`${at}.seatNumbers`, `seat ${n} is a standing place or blocked in the layout`);
      const other = channelOf.get(n);
      if (other !== undefined) return invalid(`${at}.seatNumbers`, `seat ${n} is already held back for ${other}`);
      channelOf.set(n, channel);
    }
  }
  return ok(holdbacks.map(({ channel, seatNumbers }) => ({ channel, seatNumbers: [...seatNumbers] })));
}

/** `planOf` finds an imported layout by id (undefined: no such layout). */
export function validateConcert(input: CreateConcertInput, nowMs: number, planOf: (layoutId: string) => VenuePlan | undefined): Result<ValidSchedule[]> {
  if (typeof input.title !== 'string' || input.title.trim() === '') return invalid('title', 'must be a non-empty string');
  if (typeof input.venue !== 'string' || input.venue.trim() === '') return invalid('venue', 'must be a non-empty string');
  if (!Array.isArray(input.schedules) || input.schedules.length === 0 || input.schedules.length > MAX_SCHEDULES_PER_CONCERT) {
    return invalid('schedules', `between 1 and ${MAX_SCHEDULES_PER_CONCERT} schedules are required`);
  }
  const schedules: ValidSchedule[] = [];
  for (const [index, schedule] of input.schedules.entries()) {
    const field = `schedules[${index}]`;
    const startsAtMs = parseInstant(schedule.startsAt);
    if (startsAtMs === null) return invalid(`${field}.startsAt`, 'must be an ISO 8601 instant');
    const bookingOpensAtMs = schedule.bookingOpensAt === undefined ? Math.min(nowMs, startsAtMs) : parseInstant(schedule.bookingOpensAt);
    if (bookingOpensAtMs === null) return invalid(`${field}.bookingOpensAt`, 'must be an ISO 8601 instant');
    if (bookingOpensAtMs > startsAtMs) return invalid(`${field}.bookingOpensAt`, 'must not be after startsAt');
    const presaleOpensAtMs = schedule.presaleOpensAt === undefined ? null : parseInstant(schedule.presaleOpensAt);
    if (schedule.presaleOpensAt !== undefined && presaleOpensAtMs === null) return invalid(`${field}.presaleOpensAt`, 'must be an ISO 8601 instant');
    if (presaleOpensAtMs !== null && presaleOpensAtMs >= bookingOpensAtMs) return invalid(`${field}.presaleOpensAt`, 'must be before bookingOpensAt (the general sale)');
    const cutoffHours = schedule.refundCutoffHours;
    if (cutoffHours !== undefined && (!Number.isInteger(cutoffHours) || cutoffHours < 0 || cutoffHours > MAX_REFUND_CUTOFF_HOURS)) {
      return invalid(`${field}.refundCutoffHours`, `must be an integer from 0 to ${MAX_REFUND_CUTOFF_HOURS}`);
    }
    const refundCutoffMs = cutoffHours === undefined ? DEFAULT_REFUND_CUTOFF_MS : cutoffHours * HOUR_MS;
    const cap = schedule.maxSeatsPerFan;
    if (cap !== undefined && (!Number.isInteger(cap) || cap < 1 || cap > MAX_SEATS_PER_SCHEDULE)) {
      return invalid(`${field}.maxSeatsPerFan`, `must be an integer from 1 to ${MAX_SEATS_PER_SCHEDULE}`);
    }
    let plan: VenuePlan | null = null;
    let seatCount: number;
    let grades: GradeInput[] = [];
    if (schedule.layoutId !== undefined) {
      if (schedule.seatMap !== undefined) return invalid(`${field}.layoutId`, 'give seatMap or layoutId, not both');
      plan = planOf(schedule.layoutId) ?? null;
      if (plan === null) return fail('LAYOUT_NOT_FOUND', { layoutId: schedule.layoutId, field: `${field}.layoutId` });
      seatCount = plan.seatCount;
    } else {
      const seatMap = schedule.seatMap ?? DEMO_SEAT_MAP;
      const valid = validateGrades(seatMap.seatCount, seatMap.grades ?? [], `${field}.seatMap`);
      if (!valid.ok) return valid;
      seatCount = seatMap.seatCount;
      grades = valid.value;
    }
    const holdbacks = validateHoldbacks(schedule.holdbacks ?? [], seatCount, `${field}.holdbacks`, plan);
    if (!holdbacks.ok) return holdbacks;
    schedules.push({ plan, holdbacks: holdbacks.value, startsAtMs, bookingOpensAtMs, presaleOpensAtMs, refundCutoffMs, maxSeatsPerFan: cap ?? null, seatCount, grades });
  }
  return ok(schedules);
}
