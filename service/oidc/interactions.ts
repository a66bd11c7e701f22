import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { ServiceContext } from '../context.ts';
import { organizationOf } from '../domain/accounts.ts';
import { recordAudit } from '../domain/audit.ts';
import { html } from '../html.ts';
import { page } from '../pages/layout.ts';
import { sendPage } from '../pages/web.ts';
import { withFormAction } from '../security-headers.ts';
import type { Account } from '../store/schema.ts';
import { mayUseProduct } from './claims.ts';
import { findClient, type RegisteredClient } from './clients.ts';
import type { ProviderHolder } from './mount.ts';
import { clientOrigins, interactionPath } from './provider.ts';

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

/** A product sign-in this browser has in progress (an oidc-provider interaction). */
export interface ProductSignIn {
  uid: string;
  client: RegisteredClient;
  interaction: Interaction;
  /** Where the browser continues it: Log In for that product, or straight on when signed in. */
  path: string;
}

/** Login prompts that must be answered with the password even by a signed-in browser. */
const FRESH_LOGIN_REASONS = new Set(['login_prompt', 'max_age', 'id_token_hint']);

/** An interaction uid as the provider makes them (nanoid); anything else is not looked up. */
const UID = /^[A-Za-z0-9_-]{10,64}$/;

/**
 * The product sign-ins of this process's provider, for the pages that take part in one: Log In,
 * the owed steps (change password, security question), and forgotten username or password.
 * Which sign-in a page continues is carried in its address or form (`interaction`), and only
 * counts when it is the one this browser's signed interaction cookie names: a link cannot send
 * anyone anywhere but back into the provider, and from there only to a registered redirect URI.
 */
export class ProductSignIns {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly holder: ProviderHolder,
  ) {}

  /** The sign-in named by `uid`, if it is this browser's and still alive. */
  async pending(
    request: FastifyRequest,
    reply: FastifyReply,
    uid: unknown,
  ): Promise<ProductSignIn | undefined> {
    if (typeof uid !== 'string' || !UID.test(uid)) return undefined;
    const current = await this.current(request, reply);
    return current?.uid === uid ? current : undefined;
  }

  /** This browser's sign-in in progress, if any. */
  async current(request: FastifyRequest, reply: FastifyReply): Promise<ProductSignIn | undefined> {
    const provider = await this.holder.provider();
    let interaction: Interaction;
    try {
      interaction = await provider.interactionDetails(request.raw, reply.raw);
    } catch {
      // No interaction cookie, an expired interaction, or its provider session ended.
      return undefined;
    }
    const clientId = interaction.params.client_id;
    const client =
      typeof clientId === 'string' ? await findClient(this.ctx.db, clientId) : undefined;
    if (!client) return undefined;
    return { uid: interaction.uid, client, interaction, path: interactionPath(interaction.uid) };
  }

  /** Whether this step must ask for the password even though the browser is signed in. */
  wantsFreshLogin(signIn: ProductSignIn): boolean {
    const { prompt } = signIn.interaction;
    return prompt.name === 'login' && prompt.reasons.some((r) => FRESH_LOGIN_REASONS.has(r));
  }

  /**
   * Finishes a sign-in for a signed-in account with no step owed: to the product with a grant
   * of what it asked for (the products are first-party: no consent page), or, when the account
   * may not use the product, a page that says so and whom to ask while the product is told
   * `access_denied`.
   */
  async complete(
    request: FastifyRequest,
    reply: FastifyReply,
    signIn: ProductSignIn,
    account: Account,
    via: 'log_in' | 'single_sign_on',
  ): Promise<FastifyReply> {
    const provider = await this.holder.provider();
    const { client } = signIn;
    const audit = {
      accountId: account.id,
      organizationId: account.organization_id,
      ip: request.ip,
    };
    const detail = { product: client.productCode, clientId: client.clientId, via };
    if (!(await mayUseProduct(this.ctx.db, account.id, client.productId))) {
      const returnTo = await provider.interactionResult(request.raw, reply.raw, {
        error: 'access_denied',
        error_description: 'This account may not use this product.',
      });
      await recordAudit(this.ctx.db, this.ctx.clock, {
        ...audit,
        type: 'product_access_denied',
        detail,
      });
      const { policy } = await organizationOf(this.ctx.db, account);
      return sendPage(reply, 403, noAccessPage(client.productName, policy.adminContact, returnTo));
    }
    const grantId = await this.grantFor(provider, signIn, account.id);
    const returnTo = await provider.interactionResult(
      request.raw,
      reply.raw,
      {
        login: { accountId: account.id, remember: false, amr: ['pwd'] },
        consent: { grantId },
      },
      { mergeWithLastSubmission: false },
    );
    await recordAudit(this.ctx.db, this.ctx.clock, { ...audit, type: 'product_sign_in', detail });
    return reply.redirect(returnTo, 303);
  }

  /** The grant of every scope and claim the product asked for, added to its existing one. */
  private async grantFor(
    provider: Provider,
    signIn: ProductSignIn,
    accountId: string,
  ): Promise<string> {
    const { interaction } = signIn;
    const existing =
      interaction.grantId && interaction.session?.accountId === accountId
        ? await provider.Grant.find(interaction.grantId)
        : undefined;
    const grant = existing ?? new provider.Grant({ accountId, clientId: signIn.client.clientId });
    const scope = interaction.params.scope;
    if (typeof scope === 'string') grant.addOIDCScope(scope);
    const claims = interaction.prompt.details.missingOIDCClaims;
    if (Array.isArray(claims)) grant.addOIDCClaims(claims.map(String));
    return grant.save();
  }

  /** Allows the page's forms to end at the product (the redirects after a sign-in do). */
  allowFormsToReach(reply: FastifyReply, signIn: ProductSignIn | undefined): void {
    const csp = reply.getHeader('content-security-policy');
    if (!signIn || typeof csp !== 'string') return;
    const origins = clientOrigins({
      redirectUris: signIn.client.redirectUris,
      postLogoutRedirectUris: signIn.client.postLogoutRedirectUris,
    });
    reply.header('content-security-policy', withFormAction(csp, origins));
  }
}

/** `path` carrying the sign-in it continues, when there is one. */
export const continuing = (path: string, signIn: ProductSignIn | undefined): string =>
  signIn ? `${path}${path.includes('?') ? '&' : '?'}interaction=${signIn.uid}` : path;

function noAccessPage(product: string, contact: string, returnTo: string): string {
  return page({
    title: `No Access to ${product}`,
    body: html`<p>Your account may not use ${product}.</p>
      <p>To use it, ask ${contact} to give your account access to ${product}.</p>
      <p class="links"><a href="${returnTo}">Return to ${product}</a></p>`,
  });
}
