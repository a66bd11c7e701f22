import type { PageResponse } from './service.ts';

/** Decodes the entities `html` escapes in an attribute value. */
const attribute = (value: string): string =>
  value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/**
 * The CSRF token a page's form carries, read from the rendered markup the way a browser submits
 * it (never computed from a cookie: how the token is made is the service's business).
 */
export function formToken(page: PageResponse, action: string): string {
  const form = [...page.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)].find((m) =>
    new RegExp(`\\saction="${action.replace(/[/.?]/g, '\\$&')}"`).test(m[1] ?? ''),
  );
  const token = /<input[^>]*\sname="_csrf"[^>]*\svalue="([^"]*)"/.exec(form?.[2] ?? '')?.[1];
  if (token === undefined)
    throw new Error(`no form posting to ${action} with a _csrf field (status ${page.status})`);
  return attribute(token);
}

/** The names of the fields shown with an error next to them. */
export function fieldErrorNames(page: PageResponse): string[] {
  return [...page.body.matchAll(/<p class="error" id="([^"]+)-error">/g)].map((m) => m[1] ?? '');
}

/**
 * A form body as a browser (or a hand-made request) would encode it: strings as they are,
 * arrays as repeated fields, objects in bracket notation, anything else as its string.
 */
export function formEncode(fields: Record<string, unknown>, encode: (s: string) => string): string {
  const pairs: string[] = [];
  const add = (key: string, value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) add(key, item);
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) add(`${key}[${k}]`, v);
    else pairs.push(`${encode(key)}=${encode(String(value))}`);
  };
  for (const [key, value] of Object.entries(fields)) add(key, value);
  return pairs.join('&');
}
