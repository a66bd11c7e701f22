import type { Readable } from 'node:stream';
import type { AxiosInstance } from 'axios';
import type { z } from 'zod';
import type { AdminIdentity, TokenPair } from '../common/api/auth.ts';
import type { RouteContract } from '../common/api/contract.ts';
import { API } from '../common/api/routes.ts';
import type { ConnectionProblem } from '../common/ipc/failure-reason.ts';
import { IpcFailure } from '../common/ipc/ipc-failure.ts';
import { ApiExchange, type Call } from './api-exchange.ts';
import { ApiFailures } from './api-failures.ts';
import type { ApiNetwork } from './api-network.ts';
import type { ConnectionProfile } from './connections.ts';
import { silentLog, type Log } from './log.ts';
import { EncryptionUnavailableError, type SessionVault } from './session-vault.ts';

export type { Call };

export interface AccountClientOptions {
  profile: ConnectionProfile;
  vault: SessionVault;
  /** Chromium's network stack (Electron's `session.fetch`): system proxy and certificate store. */
  network: ApiNetwork;
  /** Each exchange at debug level (method, path, status, time); failures with no answer at warn. */
  log?: Log;
  /** A genuine 401: the connection is signed out here, this tells the renderer. */
  onSessionEnded: (connectionId: string) => void;
  timeoutMs?: number;
}

/**
 * The console's session with one account service: the bearer token from the vault, one refresh
 * at a time however many calls need it, a genuine 401 believed once. The exchanges themselves
 * are `ApiExchange`'s; nothing either throws carries a header or token.
 */
export class AccountClient {
  private readonly exchange: ApiExchange;
  private readonly failures: ApiFailures;
  private refreshing: Promise<string> | undefined;

  constructor(private readonly o: AccountClientOptions) {
    const log = o.log ?? silentLog;
    this.failures = new ApiFailures({ profile: o.profile, network: o.network, log });
    this.exchange = new ApiExchange({
      profile: o.profile,
      network: o.network,
      log,
      failures: this.failures,
      ...(o.timeoutMs === undefined ? {} : { timeoutMs: o.timeoutMs }),
    });
  }

  /** The axios instance (tests watch its exchanges). */
  get http(): AxiosInstance {
    return this.exchange.http;
  }

  private get id(): string {
    return this.o.profile.id;
  }

  /** POST /auth/sign-in; keeps the tokens in the vault and answers who signed in. */
  async signIn(credentials: {
    username: string;
    password: string;
    totp?: string | undefined;
  }): Promise<AdminIdentity> {
    const previous = this.o.vault.refreshToken(this.id);
    const pair = await this.exchange.send(API.signIn, { body: credentials });
    this.o.vault.unlock(this.id);
    await this.keep(pair);
    // Signing in again replaces the session this computer held; the old one ends on the service.
    if (previous) await this.revoke(previous);
    return pair.admin;
  }

  /**
   * Unlock after the idle lock: the password is checked by signing in again. An organization
   * that requires TOTP answers `totp_required` only after the password was right (the service
   * checks the password first), and then the kept refresh token renews the session.
   */
  async unlock(password: string): Promise<void> {
    const username = this.o.vault.username(this.id);
    if (!username) throw this.ended();
    const stale = this.o.vault.refreshToken(this.id);
    try {
      const pair = await this.exchange.send(API.signIn, { body: { username, password } });
      this.o.vault.unlock(this.id);
      await this.keep(pair);
      // The new sign-in started a new session; the locked one is ended on the service too.
      if (stale) await this.revoke(stale);
    } catch (error) {
      if (!(error instanceof IpcFailure && error.code === 'totp_required')) throw error;
      this.o.vault.unlock(this.id);
      await this.refresh();
    }
  }

  /** POST /auth/sign-out (best effort: offline still signs out here), then forgets it all. */
  async signOut(): Promise<void> {
    const refreshToken = this.o.vault.refreshToken(this.id);
    this.o.vault.forget(this.id);
    if (refreshToken) await this.revoke(refreshToken);
  }

  /** An authenticated call: a fresh token first, and one retry after a 401 with a new one. */
  async call<R extends RouteContract>(
    route: R,
    call: Call<R> = {},
  ): Promise<z.infer<R['response']>> {
    return this.withSession((token) => this.exchange.send(route, call, token));
  }

  /**
   * An authenticated GET whose body goes to `sink` as it arrives (a file), never held whole in
   * memory or parsed: the audit CSV export. The session is handled as for `call`; the body is
   * handed over only after a 2xx, so a retry after a 401 never sees half a body.
   */
  async download<R extends RouteContract, T>(
    route: R,
    call: Call<R>,
    sink: (body: Readable) => Promise<T>,
  ): Promise<T> {
    const response = await this.withSession((token) => this.exchange.open(route, call, token));
    return sink(response);
  }

  /**
   * An authenticated POST whose request body streams from `open()` (a file on disk, never held
   * whole) and whose answer goes to `read` as it arrives: the import. `open` is called again for
   * the one retry after a 401, since a stream cannot be sent twice.
   */
  async upload<T>(
    path: string,
    open: () => Readable,
    headers: Record<string, string>,
    read: (body: Readable) => Promise<T>,
  ): Promise<T> {
    const response = await this.withSession((token) =>
      this.exchange.post(path, open(), headers, token),
    );
    return read(response);
  }

  /** Runs one exchange with a fresh token, and once more with a new one after a 401. */
  private async withSession<T>(exchange: (token: string) => Promise<T>): Promise<T> {
    if (this.o.vault.state(this.id) === 'locked') throw this.failure('locked');
    if (this.o.vault.state(this.id) === 'signed_out') throw this.failure('signed_out');
    const token = await this.freshToken();
    try {
      return await exchange(token);
    } catch (error) {
      if (!isUnauthorized(error)) throw error;
    }
    const renewed = await this.tokenAfter(token);
    try {
      return await exchange(renewed);
    } catch (error) {
      // A 401 with a token just issued is genuine: the session is over (R113: say so once).
      if (isUnauthorized(error)) throw this.expire();
      throw error;
    }
  }

  private async freshToken(): Promise<string> {
    return this.o.vault.accessToken(this.id) ?? this.refresh();
  }

  /** The token to retry with after `stale` got a 401: a newer one if another call refreshed. */
  private async tokenAfter(stale: string): Promise<string> {
    const held = this.o.vault.heldAccessToken(this.id);
    if (held && held !== stale) return held;
    return this.refresh();
  }

  /**
   * One refresh in flight per connection, shared by every caller: the service rotates refresh
   * tokens and treats a spent one coming back as theft, revoking the whole session.
   */
  private refresh(): Promise<string> {
    this.refreshing ??= this.rotate().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async rotate(): Promise<string> {
    const refreshToken = this.o.vault.refreshToken(this.id);
    if (!refreshToken) throw this.expire();
    let pair: TokenPair;
    try {
      pair = await this.exchange.send(API.refresh, { body: { refreshToken } });
    } catch (error) {
      if (isUnauthorized(error)) throw this.expire();
      throw error;
    }
    await this.keep(pair);
    const token = this.o.vault.heldAccessToken(this.id);
    // Locked while the refresh was on its way: the new token was not kept.
    if (!token || this.o.vault.state(this.id) !== 'signed_in') throw this.failure('locked');
    return token;
  }

  /**
   * Keeps a new token pair. When the OS cannot protect the refresh token, nothing is kept, the
   * session just issued is ended on the service, and the user is told why (R115).
   */
  private async keep(pair: TokenPair): Promise<void> {
    try {
      this.o.vault.keep(this.id, {
        username: pair.admin.username,
        admin: pair.admin,
        refreshToken: pair.refreshToken,
      });
    } catch (error) {
      if (!(error instanceof EncryptionUnavailableError)) throw error;
      this.o.vault.forget(this.id);
      await this.revoke(pair.refreshToken);
      throw this.failure(
        error.reason === 'basic_text' ? 'key_store_plain_text' : 'key_store_unavailable',
      );
    }
    this.o.vault.setAccess(this.id, pair.accessToken, pair.expiresIn);
  }

  /** Ends a session on the service; a failure here changes nothing for the user. */
  async revoke(refreshToken: string): Promise<void> {
    try {
      await this.exchange.send(API.signOut, { body: { refreshToken } });
    } catch {
      // Offline or already ended: the token is gone from this computer either way.
    }
  }

  /** Signs the connection out here and tells the renderer once; answers the failure to throw. */
  private expire(): IpcFailure {
    const failure = this.failure('session_ended');
    if (this.o.vault.state(this.id) === 'signed_out') return failure;
    this.o.vault.forget(this.id);
    this.o.onSessionEnded(this.id);
    return failure;
  }

  private ended(): IpcFailure {
    return this.failure('sign_in_again');
  }

  private failure(problem: ConnectionProblem): IpcFailure {
    return this.failures.problem(problem);
  }
}

const isUnauthorized = (error: unknown) =>
  error instanceof IpcFailure && error.code === 'unauthorized';
