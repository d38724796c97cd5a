/** What every part of the page shares: the API, the server clock, the announcer and the session. */
import type { ApiClient, IdempotencyKeys } from './api-client.js';
import type { Announcer } from './announcer.js';
import type { ServerClock } from './server-clock.js';
import type { Session } from './session.js';

export interface PageContext {
  readonly api: ApiClient;
  readonly clock: ServerClock;
  readonly announcer: Announcer;
  readonly idempotency: IdempotencyKeys;
  session(): Session | null;
  updateSession(change: Partial<Session>): void;
  /**
   * Shows the error and, for codes that end a stage (signed out, turn ended, not admitted yet),
   * moves the journey back to where it can continue. Returns true when it moved the journey.
   */
  handleFailure(error: unknown, prefix?: string): boolean;
}
