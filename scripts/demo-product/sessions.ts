import { randomBytes } from 'node:crypto';
import type { IDToken } from 'openid-client';

/** A sign-in sent to Latchkey and not back yet: what the callback must check. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** Who is signed in, from the validated ID token. */
export interface SignedIn {
  claims: IDToken;
}

interface Session {
  pending?: PendingSignIn;
  signedIn?: SignedIn;
  expiresAt: number;
}

const PENDING_MS = 10 * 60_000;
const SIGNED_IN_MS = 8 * 60 * 60_000;

/**
 * The demo product's sessions, in memory (a restart signs everyone out). A real product keeps
 * them in its own store, findable by the ID token's `sub` and `sid`: back-channel logout names
 * the sessions to end by those, not by a cookie.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  /** A new session holding a sign-in in progress; answers its id (the cookie's value). */
  startSignIn(pending: PendingSignIn): string {
    return this.put({ pending, expiresAt: Date.now() + PENDING_MS });
  }

  /** A new session for a finished sign-in: a fresh id, so a cookie set before it is worth nothing. */
  signIn(signedIn: SignedIn): string {
    return this.put({ signedIn, expiresAt: Date.now() + SIGNED_IN_MS });
  }

  get(id: string | undefined): Session | undefined {
    const session = id === undefined ? undefined : this.sessions.get(id);
    if (!session || session.expiresAt > Date.now()) return session;
    this.sessions.delete(id ?? '');
    return undefined;
  }

  delete(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }

  /**
   * Ends the sign-ins a logout token names: the one session with that `sid` when it has one,
   * else every session of that `sub`. Answers how many ended.
   */
  endSignIns(target: { sub: string | undefined; sid: string | undefined }): number {
    let ended = 0;
    for (const [id, { signedIn }] of this.sessions) {
      if (!signedIn) continue;
      const { sub, sid } = signedIn.claims;
      const matches =
        (target.sub === undefined || target.sub === sub) &&
        (target.sid === undefined || target.sid === sid);
      if (matches) {
        this.sessions.delete(id);
        ended += 1;
      }
    }
    return ended;
  }

  private put(session: Session): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, session);
    return id;
  }
}
