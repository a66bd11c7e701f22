import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import axios, {
  AxiosError,
  AxiosHeaders,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from 'axios';
import type { z } from 'zod';
import { AccountViewSchema } from '../common/api/account-view.ts';
import type { AdminIdentity, TokenPair } from '../common/api/auth.ts';
import type { RouteContract } from '../common/api/contract.ts';
import { ApiErrorSchema } from '../common/api/errors.ts';
import { API } from '../common/api/routes.ts';
import type { ApiNetwork } from './api-network.ts';
import type { ConnectionProfile } from './connections.ts';
import { IpcFailure } from '../common/ipc/ipc-failure.ts';
import { networkFailureWords, type NetworkFailure } from '../common/ipc/network-failure.ts';
import { connectionFailure } from './failure-reasons.ts';
import { silentLog, type Log } from './log.ts';
import { EncryptionUnavailableError, type SessionVault } from './session-vault.ts';

type In<T> = T extends z.ZodType ? z.input<T> : never;

/** One request of the admin API, typed by its route in the shared contract. */
export interface Call<R extends RouteContract> {
  params?: In<R['params']>;
  query?: In<R['query']>;
  body?: In<R['body']>;
  headers?: Record<string, string>;
}

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

const MAX_MESSAGE = 500;

/**
 * The console's client of one account service: one axios instance with timeouts, the bearer
 * token from the vault, one refresh at a time however many calls need it, and every failure
 * turned into an `IpcFailure` with a plain message. Nothing it throws carries a header or token.
 */
export class AccountClient {
  readonly http: AxiosInstance;
  private refreshing: Promise<string> | undefined;

  constructor(private readonly o: AccountClientOptions) {
    this.http = axios.create({
      baseURL: o.profile.url,
      timeout: o.timeoutMs ?? 15_000,
      // Issue 17: never Node's own HTTP stack, which knows neither the system proxy nor the
      // operating system's certificate store.
      adapter: 'fetch',
      env: { fetch: o.network.fetch },
      maxRedirects: 0,
      headers: { accept: 'application/json' },
    });
    this.logExchanges(o.log ?? silentLog);
  }

  /** One debug line per exchange: method, path (never the query or a header), status, time. */
  private logExchanges(log: Log): void {
    const started = new WeakMap<object, number>();
    const line = (config: InternalAxiosRequestConfig | undefined, outcome: string) => {
      if (!config) return;
      const ms = Math.round(performance.now() - (started.get(config) ?? performance.now()));
      const method = (config.method ?? 'get').toUpperCase();
      log.debug(`${this.o.profile.name}: ${method} ${config.url ?? ''} → ${outcome} (${ms} ms)`);
    };
    this.http.interceptors.request.use((config) => {
      started.set(config, performance.now());
      return config;
    });
    this.http.interceptors.response.use(
      (response) => {
        line(response.config, String(response.status));
        return response;
      },
      (error: unknown) => {
        if (error instanceof AxiosError)
          line(error.config, error.response ? String(error.response.status) : 'no answer');
        throw error;
      },
    );
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
    const pair = await this.send(API.signIn, { body: credentials });
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
      const pair = await this.send(API.signIn, { body: { username, password } });
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
    return this.withSession((token) => this.send(route, call, token));
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
    const response = await this.withSession((token) => this.open(route, call, token));
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
    const response = await this.withSession((token) => this.post(path, open(), headers, token));
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
      pair = await this.send(API.refresh, { body: { refreshToken } });
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
      await this.send(API.signOut, { body: { refreshToken } });
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

  private failure(
    problem: Parameters<typeof connectionFailure>[0],
    more?: { host?: string; status?: number },
  ): IpcFailure {
    return connectionFailure(problem, this.o.profile.name, more);
  }

  /** One HTTP exchange: path from params, response parsed with the route's schema. */
  private async send<R extends RouteContract>(
    route: R,
    call: Call<R>,
    token?: string,
  ): Promise<z.infer<R['response']>> {
    let response: AxiosResponse<unknown>;
    try {
      response = await this.http.request({
        method: route.method,
        url: pathOf(route.path, (call.params ?? {}) as Record<string, string>),
        params: call.query,
        data: call.body,
        headers: { ...call.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      });
    } catch (error) {
      throw this.failureOf(error);
    }
    const parsed = route.response.safeParse(response.data);
    if (!parsed.success) throw this.failure('not_understood');
    return parsed.data as z.infer<R['response']>;
  }

  /** A streamed exchange: the open body of a 2xx; an error answer read (bounded) and thrown. */
  private async open<R extends RouteContract>(
    route: R,
    call: Call<R>,
    token: string,
  ): Promise<Readable> {
    let response: AxiosResponse<WebReadableStream>;
    try {
      response = await this.http.request<WebReadableStream>({
        method: route.method,
        url: pathOf(route.path, (call.params ?? {}) as Record<string, string>),
        params: call.query,
        headers: { ...call.headers, accept: '*/*', authorization: `Bearer ${token}` },
        responseType: 'stream',
        // The stream may run longer than one call's timeout; a stalled socket still ends it.
        timeout: 0,
        validateStatus: () => true,
      });
    } catch (error) {
      throw this.failureOf(error);
    }
    // The fetch adapter answers a web stream; the file sinks take Node's.
    const body = Readable.fromWeb(response.data);
    if (response.status >= 200 && response.status < 300) return body;
    const text = await readBounded(body, 64 * 1024);
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // Not the API's JSON error body: failureOf answers with the status alone.
    }
    const failed = new AxiosError(`HTTP ${response.status}`, undefined, undefined, undefined, {
      ...response,
      data,
    });
    throw this.failureOf(failed);
  }

  /** A streamed POST through Chromium's fetch: the open body of a 2xx, or the failure thrown. */
  private async post(
    path: string,
    body: Readable,
    headers: Record<string, string>,
    token: string,
  ): Promise<Readable> {
    const url = new URL(path, this.o.profile.url).href;
    const started = performance.now();
    let response: Response;
    try {
      response = await this.o.network.fetch(url, {
        method: 'POST',
        headers: { ...headers, authorization: `Bearer ${token}` },
        body: Readable.toWeb(body) as ReadableStream,
        // A request body that streams (Chromium's and undici's fetch both need it said).
        duplex: 'half',
        redirect: 'manual',
      } as RequestInit);
    } catch (error) {
      body.destroy();
      throw this.offline(error);
    } finally {
      const ms = Math.round(performance.now() - started);
      (this.o.log ?? silentLog).debug(`${this.o.profile.name}: POST ${path} (${ms} ms to answer)`);
    }
    if (!response.body) throw this.failure('empty_answer');
    const answer = Readable.fromWeb(response.body as WebReadableStream);
    if (response.ok) return answer;
    const text = await readBounded(answer, 64 * 1024);
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // Not the API's JSON error body: failureOf answers with the status alone.
    }
    const failed = new AxiosError(`HTTP ${response.status}`, undefined, undefined, undefined, {
      status: response.status,
      statusText: response.statusText,
      headers: {},
      config: { headers: new AxiosHeaders() },
      data,
    });
    throw this.failureOf(failed);
  }

  /** A request that got no answer, in words: the certificate, proxy or address, never a header. */
  private offline(error: unknown): IpcFailure {
    const name = this.o.profile.name;
    const network = this.o.network.explain(error, this.o.profile.url, name);
    return this.noAnswer(network);
  }

  /**
   * A request with no answer, logged; the renderer words a network failure from its data
   * (renderer/ipc/error-words.ts), and the message keeps only Chromium's name for it.
   */
  private noAnswer(network: NetworkFailure | undefined, timedOut = false): IpcFailure {
    const log = this.o.log ?? silentLog;
    if (network) {
      log.warn(networkFailureWords(network));
      return new IpcFailure('offline', `net::${network.error}`, undefined, undefined, network);
    }
    const host = new URL(this.o.profile.url).host;
    log.warn(`${this.o.profile.name} (${host}): ${timedOut ? 'no answer in time' : 'no answer'}`);
    return timedOut ? this.failure('timed_out') : this.failure('unreachable', { host });
  }

  /** An axios failure as a plain message and a closed code; never its config or headers. */
  private failureOf(error: unknown): IpcFailure {
    const name = this.o.profile.name;
    if (!(error instanceof AxiosError)) return this.failure('request_failed');
    if (!error.response) {
      if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')
        return this.noAnswer(undefined, true);
      return this.noAnswer(this.o.network.explain(error, this.o.profile.url, name));
    }
    const body = ApiErrorSchema.safeParse(error.response.data);
    if (!body.success) return this.failure('http_status', { status: error.response.status });
    const { code, field, message } = body.data.error;
    const current = AccountViewSchema.safeParse(
      (error.response.data as { current?: unknown }).current,
    );
    return new IpcFailure(
      code,
      message.slice(0, MAX_MESSAGE),
      field,
      current.success ? current.data : undefined,
    );
  }
}

/** At most `limit` characters of a stream (an error body), then the stream is let go. */
async function readBounded(body: Readable, limit: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of body) {
    text += decoder.decode(chunk as Uint8Array, { stream: true });
    if (text.length >= limit) break;
  }
  body.destroy();
  return text.slice(0, limit);
}

const isUnauthorized = (error: unknown) =>
  error instanceof IpcFailure && error.code === 'unauthorized';

/** `/api/v1/accounts/:id` with `{ id }` → `/api/v1/accounts/a%2Fb`. */
export function pathOf(template: string, params: Record<string, string>): string {
  return template.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new IpcFailure('internal', `Missing ${name} in the request.`);
    return encodeURIComponent(value);
  });
}
