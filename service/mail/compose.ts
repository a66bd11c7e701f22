import { html, type SafeHtml } from '../html.ts';

/** One email: a plain-text part and an HTML part saying the same thing. No password, ever (R26). */
export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

export interface Paragraphs {
  subject: string;
  greeting: string;
  /** Each entry is a paragraph; a `{ href, label }` entry is a button-like link. */
  body: Array<string | { href: string; label: string }>;
}

const FOOTER =
  'This message was sent by Latchkey, the sign-in service for your products. Do not reply to it.';

/** Builds both parts of an email from paragraphs and link buttons. */
export function compose({ subject, greeting, body }: Paragraphs): MailContent {
  const text = [
    greeting,
    ...body.map((p) => (typeof p === 'string' ? p : `${p.label}:\n${p.href}`)),
    '--',
    FOOTER,
  ].join('\n\n');
  const paragraphs: SafeHtml[] = body.map((p) =>
    typeof p === 'string'
      ? html`<p style="margin:0 0 16px">${p}</p>`
      : html`<p style="margin:0 0 16px">
          <a
            href="${p.href}"
            style="display:inline-block;padding:10px 16px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:6px"
            >${p.label}</a
          ><br /><span style="font-size:13px;color:#475569">${p.href}</span>
        </p>`,
  );
  const markup = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <title>${subject}</title>
      </head>
      <body
        style="font-family:system-ui,sans-serif;color:#0f172a;max-width:560px;margin:24px auto;padding:0 16px;line-height:1.5"
      >
        <p style="margin:0 0 16px">${greeting}</p>
        ${paragraphs}
        <hr style="border:none;border-top:1px solid #cbd5e1" />
        <p style="font-size:13px;color:#475569">${FOOTER}</p>
      </body>
    </html>`;
  return { subject, text, html: markup.value };
}

export const formatTime = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/:\d\d\.\d+Z$/, ' UTC');

export const productList = (products: string[]): string =>
  products.length <= 1
    ? (products[0] ?? 'your products')
    : `${products.slice(0, -1).join(', ')} and ${products[products.length - 1]}`;
