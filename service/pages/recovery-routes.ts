import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { CONTROL_CHARACTER_MESSAGE, WITHOUT_CONTROL_CHARACTERS } from '../../common/api/text.ts';
import type { ServiceContext } from '../context.ts';
import { queueRecoveryRequest } from '../domain/recovery-requests.ts';
import type { RecoveryRequestKind } from '../store/schema.ts';
import { html } from '../html.ts';
import { continuing, type ProductSignIn, type ProductSignIns } from '../oidc/interactions.ts';
import { csrfField, field, page, type FieldErrors } from './layout.ts';
import { cookieNames, cookieOptions, csrfToken, parseForm, sendPage } from './web.ts';

const UsernameForm = z.object({
  email: z
    .string()
    .trim()
    .min(1, 'Enter your email address.')
    .max(320, 'This is too long for an email address.')
    // A lookup with NUL failed on PostgreSQL (a 500); no address or username holds one.
    .regex(WITHOUT_CONTROL_CHARACTERS, CONTROL_CHARACTER_MESSAGE)
    .regex(/^[^\s@]+@[^\s@]+$/, 'Enter an email address such as name@example.org.'),
});
const ResetForm = z.object({
  identifier: z
    .string()
    .trim()
    .min(1, 'Enter your email or username.')
    .max(320, 'This is too long for an email or username.')
    // A lookup with NUL failed on PostgreSQL (a 500); no address or username holds one.
    .regex(WITHOUT_CONTROL_CHARACTERS, CONTROL_CHARACTER_MESSAGE),
});

/** A full recovery queue is logged (the alert of R48) at most this often per process. */
const QUEUE_FULL_WARNING_MS = 60_000;
let queueFullWarnedAt = Number.NEGATIVE_INFINITY;

/** Back to where this flow started: Log In, for the product when a product sent the person. */
const backToLogIn = (product: ProductSignIn | undefined) =>
  html`<p class="links"><a href="${product?.path ?? '/login'}">Back to Log In</a></p>`;

const productField = (product: ProductSignIn | undefined) =>
  product ? html`<input type="hidden" name="interaction" value="${product.uid}" />` : '';

function usernamePage(token: string, value: string, errors?: FieldErrors, product?: ProductSignIn) {
  return page({
    title: 'Retrieve Forgotten Username',
    errors,
    labels: { email: 'Email' },
    body: html`<p>
        Enter the email address of your account. We will email you every username registered to it.
      </p>
      <form method="post" action="/forgot-username" novalidate>
        ${csrfField(token)} ${productField(product)}
        ${field({ name: 'email', label: 'Email', type: 'email', value, autocomplete: 'email', errors, autofocus: true })}
        <button type="submit">Continue</button>
      </form>
      ${backToLogIn(product)}`,
  });
}

function resetPage(token: string, value: string, errors?: FieldErrors, product?: ProductSignIn) {
  return page({
    title: 'Reset Your Password',
    errors,
    labels: { identifier: 'Email or Username' },
    body: html`<p>Enter your email or username. We will email you a link to reset your password.</p>
      <form method="post" action="/forgot-password" novalidate>
        ${csrfField(token)} ${productField(product)}
        ${field({ name: 'identifier', label: 'Email or Username', value, autocomplete: 'username', errors, autofocus: true })}
        <button type="submit">Continue</button>
      </form>
      ${backToLogIn(product)}`,
  });
}

const infoPage = (title: string, lines: string[], product?: ProductSignIn) =>
  page({
    title,
    body: html`${lines.map((l) => html`<p>${l}</p>`)} ${backToLogIn(product)}`,
  });

const bodyValue = (request: FastifyRequest, name: string): string => {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, 320) : '';
};

/**
 * The whole of the work a recovery page does: one queued row for the mail dispatcher, within
 * the limits per client address, per identifier and on the whole queue. No account is looked
 * up here, so known and unknown identifiers take the same path and the same time (R1, R2, R5);
 * over a limit nothing is queued and the page is the same (R43).
 */
async function queueRequest(
  ctx: ServiceContext,
  request: FastifyRequest,
  kind: RecoveryRequestKind,
  identifier: string,
): Promise<void> {
  const route = kind === 'password' ? 'forgot-password' : 'forgot-username';
  // The dispatcher is not woken: it takes the request on its next poll, at a time unrelated
  // to this response, so not even the work that follows the response lines up with it.
  const outcome = await queueRecoveryRequest(ctx.db, ctx.clock, {
    kind,
    identifier,
    ip: request.ip,
  });
  if (outcome === 'queue_full' && ctx.clock.now() - queueFullWarnedAt >= QUEUE_FULL_WARNING_MS) {
    queueFullWarnedAt = ctx.clock.now();
    request.log.warn(
      { route },
      'recovery queue full: Reset Your Password and Retrieve Forgotten Username requests are not queued until the mail dispatchers catch up (a flood?)',
    );
  }
}

async function postUsername(
  ctx: ServiceContext,
  signIns: ProductSignIns,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const form = parseForm(UsernameForm, request.body);
  const product = await signIns.pending(request, reply, bodyValue(request, 'interaction'));
  if (form.errors)
    return sendPage(
      reply,
      400,
      usernamePage(
        csrfToken(ctx, request, reply),
        bodyValue(request, 'email'),
        form.errors,
        product,
      ),
    );
  await queueRequest(ctx, request, 'username', form.data.email);
  return reply.redirect(continuing('/forgot-username/sent', product), 303);
}

async function postReset(
  ctx: ServiceContext,
  signIns: ProductSignIns,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const form = parseForm(ResetForm, request.body);
  const product = await signIns.pending(request, reply, bodyValue(request, 'interaction'));
  if (form.errors)
    return sendPage(
      reply,
      400,
      resetPage(
        csrfToken(ctx, request, reply),
        bodyValue(request, 'identifier'),
        form.errors,
        product,
      ),
    );
  await queueRequest(ctx, request, 'password', form.data.identifier);
  if (product) rememberProduct(ctx, reply, product);
  return reply.redirect(continuing('/forgot-password/sent', product), 303);
}

/**
 * Remembers which product a forgotten-password flow started from, for as long as its emailed
 * link can live, so Password Changed can lead back to that product (reset-routes.ts). Only a
 * client id: where it leads is read from the client's registration.
 */
function rememberProduct(ctx: ServiceContext, reply: FastifyReply, product: ProductSignIn): void {
  const maxAge = Math.ceil(ctx.config.resetLinkTtlMs / 1000) + 3600;
  reply.setCookie(cookieNames(ctx.config).product, product.client.clientId, {
    ...cookieOptions(ctx, maxAge),
  });
}

/** The product sign-in named in the address, if it is this browser's. */
const queryProduct = (signIns: ProductSignIns, request: FastifyRequest, reply: FastifyReply) =>
  signIns.pending(request, reply, (request.query as { interaction?: unknown }).interaction);

/**
 * Retrieve Forgotten Username and Reset Your Password, each with its information page (SPEC §1).
 * Started from a product's sign-in, each leads back to it.
 */
export function recoveryRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  signIns: ProductSignIns,
): void {
  app.get('/forgot-username', async (request, reply) => {
    const product = await queryProduct(signIns, request, reply);
    return sendPage(
      reply,
      200,
      usernamePage(csrfToken(ctx, request, reply), '', undefined, product),
    );
  });
  app.post('/forgot-username', (request, reply) => postUsername(ctx, signIns, request, reply));
  app.get('/forgot-username/sent', async (request, reply) =>
    sendPage(
      reply,
      200,
      infoPage(
        'Check Your Email',
        [
          'If that address is registered, we have emailed the usernames registered to it.',
          'The email may take a few minutes to arrive. Check your junk folder too.',
        ],
        await queryProduct(signIns, request, reply),
      ),
    ),
  );
  app.get('/forgot-password', async (request, reply) => {
    const product = await queryProduct(signIns, request, reply);
    return sendPage(reply, 200, resetPage(csrfToken(ctx, request, reply), '', undefined, product));
  });
  app.post('/forgot-password', (request, reply) => postReset(ctx, signIns, request, reply));
  app.get('/forgot-password/sent', async (request, reply) =>
    sendPage(
      reply,
      200,
      infoPage(
        'Check Your Email',
        [
          'An email is being sent to the address of that account. It tells you how to reset your password.',
          'The email may take a few minutes to arrive. Check your junk folder too. If nothing arrives, contact your administrator.',
        ],
        await queryProduct(signIns, request, reply),
      ),
    ),
  );
}
