/** One HTTP response as the benchmark reads it. */
export interface Reply {
  status: number;
  /** The absolute address a redirect leads to. */
  location: URL | undefined;
  body: string;
}

/**
 * A browser without a window: a cookie jar for one host (Latchkey and the product's callback
 * share 127.0.0.1, and cookies are not told apart by port), redirects followed by hand.
 */
export class CookieJarBrowser {
  private readonly cookies = new Map<string, string>();

  async get(url: URL): Promise<Reply> {
    return this.send(url, { method: 'GET' });
  }

  async postForm(url: URL, form: Record<string, string>): Promise<Reply> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  /** Follows redirects from `reply` until one leads to `stopAt` (answered) or a page is reached. */
  async follow(reply: Reply, stopAt?: string): Promise<Reply> {
    let current = reply;
    for (let hops = 0; current.location && hops < 10; hops += 1) {
      if (stopAt && current.location.href.startsWith(stopAt)) return current;
      current = await this.get(current.location);
    }
    if (current.location) throw new Error(`more than 10 redirects, at ${current.location.href}`);
    return current;
  }

  private async send(url: URL, init: RequestInit): Promise<Reply> {
    const headers = new Headers(init.headers);
    if (this.cookies.size)
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of response.headers.getSetCookie()) this.keep(line);
    const location = response.headers.get('location');
    return {
      status: response.status,
      location: location ? new URL(location, url) : undefined,
      body: await response.text(),
    };
  }

  private keep(setCookie: string): void {
    const [pair = '', ...attributes] = setCookie.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    const expired = attributes.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}

/** A hidden form field's value on a page. */
export function fieldOf(body: string, name: string): string {
  const value = new RegExp(`name="${name}" value="([^"]+)"`).exec(body)?.[1];
  if (value === undefined) throw new Error(`no "${name}" field on the page`);
  return value;
}
