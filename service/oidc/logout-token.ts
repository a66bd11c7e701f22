import { importJWK, SignJWT, type JWK } from 'jose';
import { newId } from '../ids.ts';
import { SIGNING_ALG } from './keys.ts';

/** The event a logout token carries (OpenID Connect Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** A logout token is good for this long after it is signed; each retry signs a fresh one. */
export const LOGOUT_TOKEN_LIFETIME_S = 120;

export interface LogoutTokenClaims {
  issuer: string;
  clientId: string;
  /** The account id (the ID tokens' `sub`). */
  sub: string;
  /** The product session's id, when known. */
  sid: string | null;
  /** Epoch milliseconds. */
  now: number;
}

/**
 * Signs a logout token with the provider's current key: `typ` logout+jwt, iss, aud, iat, exp,
 * a unique jti, sub, sid when known, the back-channel logout event, and never a nonce (§2.4).
 */
export async function signLogoutToken(
  key: JWK & { kid: string },
  claims: LogoutTokenClaims,
): Promise<string> {
  const privateKey = await importJWK(key, SIGNING_ALG);
  const iat = Math.floor(claims.now / 1000);
  return new SignJWT({
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
    ...(claims.sid ? { sid: claims.sid } : {}),
  })
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'logout+jwt' })
    .setIssuer(claims.issuer)
    .setAudience(claims.clientId)
    .setSubject(claims.sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + LOGOUT_TOKEN_LIFETIME_S)
    .setJti(newId())
    .sign(privateKey);
}
