import http from 'node:http';

/** What a form post came back with. */
export interface FormReply {
  status: number;
  location: string | undefined;
}

/**
 * A browser-like poster over keep-alive connections to one service process: one CSRF cookie and
 * form token (from a first visit to Log In), then form posts, each from the client address the
 * caller names (`X-Forwarded-For`, believed by a service started with `TRUST_PROXY=1`).
 */
export class FormClient {
  private readonly agent: http.Agent;
  private cookie = '';
  private token = '';

  constructor(
    private readonly base: URL,
    connections: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  }

  /** Fetches Log In for a CSRF cookie and its form token. */
  async start(): Promise<void> {
    const { headers, body } = await this.send('GET', '/login', undefined, '127.0.0.1', true);
    const cookie = (headers['set-cookie'] ?? []).find((c) => c.startsWith('lk_csrf='));
    const token = /name="_csrf" value="([^"]+)"/.exec(body)?.[1];
    if (!cookie || !token) throw new Error('GET /login set no lk_csrf cookie or form token');
    this.cookie = cookie.split(';')[0] ?? '';
    this.token = token;
  }

  /** Posts a form with the CSRF field, as if from `clientAddress`. */
  async post(pathname: string, form: Record<string, string>, clientAddress: string) {
    const body = new URLSearchParams({ ...form, _csrf: this.token }).toString();
    const { status, headers } = await this.send('POST', pathname, body, clientAddress, false);
    return { status, location: headers.location } satisfies FormReply;
  }

  close(): void {
    this.agent.destroy();
  }

  private send(
    method: string,
    pathname: string,
    body: string | undefined,
    clientAddress: string,
    keepBody: boolean,
  ): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { 'x-forwarded-for': clientAddress };
      if (this.cookie) headers.cookie = this.cookie;
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
          let text = '';
          if (keepBody) response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
          else response.resume();
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
}
