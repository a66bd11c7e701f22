import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

/** The event every logout token carries (OpenID Connect Back-Channel Logout 1.0 §2.4). */
const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** How old a logout token may be (Latchkey signs a fresh one for every delivery attempt). */
const MAX_AGE_S = 120;
/** Clock difference tolerated between Latchkey and this product. */
const CLOCK_TOLERANCE_S = 30;

/** A logout token that must be refused: the back-channel answers 400 with this message. */
export class InvalidLogoutToken extends Error {}

/** The sessions a valid logout token asks to end. */
export interface LogoutTarget {
  sub: string | undefined;
  sid: string | undefined;
}

export interface LogoutTokenCheck {
  issuer: string;
  clientId: string;
  /** The provider's `jwks_uri` from discovery. */
  jwksUri: string;
  /** The provider's ID token algorithms from discovery. */
  algorithms: string[];
}

/**
 * Validates logout tokens as Back-Channel Logout 1.0 §2.6 asks: the signature with the
 * provider's published keys, `typ` logout+jwt, iss, aud, a recent iat, the back-channel event,
 * `sub` or `sid`, no `nonce`, and a `jti` not seen before (so a captured token cannot be replayed).
 */
export class LogoutTokenVerifier {
  private readonly keys;
  /** jti → when its token expires (ms): kept until then, which is as long as a replay could work. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly check: LogoutTokenCheck) {
    this.keys = createRemoteJWKSet(new URL(check.jwksUri));
  }

  async verify(token: string): Promise<LogoutTarget> {
    const payload = await this.verified(token);
    if (typeof payload.sub !== 'string' && typeof payload.sid !== 'string')
      throw new InvalidLogoutToken('the logout token names neither sub nor sid');
    const events = payload.events as Record<string, unknown> | undefined;
    const event = events?.[BACKCHANNEL_LOGOUT_EVENT];
    if (typeof event !== 'object' || event === null || Array.isArray(event))
      throw new InvalidLogoutToken('the logout token carries no back-channel logout event');
    if ('nonce' in payload) throw new InvalidLogoutToken('a logout token must not carry a nonce');
    this.remember(payload);
    return {
      sub: payload.sub,
      sid: typeof payload.sid === 'string' ? payload.sid : undefined,
    };
  }

  private async verified(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.keys, {
        issuer: this.check.issuer,
        audience: this.check.clientId,
        typ: 'logout+jwt',
        algorithms: this.check.algorithms,
        maxTokenAge: MAX_AGE_S,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['iat', 'exp', 'jti', 'events'],
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JOSEError) throw new InvalidLogoutToken(error.message);
      throw error;
    }
  }

  private remember(payload: JWTPayload): void {
    const now = Date.now();
    for (const [jti, until] of this.seen) if (until < now) this.seen.delete(jti);
    const jti = String(payload.jti);
    if (this.seen.has(jti)) throw new InvalidLogoutToken('this logout token was already used');
    const expires = (payload.exp ?? 0) * 1000 + CLOCK_TOLERANCE_S * 1000;
    this.seen.set(jti, Math.max(expires, now + MAX_AGE_S * 1000));
  }
}
