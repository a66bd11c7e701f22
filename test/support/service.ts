import { ManualClock } from '../../service/clock.ts';
import { loadConfig } from '../../service/config.ts';
import type { Hasher } from '../../service/domain/passwords.ts';
import { startService, type RunningService } from '../../service/server.ts';
import type { SmtpCatcher } from './smtp.ts';
import { openTestStore } from './store.ts';

export interface TestService extends RunningService {
  clock: ManualClock;
  dataDir: string;
  /** The store's URL when it is PostgreSQL (undefined: the SQLite file under dataDir). */
  databaseUrl: string | undefined;
}

interface Options {
  smtp?: SmtpCatcher;
  hasher?: Hasher;
  env?: Record<string, string>;
}

/**
 * A real account service on loopback: its own store (SQLite file, or a PostgreSQL schema when
 * DATABASE_URL is set), a manual clock, and mail through the given real SMTP server.
 */
export async function startTestService(options: Options = {}): Promise<TestService> {
  const store = await openTestStore();
  const clock = new ManualClock(Date.now());
  const config = loadConfig({
    DATA_DIR: store.dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    ...(options.smtp ? { SMTP_URL: options.smtp.url } : {}),
    ...options.env,
  });
  const service = await startService(config, {
    store,
    clock,
    mailPollMs: 50,
    ...(options.hasher ? { hasher: options.hasher } : {}),
  });
  return {
    ...service,
    clock,
    dataDir: store.dataDir,
    databaseUrl: store.databaseUrl,
    async close() {
      await service.close();
      await store.close();
    },
  };
}

/**
 * Waits until the service's dispatcher has processed every queued Reset Your Password and
 * Retrieve Forgotten Username request and handled the mail they queued. The pages only queue
 * requests (R5); a test that reads the outbox or the audit log afterwards waits here first.
 */
export async function recoveryProcessed(svc: RunningService): Promise<void> {
  await svc.dispatcher.drain();
}

/** A browser stand-in over real HTTP: keeps cookies, follows nothing by itself, reads CSRF fields. */
export class WebClient {
  private cookies = new Map<string, string>();
  /** The `_csrf` field of the last form seen, and the sign-in cookie it was minted under. */
  private form: { token: string; session: string | undefined } | undefined;

  constructor(
    readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async get(pathOrUrl: string): Promise<PageResponse> {
    return this.request('GET', pathOrUrl);
  }

  /** The Cookie header this browser sends. */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /**
   * A `_csrf` value this browser's forms would carry now: the last form's, unless the sign-in
   * cookie changed since (tokens are bound to it), else the one on a fresh Log In page.
   */
  async csrfToken(): Promise<string> {
    if (!this.form || this.form.session !== this.sessionCookie()) await this.get('/login');
    return this.form?.token ?? '';
  }

  /** Posts a form the way a browser would, with the CSRF field of the page it came from. */
  async post(
    pathOrUrl: string,
    form: Record<string, string>,
    options: { csrf?: boolean } = {},
  ): Promise<PageResponse> {
    const body = new URLSearchParams(form);
    if (options.csrf !== false) body.set('_csrf', await this.csrfToken());
    return this.request('POST', pathOrUrl, body.toString());
  }

  private sessionCookie(): string | undefined {
    return this.cookies.get('lk_session') ?? this.cookies.get('__Host-lk_session');
  }

  /** Posts a body exactly as given (any encoding, any content type) with this browser's cookies. */
  async postRaw(
    pathOrUrl: string,
    body: string,
    contentType = 'application/x-www-form-urlencoded',
  ): Promise<PageResponse> {
    return this.request('POST', pathOrUrl, body, contentType);
  }

  /** GET, then follow redirects on this origin, as a browser does. */
  async follow(pathOrUrl: string): Promise<PageResponse> {
    let response = await this.get(pathOrUrl);
    for (let hops = 0; response.location && hops < 5; hops += 1)
      response = await this.get(response.location);
    return response;
  }

  private async request(
    method: string,
    pathOrUrl: string,
    body?: string,
    contentType = 'application/x-www-form-urlencoded',
  ): Promise<PageResponse> {
    const url = new URL(pathOrUrl, this.baseUrl);
    const headers: Record<string, string> = { ...this.headers };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    if (body !== undefined) headers['content-type'] = contentType;
    const response = await fetch(url, { method, headers, body, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const [name = '', ...rest] = pair.split('=');
      const value = rest.join('=');
      const expired =
        attributes.some((a) => /max-age=0|expires=thu, 01 jan 1970/i.test(a.trim())) ||
        value === '';
      if (expired) this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    const text = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text)?.[1];
    if (token) this.form = { token, session: this.sessionCookie() };
    return new PageResponse(response.status, response.headers, text);
  }
}

/** What a person would read off a response: its heading, its text, where it redirects. */
export class PageResponse {
  constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly body: string,
  ) {}

  get location(): string | undefined {
    return this.headers.get('location') ?? undefined;
  }

  get heading(): string {
    return textOf(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(this.body)?.[1] ?? '');
  }

  get text(): string {
    return textOf(this.body.replace(/<head>[\s\S]*?<\/head>/, ''));
  }

  /** The error message shown next to a field, if any. */
  fieldError(name: string): string | undefined {
    const match = new RegExp(`<p class="error" id="${name}-error">([\\s\\S]*?)</p>`).exec(
      this.body,
    );
    return match ? textOf(match[1] ?? '') : undefined;
  }
}

/** Visible text: tags dropped, entities decoded, whitespace collapsed. */
export function textOf(markup: string): string {
  return markup
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}
