import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Reply {
  status: number;
  location: string | undefined;
  setCookie: string[];
  body?: string;
}

/**
 * One browser-like client on one keep-alive connection, holding only its CSRF cookie (the
 * secret) and the form token Log In gave it (bound to no session, as it sends none).
 */
export class KeepAliveClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private csrfCookie = '';
  private csrfToken = '';

  constructor(private readonly base: URL) {}

  /** Fetches Log In once for a fresh CSRF cookie and form token, as a browser's first visit does. */
  async start(): Promise<void> {
    const reply = await this.send('GET', '/login', undefined, true);
    const cookie = reply.setCookie.find((c) => c.startsWith('lk_csrf='));
    const token = /name="_csrf" value="([^"]+)"/.exec(reply.body ?? '')?.[1];
    if (!cookie || !token) throw new Error('GET /login set no lk_csrf cookie or form token');
    this.csrfCookie = cookie.split(';')[0] ?? '';
    this.csrfToken = token;
  }

  /** Posts a form with the CSRF field; answers the reply and the milliseconds it took. */
  async post(
    pathname: string,
    form: Record<string, string>,
  ): Promise<{ reply: Reply; ms: number }> {
    const body = new URLSearchParams({ ...form, _csrf: this.csrfToken }).toString();
    const started = performance.now();
    const reply = await this.send('POST', pathname, body);
    return { reply, ms: performance.now() - started };
  }

  close(): void {
    this.agent.destroy();
  }

  private send(method: string, pathname: string, body?: string, keepBody = false): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      if (this.csrfCookie) headers.cookie = this.csrfCookie;
      if (body !== undefined) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        headers['content-length'] = String(Buffer.byteLength(body));
      }
      const request = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          path: pathname,
          method,
          headers,
          agent: this.agent,
        },
        (response) => {
          // The whole body is read before the clock stops; kept only when asked for.
          let text = '';
          if (keepBody) response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          else response.resume();
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              location: response.headers.location,
              setCookie: response.headers['set-cookie'] ?? [],
              ...(keepBody ? { body: text } : {}),
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
}
