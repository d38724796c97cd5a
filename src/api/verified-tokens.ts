/**
 * User tokens whose signature has already been checked, keyed by the raw token string.
 *
 * Every authenticated request presents the same few tokens again and again, and an HMAC check costs
 * more than the rest of a read; fast-jwt's own cache keys entries by a SHA-256 of the token, which costs
 * about as much as the HMAC it saves. An HS256 signature is a pure function of the token's bytes and the
 * app's secret, so a token string that verified once verifies forever: a Map lookup by the string gives
 * the same answer. Only the signature is remembered; `exp` and `nbf` are still checked by the caller on
 * every request, on the engine's clock.
 */

/** The claims identity needs from a verified token. */
export interface VerifiedClaims {
  readonly sub: string;
  readonly exp: number | undefined;
  readonly nbf: number | undefined;
}

/** Only tokens we signed get in, so entries are as small as the tokens we issue; the bound caps their number. */
export const VERIFIED_TOKEN_CACHE_MAX_ENTRIES = 10_000;

export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedClaims>();

  /** `verify` checks the signature (and the token's shape) and returns its claims, or null when it is not ours. */
  constructor(
    private readonly verify: (raw: string) => VerifiedClaims | null,
    private readonly maxEntries: number = VERIFIED_TOKEN_CACHE_MAX_ENTRIES,
  ) {}

  /** The claims of `raw` if its signature is valid, else null. Refusals are not remembered. */
  claims(raw: string): VerifiedClaims | null {
    const known = this.entries.get(raw);
    if (known !== undefined) return known;
    const claims = this.verify(raw);
    if (claims === null) return null;
    // Oldest first out (Map keeps insertion order): O(1), and a live token comes straight back on its next use.
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(raw, claims);
    return claims;
  }

  /** Drops a token, e.g. one found expired: it can never become valid again. */
  forget(raw: string): void {
    this.entries.delete(raw);
  }

  get size(): number {
    return this.entries.size;
  }
}
