import { namesInWords } from '../../common/api/text.ts';
import { html, raw, type SafeHtml } from '../html.ts';

/** Field name → the message to show next to that field. */
export type FieldErrors = Record<string, string>;

/** The footer: one sign-in for the configured products, in display order (issue 14). */
export function footer(productNames: readonly string[]): string {
  const products = productNames.length
    ? namesInWords(productNames)
    : 'your organization’s products';
  return html`<footer>Latchkey · one sign-in for ${products}</footer>`.value;
}

/**
 * What `page()` writes, and what stays when the products cannot be read (a page answered while
 * the store is down, or straight to the socket): the footer without a list. `fillFooter`
 * replaces it once the products are known (product-footer.ts).
 */
export const UNFILLED_FOOTER = footer([]);

/** A page with its footer naming these products instead of none. */
export const fillFooter = (markup: string, productNames: readonly string[]): string =>
  markup.replace(UNFILLED_FOOTER, () => footer(productNames));

interface PageOptions {
  title: string;
  body: SafeHtml;
  /** Shown at the top, announced by screen readers: form errors. */
  errors?: FieldErrors;
  labels?: Record<string, string>;
}

/** A whole page in the one Latchkey look; the title doubles as the visible heading. */
export function page({ title, body, errors, labels }: PageOptions): string {
  const entries = Object.entries(errors ?? {});
  // After a form error the summary takes the focus, so it is read first and each of its links
  // leads to its field (no field autofocuses then: see field()).
  const summary = entries.length
    ? html`<div class="summary" role="alert" tabindex="-1" id="error-summary" autofocus>
        <h2>There is a problem</h2>
        <ul>
          ${entries.map(
            ([field, message]) =>
              html`<li><a href="#${field}">${labels?.[field] ?? field}: ${message}</a></li>`,
          )}
        </ul>
      </div>`
    : '';
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${entries.length ? 'Error: ' : ''}${title} – Latchkey</title>
        <link rel="stylesheet" href="/static/latchkey.css" />
      </head>
      <body>
        <a class="skip" href="#content">Skip to content</a>
        <header><a class="brand" href="/">Latchkey</a></header>
        <main id="content">
          <h1>${title}</h1>
          ${summary} ${body}
        </main>
        ${raw(UNFILLED_FOOTER)}
      </body>
    </html>`.value;
}

interface FieldOptions {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password';
  value?: string;
  autocomplete?: string;
  hint?: string;
  errors?: FieldErrors;
  /** Focus this field when the page opens; ignored when the page shows errors (their summary is). */
  autofocus?: boolean;
  /** Ids of other elements that describe this field (e.g. the question an answer is for). */
  describedBy?: string[];
}

/** A labelled input with its hint and error tied to it for assistive technology. */
export function field(o: FieldOptions): SafeHtml {
  const error = o.errors?.[o.name];
  const describedBy = [
    ...(o.describedBy ?? []),
    o.hint ? `${o.name}-hint` : '',
    error ? `${o.name}-error` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const autofocus = o.autofocus && Object.keys(o.errors ?? {}).length === 0;
  return html`<div class="field">
    <label for="${o.name}">${o.label}</label>
    <input
      id="${o.name}"
      name="${o.name}"
      type="${o.type ?? 'text'}"
      value="${o.type === 'password' ? '' : (o.value ?? '')}"
      ${html` autocomplete="${o.autocomplete ?? 'off'}"`}${describedBy ? html` aria-describedby="${describedBy}"` : ''}${error ? html` aria-invalid="true"` : ''}${autofocus ? html` autofocus` : ''}
      required
    />
    ${o.hint ? html`<p class="hint" id="${o.name}-hint">${o.hint}</p>` : ''}
    ${error ? html`<p class="error" id="${o.name}-error">${error}</p>` : ''}
  </div>`;
}

/** The hidden CSRF field every form carries. */
export const csrfField = (token: string): SafeHtml =>
  html`<input type="hidden" name="_csrf" value="${token}" />`;
