/**
 * validateLayout: an imported layout (layout-format.ts) becomes a normalized VenueLayout, or a list of
 * errors and nothing else. Nothing is allocated per seat until the whole structure has been checked.
 */
import type { GeneralAdmissionJson, RowJson } from './layout-format.js';
import { LAYOUT_LIMITS } from './layout-format.js';
import { LAYOUT_ERRORS_MAX, type LayoutError, type LayoutErrorCode } from './layout-errors.js';
import { labelOf, SEAT_FLAG, type Category, type GeneralAdmissionArea, type Row, type Section, type VenueLayout } from './layout-model.js';

export type LayoutResult = { ok: true; layout: VenueLayout } | { ok: false; errors: LayoutError[] };

type Obj = Record<string, unknown>;

/** One row after its checks: seat numbers ascending and the flag bits per seat. */
interface RowPlan {
  sectionIndex: number;
  label: string;
  depth: number;
  categoryIndex: number;
  numbers: number[];
  flags: Uint8Array;
}

class Errors {
  readonly list: LayoutError[] = [];
  add(path: string, code: LayoutErrorCode, message: string): void {
    if (this.list.length < LAYOUT_ERRORS_MAX) this.list.push({ path, code, message });
  }
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, min: number, max: number): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

function text(o: Obj, key: string, path: string, errors: Errors, allowEmpty = false): string | undefined {
  const v = o[key];
  if (typeof v !== 'string') { errors.add(`${path}.${key}`, 'INVALID_TYPE', `${key} must be a string`); return undefined; }
  if ((!allowEmpty && v === '') || v.length > LAYOUT_LIMITS.labelLengthMax) {
    errors.add(`${path}.${key}`, 'INVALID_VALUE', `${key} must have 1..${LAYOUT_LIMITS.labelLengthMax} characters`);
    return undefined;
  }
  return v;
}

function list(o: Obj, key: string, path: string, errors: Errors, max: number, optional = false): unknown[] | undefined {
  const v = o[key];
  if (v === undefined && optional) return [];
  if (!Array.isArray(v)) { errors.add(`${path}.${key}`, 'INVALID_TYPE', `${key} must be an array`); return undefined; }
  if (v.length > max) { errors.add(`${path}.${key}`, 'TOO_MANY_ITEMS', `${key} has more than ${max} items`); return undefined; }
  return v;
}

export function validateLayout(json: unknown): LayoutResult {
  const errors = new Errors();
  if (!isObj(json)) return { ok: false, errors: [{ path: '$', code: 'INVALID_TYPE', message: 'a layout is a JSON object' }] };
  const name = typeof json.name === 'string' && json.name !== '' ? json.name : (errors.add('$.name', 'INVALID_TYPE', 'name must be a non-empty string'), '');
  const version = isInt(json.version, 1, Number.MAX_SAFE_INTEGER) ? json.version : (errors.add('$.version', 'INVALID_VALUE', 'version must be a positive integer'), 0);
  const categories = checkCategories(json, errors);
  const categoryIndex = new Map(categories.map((c, i) => [c.id, i]));
  const plans = checkSections(json, categoryIndex, errors);
  const generalAdmission = checkGeneralAdmission(json, categoryIndex, errors);
  if (errors.list.length > 0 || plans === undefined) return { ok: false, errors: errors.list };
  const seatTotal = plans.rows.reduce((sum, r) => sum + r.numbers.length, 0);
  if (seatTotal === 0 && generalAdmission.length === 0) return { ok: false, errors: [{ path: '$', code: 'NO_SEATS', message: 'a layout needs seats or a general-admission area' }] };
  checkLabels(plans, errors);
  if (errors.list.length > 0) return { ok: false, errors: errors.list };
  return { ok: true, layout: build(name, version, categories, plans, generalAdmission, seatTotal) };
}

function checkCategories(json: Obj, errors: Errors): Category[] {
  const raw = list(json, 'categories', '$', errors, LAYOUT_LIMITS.categoriesMax) ?? [];
  const out: Category[] = [];
  const ids = new Set<string>();
  const ranks = new Set<number>();
  raw.forEach((c, i) => {
    const path = `$.categories[${i}]`;
    if (!isObj(c)) { errors.add(path, 'INVALID_TYPE', 'a category is an object'); return; }
    const id = text(c, 'id', path, errors);
    const catName = text(c, 'name', path, errors);
    if (!isInt(c.priceWon, 0, LAYOUT_LIMITS.priceWonMax)) errors.add(`${path}.priceWon`, 'BAD_PRICE', `priceWon must be whole won in 0..${LAYOUT_LIMITS.priceWonMax}`);
    if (!isInt(c.rank, 1, LAYOUT_LIMITS.categoriesMax)) errors.add(`${path}.rank`, 'INVALID_VALUE', 'rank must be an integer from 1 (best)');
    else if (ranks.has(c.rank)) errors.add(`${path}.rank`, 'DUPLICATE_ID', `rank ${c.rank} is given twice`);
    else ranks.add(c.rank);
    if (id !== undefined && ids.has(id)) errors.add(`${path}.id`, 'DUPLICATE_ID', `category ${id} is defined twice`);
    if (id !== undefined) ids.add(id);
    // A category with a bad price is still known, so its seats are not also reported as UNKNOWN_CATEGORY;
    // the layout is refused anyway.
    if (id !== undefined) out.push({ id, name: catName ?? '', priceWon: Number(c.priceWon), rank: Number(c.rank) });
  });
  return out.sort((a, b) => a.rank - b.rank);
}

function categoryOf(v: unknown, path: string, categoryIndex: Map<string, number>, errors: Errors): number | undefined {
  if (typeof v !== 'string') { errors.add(path, 'INVALID_TYPE', 'category must be a string'); return undefined; }
  const index = categoryIndex.get(v);
  if (index === undefined) errors.add(path, 'UNKNOWN_CATEGORY', `category ${v} is not defined`);
  return index;
}

function checkSections(json: Obj, categoryIndex: Map<string, number>, errors: Errors): { sections: Section[]; rows: RowPlan[] } | undefined {
  const raw = list(json, 'sections', '$', errors, LAYOUT_LIMITS.sectionsMax);
  if (raw === undefined) return undefined;
  const sections: Section[] = [];
  const rows: RowPlan[] = [];
  const ids = new Set<string>();
  let seatTotal = 0;
  for (const [i, s] of raw.entries()) {
    const path = `$.sections[${i}]`;
    if (!isObj(s)) { errors.add(path, 'INVALID_TYPE', 'a section is an object'); continue; }
    const id = text(s, 'id', path, errors);
    const sectionName = text(s, 'name', path, errors);
    if (id !== undefined && ids.has(id)) errors.add(`${path}.id`, 'DUPLICATE_ID', `section ${id} is defined twice`);
    if (id !== undefined) ids.add(id);
    const sectionCategory = s.category === undefined ? undefined : categoryOf(s.category, `${path}.category`, categoryIndex, errors);
    const rawRows = list(s, 'rows', path, errors, LAYOUT_LIMITS.rowsMax);
    if (rawRows === undefined) continue;
    if (rawRows.length === 0) errors.add(`${path}.rows`, 'EMPTY_SECTION', `section ${id ?? i} has no rows`);
    const section: Section = { id: id ?? '', name: sectionName ?? '', firstRow: rows.length, rowCount: 0 };
    const labels = new Set<string>();
    for (const [r, row] of rawRows.entries()) {
      if (rows.length >= LAYOUT_LIMITS.rowsMax) { errors.add(`${path}.rows`, 'TOO_MANY_ITEMS', `a layout has at most ${LAYOUT_LIMITS.rowsMax} rows`); return undefined; }
      const plan = checkRow(row, `${path}.rows[${r}]`, sections.length, r, sectionCategory, categoryIndex, errors, labels);
      if (plan === undefined) continue;
      seatTotal += plan.numbers.length;
      if (seatTotal > LAYOUT_LIMITS.seatsMax) { errors.add(`${path}.rows[${r}]`, 'TOO_MANY_SEATS', `a layout has at most ${LAYOUT_LIMITS.seatsMax} seats`); return undefined; }
      rows.push(plan);
      section.rowCount += 1;
    }
    sections.push(section);
  }
  return { sections, rows };
}

function checkRow(
  row: unknown, path: string, sectionIndex: number, depth: number, sectionCategory: number | undefined,
  categoryIndex: Map<string, number>, errors: Errors, labels: Set<string>,
): RowPlan | undefined {
  if (!isObj(row)) { errors.add(path, 'INVALID_TYPE', 'a row is an object'); return undefined; }
  const label = text(row, 'label', path, errors, true);
  if (label !== undefined && labels.has(label)) errors.add(`${path}.label`, 'DUPLICATE_ID', `row ${label} appears twice in its section`);
  if (label !== undefined) labels.add(label);
  let category = sectionCategory;
  if (row.category !== undefined) category = categoryOf(row.category, `${path}.category`, categoryIndex, errors);
  else if (sectionCategory === undefined) errors.add(`${path}.category`, 'UNKNOWN_CATEGORY', 'the row has no category and neither has its section');
  const numbers = seatNumbers(row as unknown as RowJson, `${path}.seats`, errors);
  if (numbers === undefined || label === undefined || category === undefined) return undefined;
  const flags = new Uint8Array(numbers.length);
  const position = new Map(numbers.map((n, i) => [n, i]));
  const flagLists: [keyof RowJson, number][] = [['wheelchair', SEAT_FLAG.WHEELCHAIR], ['companion', SEAT_FLAG.COMPANION], ['restrictedView', SEAT_FLAG.RESTRICTED_VIEW], ['blocked', SEAT_FLAG.BLOCKED]];
  for (const [key, bit] of flagLists) {
    const seats = list(row, key, path, errors, LAYOUT_LIMITS.seatNumberMax, true) ?? [];
    seats.forEach((n, i) => {
      const at = position.get(n as number);
      if (at === undefined) errors.add(`${path}.${key}[${i}]`, 'UNKNOWN_SEAT', `seat ${String(n)} is not in row ${label}`);
      else flags[at]! |= bit;
    });
  }
  return { sectionIndex, label, depth, categoryIndex: category, numbers, flags };
}

/** The row's seat numbers ascending, or undefined after recording why not. */
function seatNumbers(row: RowJson, path: string, errors: Errors): number[] | undefined {
  const seats: unknown = row.seats;
  const max = LAYOUT_LIMITS.seatNumberMax;
  if (Array.isArray(seats)) {
    if (seats.length > LAYOUT_LIMITS.seatsMax) { errors.add(path, 'TOO_MANY_SEATS', `a layout has at most ${LAYOUT_LIMITS.seatsMax} seats`); return undefined; }
    if (seats.length === 0) { errors.add(path, 'EMPTY_ROW', 'the row has no seats'); return undefined; }
    const bad = seats.findIndex((n) => !isInt(n, 1, max));
    if (bad >= 0) { errors.add(`${path}[${bad}]`, 'BAD_RANGE', `a seat number is an integer in 1..${max}`); return undefined; }
    const sorted = (seats as number[]).slice().sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i] === sorted[i - 1]) { errors.add(path, 'SEAT_OVERLAP', `seat ${sorted[i]} is listed twice`); return undefined; }
      if (sorted[i]! !== sorted[i - 1]! + 1 && row.gapsAllowed !== true) {
        errors.add(path, 'ROW_GAP', `seats ${sorted[i - 1]} and ${sorted[i]} leave a gap; declare gapsAllowed or use "except"`);
        return undefined;
      }
    }
    return sorted;
  }
  if (!isObj(seats)) { errors.add(path, 'INVALID_TYPE', 'seats is a range { from, to, except } or a list of numbers'); return undefined; }
  if (!isInt(seats.from, 1, max) || !isInt(seats.to, 1, max) || seats.from > seats.to) {
    errors.add(path, 'BAD_RANGE', `a range has integers 1 <= from <= to <= ${max}`);
    return undefined;
  }
  const except = new Set<number>();
  const rawExcept = seats.except === undefined ? [] : seats.except;
  if (!Array.isArray(rawExcept)) { errors.add(`${path}.except`, 'INVALID_TYPE', 'except must be an array'); return undefined; }
  for (const [i, n] of rawExcept.entries()) {
    if (!isInt(n, seats.from, seats.to)) { errors.add(`${path}.except[${i}]`, 'UNKNOWN_SEAT', `seat ${String(n)} is outside ${seats.from}..${seats.to}`); return undefined; }
    if (except.has(n)) { errors.add(`${path}.except[${i}]`, 'SEAT_OVERLAP', `seat ${n} is excepted twice`); return undefined; }
    except.add(n);
  }
  const numbers: number[] = [];
  for (let n = seats.from; n <= seats.to; n++) if (!except.has(n)) numbers.push(n);
  if (numbers.length === 0) { errors.add(path, 'EMPTY_ROW', 'the row has no seats'); return undefined; }
  return numbers;
}

function checkGeneralAdmission(json: Obj, categoryIndex: Map<string, number>, errors: Errors): GeneralAdmissionArea[] {
  const raw = list(json, 'generalAdmission', '$', errors, LAYOUT_LIMITS.sectionsMax, true) ?? [];
  const out: GeneralAdmissionArea[] = [];
  const ids = new Set<string>();
  raw.forEach((a, i) => {
    const path = `$.generalAdmission[${i}]`;
    if (!isObj(a)) { errors.add(path, 'INVALID_TYPE', 'an area is an object'); return; }
    const area = a as Partial<GeneralAdmissionJson>;
    const id = text(a, 'id', path, errors);
    const areaName = text(a, 'name', path, errors);
    const category = categoryOf(area.category, `${path}.category`, categoryIndex, errors);
    if (!isInt(area.capacity, 1, LAYOUT_LIMITS.gaCapacityMax)) errors.add(`${path}.capacity`, 'BAD_CAPACITY', `capacity is an integer in 1..${LAYOUT_LIMITS.gaCapacityMax}`);
    if (id !== undefined && ids.has(id)) errors.add(`${path}.id`, 'DUPLICATE_ID', `area ${id} is defined twice`);
    if (id !== undefined) ids.add(id);
    if (id !== undefined && areaName !== undefined && category !== undefined && isInt(area.capacity, 1, LAYOUT_LIMITS.gaCapacityMax)) {
      out.push({ id, name: areaName, categoryIndex: category, capacity: area.capacity });
    }
  });
  return out;
}

/** Labels join section, row and number with "-", so "A-1" row "2" and "A" row "1-2" would collide. */
function checkLabels(plans: { sections: Section[]; rows: RowPlan[] }, errors: Errors): void {
  const seen = new Set<string>();
  plans.rows.forEach((row) => {
    const section = plans.sections[row.sectionIndex]!;
    for (const n of row.numbers) {
      const label = labelOf(section.id, row.label, n);
      if (seen.has(label)) {
        errors.add(`$.sections[${row.sectionIndex}].rows[${row.depth}]`, 'DUPLICATE_SEAT_LABEL', `seat label ${label} is produced twice`);
        return;
      }
      seen.add(label);
    }
  });
}

function build(
  name: string, version: number, categories: Category[], plans: { sections: Section[]; rows: RowPlan[] },
  generalAdmission: GeneralAdmissionArea[], seatCount: number,
): VenueLayout {
  const seatRow = new Uint32Array(seatCount);
  const seatNumber = new Uint16Array(seatCount);
  const seatCategory = new Uint8Array(seatCount);
  const seatFlags = new Uint8Array(seatCount);
  const rows: Row[] = [];
  let next = 0;
  plans.rows.forEach((plan, rowIndex) => {
    rows.push({ sectionIndex: plan.sectionIndex, label: plan.label, depth: plan.depth, firstSeat: next, seatCount: plan.numbers.length, categoryIndex: plan.categoryIndex });
    plan.numbers.forEach((n, i) => {
      seatRow[next] = rowIndex;
      seatNumber[next] = n;
      seatCategory[next] = plan.categoryIndex;
      seatFlags[next] = plan.flags[i]!;
      next += 1;
    });
  });
  return { name, version, categories, sections: plans.sections, rows, seatCount, seatRow, seatNumber, seatCategory, seatFlags, generalAdmission };
}

