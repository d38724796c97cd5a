/**
 * The REST side of the contract (/work/shared/contract/API.md). Every failure becomes an ApiFailure
 * carrying the contract's error code, so callers decide on codes, never on status numbers or text.
 */
import { isKnownCode, type AnyErrorCode } from './error-messages.js';
import type { Session } from './session.js';

export class ApiFailure extends Error {
  constructor(
    readonly code: AnyErrorCode,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(code);
    this.name = 'ApiFailure';
  }
}

export interface RequestOptions {
  body?: unknown;
  /** Sends X-Queue-Token: queue-gated endpoints need an ACTIVE one. */
  queueGated?: boolean;
  idempotencyKey?: string;
  /** Public endpoints (concert list, demo token) go without the user token. */
  anonymous?: boolean;
}

interface ErrorBody { code?: unknown; details?: unknown }

function codeForStatus(status: number): AnyErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'NOT_READY';
  if (status >= 500) return 'INTERNAL_ERROR';
  return 'UNEXPECTED_RESPONSE';
}

export class ApiClient {
  constructor(private readonly currentSession: () => Session | null) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const session = this.currentSession();
    if (!options.anonymous && session !== null) headers['authorization'] = `Bearer ${session.userToken}`;
    if (options.queueGated && session?.queueToken) headers['x-queue-token'] = session.queueToken;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        cache: 'no-store',
      });
    } catch {
      throw new ApiFailure('NETWORK_ERROR', 0);
    }
    if (response.status === 204) return undefined as T;
    const body: unknown = await response.json().catch(() => null);
    if (response.ok) return body as T;
    throw failureFrom(response.status, body);
  }
}

function failureFrom(status: number, body: unknown): ApiFailure {
  const errorBody = (typeof body === 'object' && body !== null ? body : {}) as ErrorBody;
  const code = typeof errorBody.code === 'string' && isKnownCode(errorBody.code) ? errorBody.code : codeForStatus(status);
  const details = typeof errorBody.details === 'object' && errorBody.details !== null
    ? (errorBody.details as Record<string, unknown>)
    : undefined;
  return new ApiFailure(code, status, details);
}

/**
 * One Idempotency-Key per logical attempt: a retry of the same request (after a network error or a
 * 5xx) reuses the key, so the server replays instead of holding or charging twice. Once an attempt
 * has a final answer the key is dropped, so a deliberate second charge of the same amount is new.
 */
export class IdempotencyKeys {
  private readonly keys = new Map<string, string>();

  keyFor(scope: string, body: unknown): string {
    const identity = `${scope} ${JSON.stringify(body)}`;
    let key = this.keys.get(identity);
    if (key === undefined) {
      key = randomKey();
      this.keys.set(identity, key);
    }
    return key;
  }

  /** Keep the key only when the outcome is unknown (no answer, or a server fault). */
  settle(scope: string, body: unknown, error?: unknown): void {
    const unknownOutcome = error instanceof ApiFailure && (error.status === 0 || error.status >= 500);
    if (!unknownOutcome) this.keys.delete(`${scope} ${JSON.stringify(body)}`);
  }
}

/** crypto.randomUUID exists only in secure contexts; getRandomValues works on plain http too. */
function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
