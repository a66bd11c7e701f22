import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CONTROL_CHARACTER_MESSAGE, WITHOUT_CONTROL_CHARACTERS } from '../../common/api/text.ts';
import type { ServiceContext } from '../context.ts';
import { productsOf } from '../domain/accounts.ts';
import { recordAudit } from '../domain/audit.ts';
import { MAX_SECRET_LENGTH } from '../domain/passwords.ts';
import { endSession, findSession, type LiveSession } from '../domain/sessions.ts';
import { signIn } from '../domain/sign-in.ts';
import { html } from '../html.ts';
import { continuing, type ProductSignIn, type ProductSignIns } from '../oidc/interactions.ts';
import { csrfField, field, page, type FieldErrors } from './layout.ts';
import {
  cookieNames,
  cookieOptions,
  csrfToken,
  ipWithinLimit,
  parseForm,
  sendPage,
  tooManyRequests,
} from './web.ts';

const LoginForm = z.object({
  identifier: z
    .string()
    .trim()
    .min(1, 'Enter your email or username.')
    .max(320, 'This is too long for an email or username.')
    // A lookup with NUL failed on PostgreSQL (a 500); no address or username holds one.
    .regex(WITHOUT_CONTROL_CHARACTERS, CONTROL_CHARACTER_MESSAGE),
  password: z
    .string()
    .min(1, 'Enter your password.')
    // Any password that could ever have been set is accepted here; longer is refused before
    // any hashing (R50). The 256-character limit is for new passwords (password-policy.ts).
    .max(MAX_SECRET_LENGTH, `Passwords are at most ${MAX_SECRET_LENGTH} characters.`),
  // Only a hint of where to go next, with no field of its own: a bad one is dropped, not shown.
  return_to: z.string().max(2000).optional().catch(undefined),
});

const LABELS = { identifier: 'Email or Username', password: 'Password' };
const GENERIC_FAILURE =
  'The email or username and password do not match an account that can sign in.';
const AMBIGUOUS =
  'This email address is used by more than one account. Enter your username instead.';

/** The signed-in session of this browser, if any. */
export function currentSession(
  ctx: ServiceContext,
  request: FastifyRequest,
): Promise<LiveSession | undefined> {
  return findSession(ctx.db, ctx.clock, request.cookies[cookieNames(ctx.config).session]);
}

/** Where an account holder must go next: the owed step, else the default view. */
export function nextStepPath(session: LiveSession): string {
  if (session.account.must_change_password) return '/change-password';
  if (!session.account.security_answer_hash) return '/security-question';
  return '/';
}

/** A return address on a product's own origin, or undefined (an open redirect is refused). */
async function allowedReturnTo(
  ctx: ServiceContext,
  value: string | undefined,
): Promise<string | undefined> {
  if (!value) return undefined;
  let target: URL;
  try {
    target = new URL(value);
  } catch {
    return undefined;
  }
  const products = await ctx.db.selectFrom('products').select('url').execute();
  // A product imported without an address has url '' (no origin to match, not a 500).
  return products.some((p) => URL.canParse(p.url) && new URL(p.url).origin === target.origin)
    ? target.toString()
    : undefined;
}

function loginPage(
  token: string,
  values: { identifier?: string; return_to?: string },
  errors?: FieldErrors,
  notice?: string,
  product?: ProductSignIn,
) {
  const status =
    notice ?? (product ? `Sign in to continue to ${product.client.productName}.` : undefined);
  return page({
    title: 'Log In',
    errors,
    labels: LABELS,
    body: html`${status ? html`<p class="notice" role="status">${status}</p>` : ''}
      <form method="post" action="/login" novalidate>
        ${csrfField(token)}
        ${values.return_to ? html`<input type="hidden" name="return_to" value="${values.return_to}" />` : ''}
        ${product ? html`<input type="hidden" name="interaction" value="${product.uid}" />` : ''}
        ${field({ name: 'identifier', label: LABELS.identifier, value: values.identifier, autocomplete: 'username', errors, autofocus: !values.identifier })}
        ${field({ name: 'password', label: LABELS.password, type: 'password', autocomplete: 'current-password', errors, autofocus: Boolean(values.identifier) })}
        <button type="submit">Log In</button>
      </form>
      <p class="links">
        <a href="${continuing('/forgot-username', product)}">forgot username?</a>
        <a href="${continuing('/forgot-password', product)}">forgot password?</a>
      </p>`,
  });
}

/** An organization that moved to an external login service: where to sign in instead. */
function elsewherePage(url: string, product: ProductSignIn | undefined) {
  const what = product ? product.client.productName : 'your products';
  return page({
    title: 'Sign In Elsewhere',
    body: html`<p>Your organization now signs in through its own login service, not here.</p>
      <p>To sign in to ${what}, use <a href="${url}">${url}</a>.</p>`,
  });
}

async function postLogin(
  ctx: ServiceContext,
  signIns: ProductSignIns,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (!(await ipWithinLimit(ctx, request, 'login', 100, 5 * 60_000))) return tooManyRequests(reply);
  const token = csrfToken(ctx, request, reply);
  const form = parseForm(LoginForm, request.body);
  const raw = (request.body ?? {}) as {
    identifier?: unknown;
    return_to?: unknown;
    interaction?: unknown;
  };
  const values = {
    identifier: typeof raw.identifier === 'string' ? raw.identifier.slice(0, 320) : '',
    return_to: typeof raw.return_to === 'string' ? raw.return_to : undefined,
  };
  const product = await signIns.pending(request, reply, raw.interaction);
  signIns.allowFormsToReach(reply, product);
  const again = (status: number, errors: FieldErrors) =>
    sendPage(reply, status, loginPage(token, values, errors, undefined, product));
  if (form.errors) return again(400, form.errors);
  const result = await signIn(ctx, {
    identifier: form.data.identifier,
    password: form.data.password,
    ip: request.ip,
  });
  if (result.kind === 'ambiguous') return again(400, { identifier: AMBIGUOUS });
  if (result.kind === 'failed') return again(401, { password: GENERIC_FAILURE });
  if (result.kind === 'elsewhere') return sendPage(reply, 403, elsewherePage(result.url, product));
  reply.setCookie(cookieNames(ctx.config).session, result.token, cookieOptions(ctx));
  if (product) return continueProductSignIn(ctx, signIns, request, reply, product, result);
  const returnTo =
    result.next === 'home' ? await allowedReturnTo(ctx, form.data.return_to) : undefined;
  const next = {
    change_password: '/change-password',
    security_question: '/security-question',
    home: '/',
  }[result.next];
  return reply.redirect(returnTo ?? next, 303);
}

async function homePage(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply) {
  const session = await currentSession(ctx, request);
  if (!session) return reply.redirect('/login', 303);
  if (nextStepPath(session) !== '/') return reply.redirect(nextStepPath(session), 303);
  const products = await productsOf(ctx.db, session.account.id);
  const token = csrfToken(ctx, request, reply);
  return sendPage(
    reply,
    200,
    page({
      title: 'Your products',
      body: html`<p>Signed in as <strong>${session.account.username}</strong>.</p>
        ${
          products.length
            ? html`<ul class="products">
                ${products.map((p) =>
                  p.url
                    ? html`<li><a href="${p.url}">${p.name}</a></li>`
                    : html`<li>${p.name}</li>`,
                )}
              </ul>`
            : html`<p>This account has no products yet. Contact your administrator.</p>`
        }
        <p class="links">
          <a href="/change-password">Change password</a>
          <a href="/security-question">Change security question</a>
        </p>
        <form method="post" action="/logout">
          ${csrfField(token)}<button type="submit">Sign out</button>
        </form>`,
    }),
  );
}

/** After Log In for a product: the owed steps (carrying the sign-in along), else the product. */
async function continueProductSignIn(
  ctx: ServiceContext,
  signIns: ProductSignIns,
  request: FastifyRequest,
  reply: FastifyReply,
  product: ProductSignIn,
  result: { token: string; next: 'change_password' | 'security_question' | 'home' },
) {
  const session = await findSession(ctx.db, ctx.clock, result.token);
  if (!session) return reply.redirect(continuing('/login', product), 303);
  const next = nextStepPath(session);
  if (next !== '/') return reply.redirect(continuing(next, product), 303);
  return signIns.complete(request, reply, product, session.account, 'log_in');
}

/** Log In (for Latchkey, or for a product that sent the browser), the default view and sign-out (SPEC §1). */
export function loginRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  signIns: ProductSignIns,
): void {
  app.get('/login', async (request, reply) => {
    const query = request.query as {
      return_to?: unknown;
      signed_out?: unknown;
      interaction?: unknown;
    };
    const returnTo =
      typeof query.return_to === 'string' ? query.return_to.slice(0, 2000) : undefined;
    const notice = query.signed_out !== undefined ? 'You have signed out.' : undefined;
    const product = await signIns.pending(request, reply, query.interaction);
    signIns.allowFormsToReach(reply, product);
    return sendPage(
      reply,
      200,
      loginPage(
        csrfToken(ctx, request, reply),
        { return_to: returnTo },
        undefined,
        notice,
        product,
      ),
    );
  });
  app.post('/login', (request, reply) => postLogin(ctx, signIns, request, reply));
  app.get('/', (request, reply) => homePage(ctx, request, reply));
  app.post('/logout', async (request, reply) => {
    const session = await currentSession(ctx, request);
    if (session) {
      await endSession(ctx.db, ctx.clock, session.id);
      await recordAudit(ctx.db, ctx.clock, {
        type: 'sign_out',
        accountId: session.account.id,
        organizationId: session.account.organization_id,
        ip: request.ip,
      });
    }
    reply.clearCookie(cookieNames(ctx.config).session, cookieOptions(ctx));
    return reply.redirect('/login?signed_out', 303);
  });
}
