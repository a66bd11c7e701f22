import type { KoaContextWithOIDC } from 'oidc-provider';
import { html } from '../html.ts';
import { page } from '../pages/layout.ts';

/** The product a provider page is about, by its registered name. */
const productName = (ctx: KoaContextWithOIDC): string | undefined =>
  ctx.oidc.client?.clientName ?? undefined;

/**
 * RP-initiated logout asks before it signs anyone out (a link alone must not): everywhere (the
 * Latchkey session, and every product through back-channel logout) or only the product that
 * asked. `form` is the provider's hidden form; only its xsrf value is kept.
 */
export async function logoutSource(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  const xsrf = /name="xsrf" value="([^"]*)"/.exec(form)?.[1] ?? '';
  const product = productName(ctx);
  ctx.type = 'html';
  ctx.body = page({
    title: 'Sign Out',
    body: html`<p>
        ${product ? `${product} asked to sign you out.` : 'Do you want to sign out?'} Signing out
        everywhere also signs you out of Latchkey and of every other product.
      </p>
      <form method="post" action="${ctx.oidc.urlFor('end_session_confirm')}">
        <input type="hidden" name="xsrf" value="${xsrf}" />
        <button type="submit" name="logout" value="yes">Sign out everywhere</button>
        ${product ? html`<button type="submit">Sign out of ${product} only</button>` : ''}
      </form>`,
  });
}

/** The page after a logout that named no address to return to. */
export async function postLogoutSuccessSource(ctx: KoaContextWithOIDC): Promise<void> {
  const product = productName(ctx);
  ctx.type = 'html';
  ctx.body = page({
    title: 'Signed Out',
    body: html`<p>You have signed out${product ? ` of ${product}` : ''}.</p>
      <p class="links"><a href="/login">Log In</a></p>`,
  });
}

/**
 * A request the provider refuses without sending the browser back to the product (an unknown
 * client, a redirect URI not registered exactly as given): told in words, never redirected.
 */
export async function renderError(
  ctx: KoaContextWithOIDC,
  out: { error?: string; error_description?: string },
): Promise<void> {
  ctx.type = 'html';
  ctx.body = page({
    title: 'Sign-In Could Not Start',
    body: html`<p>
        The product that sent you here made a request Latchkey cannot
        accept${out.error_description ? html`: <span class="reason">${out.error_description}</span>` : ''}.
      </p>
      <p>Go back to the product and try again. If this keeps happening, tell its administrators.</p>
      <p class="links"><a href="/login">Log In to Latchkey</a></p>`,
  });
}
