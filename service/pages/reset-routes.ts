import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { organizationOf, productsOf } from '../domain/accounts.ts';
import { MAX_SECRET_LENGTH } from '../domain/passwords.ts';
import { applyNewPassword } from '../domain/password-change.ts';
import { answerChallenge } from '../domain/challenge-answers.ts';
import {
  findResetSession,
  openResetLink,
  spendResetLink,
  type ResetSession,
} from '../domain/reset-links.ts';
import { html } from '../html.ts';
import { findClient, productHome } from '../oidc/clients.ts';
import type { ProductSignIns } from '../oidc/interactions.ts';
import { csrfField, field, page, type FieldErrors } from './layout.ts';
import { newPasswordProblems, productSentence } from './new-password.ts';
import {
  cookieNames,
  cookieOptions,
  csrfToken,
  ipWithinLimit,
  parseForm,
  sendPage,
  tooManyRequests,
} from './web.ts';

const AnswerForm = z.object({
  answer: z
    .string()
    .trim()
    .min(1, 'Enter your answer.')
    .max(200, 'Answers are at most 200 characters.'),
});
const NewPasswordForm = z.object({
  new_password: z
    .string()
    .min(1, 'Enter a new password.')
    .max(MAX_SECRET_LENGTH, 'Use at most 256 characters.'),
  verify_password: z
    .string()
    .min(1, 'Enter the new password again.')
    .max(MAX_SECRET_LENGTH, 'Use at most 256 characters.'),
});
const PASSWORD_LABELS = { new_password: 'New Password', verify_password: 'Verify Password' };

/** One page for every link that cannot be used: expired, used, superseded, unknown (R20). */
function linkDeadPage(ctx: ServiceContext, reply: FastifyReply, reason?: 'paused') {
  reply.clearCookie(cookieNames(ctx.config).reset, cookieOptions(ctx));
  const lines =
    reason === 'paused'
      ? [
          'Too many wrong answers were given for this account, so self-service reset is paused for 24 hours.',
          'Contact your administrator or helpdesk to reset your password.',
        ]
      : [
          'This password reset link can no longer be used. Links work once and for a limited time, and a newer link replaces older ones.',
          'You can ask for a new link.',
        ];
  return sendPage(
    reply,
    410,
    page({
      title: 'Link No Longer Valid',
      body: html`${lines.map((l) => html`<p>${l}</p>`)}
        <p class="links">
          <a href="/forgot-password">Reset Your Password</a> <a href="/login">Back to Log In</a>
        </p>`,
    }),
  );
}

async function session(
  ctx: ServiceContext,
  request: FastifyRequest,
): Promise<ResetSession | undefined> {
  return findResetSession(ctx, request.cookies[cookieNames(ctx.config).reset]);
}

function challengePage(token: string, question: string, errors?: FieldErrors) {
  return page({
    title: 'Password Challenge',
    errors,
    labels: { answer: 'Answer' },
    body: html`<p>Answer your security question to continue.</p>
      <form method="post" action="/reset/challenge" novalidate>
        ${csrfField(token)}
        <p><strong id="question">${question}</strong></p>
        ${field({ name: 'answer', label: 'Answer', errors, autofocus: true, describedBy: ['question'], hint: 'Capital letters and extra spaces do not matter.' })}
        <button type="submit">Submit</button>
      </form>`,
  });
}

async function setUpPage(
  ctx: ServiceContext,
  token: string,
  s: ResetSession,
  errors?: FieldErrors,
) {
  const products = (await productsOf(ctx.db, s.account.id)).map((p) => p.name);
  return page({
    title: 'Set Up Password',
    errors,
    labels: PASSWORD_LABELS,
    body: html`<p class="notice">${productSentence(products)}</p>
      <p>Account: <strong>${s.account.username}</strong></p>
      <form method="post" action="/reset/password" novalidate>
        ${csrfField(token)}
        <input
          type="text"
          name="username"
          value="${s.account.username}"
          autocomplete="username"
          hidden
        />
        ${field({ name: 'new_password', label: 'New Password', type: 'password', autocomplete: 'new-password', errors, autofocus: true, hint: 'At least 15 characters. A few unrelated words make a strong password you can remember.' })}
        ${field({ name: 'verify_password', label: 'Verify Password', type: 'password', autocomplete: 'new-password', errors })}
        <button type="submit">Submit</button>
      </form>`,
  });
}

async function openLink(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply) {
  if (!(await ipWithinLimit(ctx, request, 'reset-link', 50, 15 * 60_000)))
    return tooManyRequests(reply);
  const { token } = request.params as { token: string };
  const opened = await openResetLink(ctx, token, request.ip);
  if (!opened) return linkDeadPage(ctx, reply);
  reply.setCookie(cookieNames(ctx.config).reset, opened.cookie, {
    ...cookieOptions(ctx),
    sameSite: 'strict',
  });
  // The token leaves the address bar at once (R19).
  return reply.redirect(opened.purpose === 'invite' ? '/reset/password' : '/reset/challenge', 303);
}

/** Answers per client address, beside the per-link and per-account limits (R43, R46). */
const ANSWERS_PER_CLIENT = 20;
const ANSWER_WINDOW_MS = 15 * 60_000;

async function postChallenge(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply) {
  if (!(await ipWithinLimit(ctx, request, 'challenge', ANSWERS_PER_CLIENT, ANSWER_WINDOW_MS)))
    return tooManyRequests(reply);
  const s = await session(ctx, request);
  if (!s || s.link.purpose !== 'reset') return linkDeadPage(ctx, reply);
  const token = csrfToken(ctx, request, reply);
  const form = parseForm(AnswerForm, request.body);
  if (form.errors)
    return sendPage(
      reply,
      400,
      challengePage(token, s.account.security_question ?? '', form.errors),
    );
  const cookie = request.cookies[cookieNames(ctx.config).reset] ?? '';
  const outcome = await answerChallenge(ctx, s, cookie, form.data.answer, request.ip);
  if (outcome === 'passed') return reply.redirect('/reset/password', 303);
  if (outcome === 'wrong')
    return sendPage(
      reply,
      400,
      challengePage(token, s.account.security_question ?? '', {
        answer: 'That answer is not right. Try again.',
      }),
    );
  return linkDeadPage(ctx, reply, outcome === 'paused' ? 'paused' : undefined);
}

async function postNewPassword(ctx: ServiceContext, request: FastifyRequest, reply: FastifyReply) {
  const s = await session(ctx, request);
  const cookie = request.cookies[cookieNames(ctx.config).reset];
  // The server enforces the order: link, then answer, then password (R22).
  if (!s || !cookie || (s.link.purpose === 'reset' && s.link.answered_at === null))
    return linkDeadPage(ctx, reply);
  const token = csrfToken(ctx, request, reply);
  const form = parseForm(NewPasswordForm, request.body);
  const org = await organizationOf(ctx.db, s.account);
  const errors =
    form.errors ??
    (await newPasswordProblems(
      ctx,
      s.account,
      org.name,
      form.data.new_password,
      form.data.verify_password,
    ));
  if (errors || !form.data)
    return sendPage(reply, 400, await setUpPage(ctx, token, s, errors ?? undefined));
  const newHash = await ctx.hasher.hash(form.data.new_password);
  const spent = await ctx.db.transaction().execute(async (trx) => {
    if (!(await spendResetLink(trx, ctx.clock, s, cookie))) return false;
    await applyNewPassword(trx, ctx, s.account, {
      newHash,
      how: s.link.purpose === 'invite' ? 'invite' : 'reset',
      by: 'self',
      ip: request.ip,
    });
    return true;
  });
  if (!spent) return linkDeadPage(ctx, reply);
  ctx.mailQueued();
  reply.clearCookie(cookieNames(ctx.config).reset, cookieOptions(ctx));
  // No automatic sign-in after a reset (R23): the success page links to Log In.
  return reply.redirect('/reset/done', 303);
}

/**
 * Password Changed. A reset started from a product's sign-in leads back to that product, only
 * ever through its registration: to its sign-in when it is still in progress in this browser,
 * else to the product's own start page (never to an address a request carried).
 */
async function donePage(
  ctx: ServiceContext,
  signIns: ProductSignIns,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const name = cookieNames(ctx.config).product;
  const clientId = request.cookies[name];
  const client = clientId ? await findClient(ctx.db, clientId) : undefined;
  if (clientId) reply.clearCookie(name, cookieOptions(ctx));
  const signIn = client ? await signIns.current(request, reply) : undefined;
  const next = !client
    ? html`<p>Open the Log In page and sign in with your new password.</p>
        <p class="links"><a href="/login">Log In</a></p>`
    : signIn?.client.clientId === client.clientId
      ? html`<p>Log In with your new password to continue to ${client.productName}.</p>
          <p class="links">
            <a href="${signIn.path}">Log In to continue to ${client.productName}</a>
          </p>`
      : html`<p>Open ${client.productName} and sign in with your new password.</p>
          <p class="links"><a href="${productHome(client)}">Open ${client.productName}</a></p>`;
  return sendPage(
    reply,
    200,
    page({
      title: 'Password Changed',
      body: html`<p>
          Your password was changed. Everyone signed in to this account has been signed out.
        </p>
        ${next}`,
    }),
  );
}

/** The emailed link, Password Challenge and Set Up Password (SPEC §1). */
export function resetRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  signIns: ProductSignIns,
): void {
  app.get('/reset/:token', (request, reply) => openLink(ctx, request, reply));
  app.get('/reset/challenge', async (request, reply) => {
    const s = await session(ctx, request);
    if (!s || s.link.purpose !== 'reset') return linkDeadPage(ctx, reply);
    if (s.link.answered_at !== null) return reply.redirect('/reset/password', 303);
    return sendPage(
      reply,
      200,
      challengePage(csrfToken(ctx, request, reply), s.account.security_question ?? ''),
    );
  });
  app.post('/reset/challenge', (request, reply) => postChallenge(ctx, request, reply));
  app.get('/reset/password', async (request, reply) => {
    const s = await session(ctx, request);
    if (!s) return linkDeadPage(ctx, reply);
    if (s.link.purpose === 'reset' && s.link.answered_at === null)
      return reply.redirect('/reset/challenge', 303);
    return sendPage(reply, 200, await setUpPage(ctx, csrfToken(ctx, request, reply), s));
  });
  app.post('/reset/password', (request, reply) => postNewPassword(ctx, request, reply));
  app.get('/reset/done', (request, reply) => donePage(ctx, signIns, request, reply));
}
