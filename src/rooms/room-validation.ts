/**
 * What an organiser may ask of a room: checked before anything is decided, each problem named (the API's
 * schemas say the same, this is the engine's own guard for library callers and the cluster log).
 */
import type { CreateRoomInput } from '../domain/views.js';

export const MAX_ROOM_SCHEDULES = 50;
export const MAX_ROOM_NAME = 200;
export const MAX_ADMISSION_RATE_PER_MINUTE = 1_000_000;
export const MAX_ROOM_ACTIVE = 1_000_000;

export type RoomInputProblem = { field: string; problem: string };

export function validateRoomInput(input: CreateRoomInput): RoomInputProblem | null {
  if (typeof input.name !== 'string' || input.name.trim() === '' || input.name.length > MAX_ROOM_NAME) return { field: 'name', problem: `1 to ${MAX_ROOM_NAME} characters` };
  if (!Array.isArray(input.scheduleIds) || input.scheduleIds.length === 0 || input.scheduleIds.length > MAX_ROOM_SCHEDULES) {
    return { field: 'scheduleIds', problem: `1 to ${MAX_ROOM_SCHEDULES} schedules` };
  }
  if (new Set(input.scheduleIds).size !== input.scheduleIds.length || input.scheduleIds.some((id) => typeof id !== 'string')) {
    return { field: 'scheduleIds', problem: 'each schedule once' };
  }
  if (!Number.isSafeInteger(input.opensAtMs) || input.opensAtMs < 0) return { field: 'opensAt', problem: 'a date-time' };
  // No cap given: the engine's default, valid by construction.
  return validateRoomLimits(input.admissionRatePerMinute ?? null, input.maxActive ?? 1);
}

export function validateRoomLimits(ratePerMinute: number | null, maxActive: number): RoomInputProblem | null {
  if (ratePerMinute !== null && !(Number.isSafeInteger(ratePerMinute) && ratePerMinute >= 1 && ratePerMinute <= MAX_ADMISSION_RATE_PER_MINUTE)) {
    return { field: 'admissionRatePerMinute', problem: `an integer from 1 to ${MAX_ADMISSION_RATE_PER_MINUTE}, or null` };
  }
  if (!(Number.isSafeInteger(maxActive) && maxActive >= 1 && maxActive <= MAX_ROOM_ACTIVE)) return { field: 'maxActive', problem: `an integer from 1 to ${MAX_ROOM_ACTIVE}` };
  return null;
}
