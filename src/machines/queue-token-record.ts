import type { QueueToken } from './queue-token.machine.js';

/** Not in the waiting line: ACTIVE or ended. */
export const NOT_IN_LINE = -1;
/** Joined with a seq below the line's tail: placed at its seq on the line's next reorder. */
export const PENDING_IN_LINE = -2;

/**
 * The waiting room's one object per live token: a fixed-shape class (every field set in the
 * constructor, in one order) so a million of them share one hidden class. Besides the public
 * QueueToken fields it carries the intrusive links the waiting room's indexes need, so indexing a
 * token allocates nothing more than the token itself. Every field costs 8 bytes per token at a
 * million tokens (8 MB), so derivable flags are derived rather than stored.
 */
export class QueueTokenRecord implements QueueToken {
  status: 'WAITING' | 'ACTIVE' = 'WAITING';
  activeUntilMs = 0;
  lastSeenAtMs: number;
  /** Index in the waiting line, or NOT_IN_LINE / PENDING_IN_LINE. */
  slot = NOT_IN_LINE;
  /** Open WebSockets: a present token is never idle-dropped. */
  presentCount = 0;
  /** Links in the idle list (waiting, not present), ordered by lastSeenAtMs. */
  idlePrev: QueueTokenRecord | null = null;
  idleNext: QueueTokenRecord | null = null;
  /** What the line holding it keeps with it: a room's entrant id (src/rooms), null in the default line. */
  tag: string | null = null;

  constructor(
    readonly token: string,
    readonly userId: string,
    /** Set again once, at a room's opening (WaitingRoom.resequence). */
    public seq: number,
    readonly issuedAtMs: number,
  ) {
    this.lastSeenAtMs = issuedAtMs;
  }
}
