/**
 * The venue layouts organisers imported and their numbered plans. A layout is decided (validated, given an
 * id, its plan kept) inside a command and written in that command's commit; from its decision on it is usable,
 * like every other decided state, so a command decided after it (even one in the same log entry of a cluster,
 * before the group commit wrote the row) finds it. A plan is built once per layout: layouts never change.
 */
import { fail, ok, type Result } from '../domain/error-codes.js';
import type { LayoutDetailView, LayoutView } from '../domain/views.js';
import type { LayoutStore } from '../persistence/layout-store.js';
import { validateLayout } from '../venues/layout.js';
import { summarizeLayout, type LayoutSummary } from '../venues/layout-summary.js';
import { VenuePlan } from '../venues/venue-plan.js';
import type { PendingChange } from './pending-change.js';
import { iso } from './views.js';

/** Layouts a list shows at most (an organiser's venues: a handful). */
const LAYOUT_LIST_LIMIT = 1_000;

export class LayoutBook {
  private readonly plans = new Map<string, VenuePlan>();

  constructor(private readonly store: LayoutStore) {
    store.fillSummaries((json) => JSON.stringify(summarizeStoredLayout(json)));
  }

  decide(layout: unknown, layoutId: string, nowMs: number, change: PendingChange): Result<LayoutView> {
    const valid = validateLayout(layout);
    if (!valid.ok) return fail('LAYOUT_INVALID', { errors: valid.errors });
    const summary = summarizeLayout(valid.layout);
    const json = JSON.stringify(layout);
    change.write(() => this.store.insert({ layoutId, json, summary: JSON.stringify(summary), createdAtMs: nowMs }));
    this.plans.set(layoutId, new VenuePlan(layoutId, valid.layout, json));
    return ok({ layoutId, createdAt: iso(nowMs), ...summary });
  }

  /** The numbered plan of an imported layout, or undefined when there is no such layout. */
  planOf(layoutId: string): VenuePlan | undefined {
    const cached = this.plans.get(layoutId);
    if (cached !== undefined) return cached;
    const row = this.store.get(layoutId);
    if (row === undefined) return undefined;
    const valid = validateLayout(JSON.parse(row.json));
    if (!valid.ok) throw new Error(`stored layout ${layoutId} no longer validates`);
    const plan = new VenuePlan(layoutId, valid.layout, row.json);
    this.plans.set(layoutId, plan);
    return plan;
  }

  /** A schedule's layout, which must exist: layouts are never deleted and are decided before their schedules. */
  mustPlanOf(layoutId: string): VenuePlan {
    const plan = this.planOf(layoutId);
    if (plan === undefined) throw new Error(`layout ${layoutId} of a schedule is missing`);
    return plan;
  }

  list(): LayoutView[] {
    return this.store.summaries(LAYOUT_LIST_LIMIT)
      .map((row) => ({ layoutId: row.layoutId, createdAt: iso(row.createdAtMs), ...(JSON.parse(row.summary) as LayoutSummary) }));
  }

  get(layoutId: string): Result<LayoutDetailView> {
    const row = this.store.get(layoutId);
    if (row === undefined) return fail('LAYOUT_NOT_FOUND', { layoutId });
    return ok({ layoutId, createdAt: iso(row.createdAtMs), ...(JSON.parse(row.summary) as LayoutSummary), layout: JSON.parse(row.json) as unknown });
  }
}

/** A stored layout was validated at its import; one that no longer validates means the validator changed under it. */
function summarizeStoredLayout(json: string): LayoutSummary {
  const valid = validateLayout(JSON.parse(json));
  if (!valid.ok) throw new Error(`a stored layout no longer validates: ${JSON.stringify(valid.errors.slice(0, 3))}`);
  return summarizeLayout(valid.layout);
}
