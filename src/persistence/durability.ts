/**
 * How far a commit must reach before it is acknowledged: SQLite's `synchronous` setting (DB_SYNCHRONOUS).
 * FULL survives power loss; NORMAL (WAL) may lose the last commits on power loss, never on a process crash.
 */
export const DURABILITIES = ['FULL', 'NORMAL'] as const;
export type Durability = (typeof DURABILITIES)[number];
