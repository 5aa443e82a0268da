import { DelineateError } from '@delineate/schema';
import type { Database } from '@delineate/store';
import { API_TOKEN_PREFIX, ApiTokenAuthenticator, isApiToken, OPERATOR_KEY_PREFIX, operatorKeyMatches } from './api-tokens';
import type { Decision, Principal } from './policy';
import type { LoginThrottle } from './throttle';

/** Whether a bearer credential is one this branch decides (an API token or the operator key), not a session. */
/**
 * A session token is 256 bits in base64url, 43 characters, and may begin with `dln_` by chance; a
 * token or operator key is its prefix and then those 43 characters. So a 43-character bearer is a
 * session, and any other bearer with a token prefix (well formed or not) is judged as a token.
 */
const SESSION_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function isTokenCredential(bearer: string | undefined): bearer is string {
  if (bearer === undefined || SESSION_SHAPE.test(bearer)) return false;
  return bearer.startsWith(API_TOKEN_PREFIX) || bearer.startsWith(OPERATOR_KEY_PREFIX);
}

/** Who a token request is, or why it is refused before the policy function is asked. */
export type TokenDecision =
  | { readonly kind: 'principal'; readonly principal: Principal }
  /** The operator key, for managing tokens: decided here, no principal. */
  | { readonly kind: 'operator'; readonly decision: Decision }
  | { readonly kind: 'refused'; readonly error: DelineateError; readonly decision: Decision; readonly auditActorId: string | null };

/**
 * The token branch of authentication, beside sessions (plugin.ts calls it only for `dln_` and
 * `dlo_` bearers, so the session path is untouched). A token yields its user's principal for the
 * policy function; a refusal carries its coded error and is audited as denied, naming the
 * token's user when the token was known.
 */
export class TokenAccess {
  readonly #tokens: ApiTokenAuthenticator;
  readonly #operatorKey: string | undefined;

  constructor(database: Database, throttle: LoginThrottle, operatorKey: string | undefined) {
    this.#tokens = new ApiTokenAuthenticator(database, throttle);
    this.#operatorKey = operatorKey;
  }

  async decide(bearer: string, action: string, address: string, now: Date): Promise<TokenDecision> {
    if (!isApiToken(bearer)) {
      if (operatorKeyMatches(this.#operatorKey, bearer) && action.startsWith('api_token.')) {
        return { kind: 'operator', decision: { allowed: true, role: null, viaBreakGlass: false } };
      }
      return {
        kind: 'refused',
        error: new DelineateError('DLN_TOKEN_NOT_ACCEPTED', 'The operator key only manages API tokens, and only on the server that wrote it'),
        decision: { allowed: false, status: 403, reason: 'role' },
        auditActorId: null,
      };
    }
    const result = await this.#tokens.authenticate(bearer, action, address, now);
    if (result.ok) return { kind: 'principal', principal: result.principal };
    const status = result.error.status === 403 ? 403 : 401;
    return {
      kind: 'refused',
      error: result.error,
      decision: status === 403 ? { allowed: false, status, reason: 'role' } : { allowed: false, status, reason: 'unauthenticated' },
      auditActorId: result.userId,
    };
  }
}
