import type { IDToken } from 'openid-client';

/** Claims are people's data: escaped before they go into a page. */
export function escape(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
dt{font-weight:600}dd{margin:0 0 .5rem}button{font:inherit;padding:.4rem 1rem}`;

/** A whole page; `body` is markup already escaped. */
export function layout(productName: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)} · ${escape(productName)} (demo)</title>
<style>${STYLE}</style></head>
<body><p>${escape(productName)} (demo product)</p><h1>${escape(title)}</h1>${body}</body></html>`;
}

const listOf = (value: unknown) => (Array.isArray(value) ? value.join(', ') : (value ?? ''));

/** Home when signed in: who, from the ID token, and the way out. */
export function signedInPage(productName: string, claims: IDToken): string {
  const rows: Array<[string, unknown]> = [
    ['Name', claims.name],
    ['Username', claims.preferred_username],
    ['Email', claims.email],
    ['Organization', claims.organization],
    ['Products', listOf(claims.products)],
  ];
  return layout(
    productName,
    `Signed in as ${String(claims.preferred_username ?? claims.sub)}`,
    `<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${escape(v ?? '')}</dd>`).join('')}</dl>
<form method="post" action="/logout"><button type="submit">Sign out</button></form>`,
  );
}

/** Home when nobody is signed in. */
export function signedOutPage(productName: string): string {
  return layout(
    productName,
    'Not signed in',
    `<p>${escape(productName)} uses your Latchkey account: one password for every product.</p>
<p><a href="/login">Sign in with Latchkey</a></p>`,
  );
}

/** A sign-in that did not finish: why, and the way to try again. */
export function problemPage(productName: string, title: string, message: string): string {
  return layout(
    productName,
    title,
    `<p>${escape(message)}</p><p><a href="/">Back to ${escape(productName)}</a></p>`,
  );
}
