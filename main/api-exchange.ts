import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import axios, { AxiosError, type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import type { z } from 'zod';
import type { RouteContract } from '../common/api/contract.ts';
import { IpcFailure } from '../common/ipc/ipc-failure.ts';
import type { ApiFailures } from './api-failures.ts';
import type { ApiNetwork } from './api-network.ts';
import type { ConnectionProfile } from './connections.ts';
import type { Log } from './log.ts';

type In<T> = T extends z.ZodType ? z.input<T> : never;

/** One request of the admin API, typed by its route in the shared contract. */
export interface Call<R extends RouteContract> {
  params?: In<R['params']>;
  query?: In<R['query']>;
  body?: In<R['body']>;
  headers?: Record<string, string>;
}

export interface ExchangeOptions {
  profile: ConnectionProfile;
  /** Chromium's network stack (Electron's `session.fetch`): system proxy and certificate store. */
  network: ApiNetwork;
  log: Log;
  failures: ApiFailures;
  timeoutMs?: number;
}

/** An error answer is read this far, no further. */
const ERROR_BODY_LIMIT = 64 * 1024;

/**
 * HTTP exchanges with one account service: one axios instance with timeouts, through Chromium's
 * fetch, each exchange logged; answers parsed with the route's schema, failures thrown as
 * `IpcFailure`. Knows nothing of sessions: the caller hands it the token.
 */
export class ApiExchange {
  readonly http: AxiosInstance;

  constructor(private readonly o: ExchangeOptions) {
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
    this.logExchanges(o.log);
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

  /** One exchange: path from params, response parsed with the route's schema. */
  async send<R extends RouteContract>(
    route: R,
    call: Call<R>,
    token?: string,
  ): Promise<z.infer<R['response']>> {
    const response = await this.http
      .request({
        method: route.method,
        url: pathOf(route.path, (call.params ?? {}) as Record<string, string>),
        params: call.query,
        data: call.body,
        headers: { ...call.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      })
      .catch((error: unknown) => {
        throw this.o.failures.of(error);
      });
    const parsed = route.response.safeParse(response.data);
    if (!parsed.success) throw this.o.failures.problem('not_understood');
    return parsed.data as z.infer<R['response']>;
  }

  /** A streamed exchange: the open body of a 2xx; an error answer read (bounded) and thrown. */
  async open<R extends RouteContract>(route: R, call: Call<R>, token: string): Promise<Readable> {
    const response = await this.http
      .request<WebReadableStream>({
        method: route.method,
        url: pathOf(route.path, (call.params ?? {}) as Record<string, string>),
        params: call.query,
        headers: { ...call.headers, accept: '*/*', authorization: `Bearer ${token}` },
        responseType: 'stream',
        // The stream may run longer than one call's timeout; a stalled socket still ends it.
        timeout: 0,
        validateStatus: () => true,
      })
      .catch((error: unknown) => {
        throw this.o.failures.of(error);
      });
    // The fetch adapter answers a web stream; the file sinks take Node's.
    const body = Readable.fromWeb(response.data);
    if (response.status >= 200 && response.status < 300) return body;
    throw await this.errorAnswer(response.status, body);
  }

  /** A streamed POST through Chromium's fetch: the open body of a 2xx, or the failure thrown. */
  async post(
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
      throw this.o.failures.unanswered(error);
    } finally {
      const ms = Math.round(performance.now() - started);
      this.o.log.debug(`${this.o.profile.name}: POST ${path} (${ms} ms to answer)`);
    }
    if (!response.body) throw this.o.failures.problem('empty_answer');
    const answer = Readable.fromWeb(response.body as WebReadableStream);
    if (response.ok) return answer;
    throw await this.errorAnswer(response.status, answer);
  }

  /** An error answer's body, read (bounded) and let go, as the failure to throw. */
  private async errorAnswer(status: number, body: Readable): Promise<IpcFailure> {
    const text = await readBounded(body, ERROR_BODY_LIMIT);
    let data: unknown = text;
    try {
      data = JSON.parse(text);
    } catch {
      // Not the API's JSON error body: the failure names the status alone.
    }
    return this.o.failures.answer(status, data);
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

/** `/api/v1/accounts/:id` with `{ id }` → `/api/v1/accounts/a%2Fb`. */
export function pathOf(template: string, params: Record<string, string>): string {
  return template.replace(/:(\w+)/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new IpcFailure('internal', `Missing ${name} in the request.`);
    return encodeURIComponent(value);
  });
}
