import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ServiceContext } from '../context.ts';
import { organizationOf, productsOf } from '../domain/accounts.ts';
import { recordAudit } from '../domain/audit.ts';
import { queueMail } from '../domain/outbox.ts';
import { MAX_SECRET_LENGTH } from '../domain/passwords.ts';
import { applyNewPassword } from '../domain/password-change.ts';
import { answerProblem, normalizeAnswer } from '../domain/security-questions.ts';
import { setSessionKind, type LiveSession } from '../domain/sessions.ts';
import { recheckPassword } from '../domain/sign-in.ts';
import { html } from '../html.ts';
import { securityQuestionSetMail } from '../mail/templates.ts';
import { continuing, type ProductSignIn, type ProductSignIns } from '../oidc/interactions.ts';
import { csrfField, field, page, type FieldErrors } from './layout.ts';
import { currentSession, nextStepPath } from './login-routes.ts';
import { newPasswordProblems, productSentence } from './new-password.ts';
import { csrfToken, parseForm, sendPage } from './web.ts';

const secret = (missing: string, tooLong = 'Use at most 256 characters.') =>
  z.string().min(1, missing).max(MAX_SECRET_LENGTH, tooLong);
const ChangeForm = z.object({
  // The current password may be anything Log In accepts; 256 is the limit for new ones (R50).
  current_password: secret(
    'Enter your current password.',
    `Passwords are at most ${MAX_SECRET_LENGTH} characters.`,
  ),
  new_password: secret('Enter a new password.'),
  verify_password: secret('Enter the new password again.'),
});
const QuestionForm = z.object({
  question: z.string().min(1, 'Choose a question.').max(200),
  answer: z
    .string()
    .trim()
    .min(1, 'Enter an answer.')
    .max(200, 'Use an answer of at most 100 characters.'),
  current_password: z.string().max(MAX_SECRET_LENGTH).optional(),
});
const CHANGE_LABELS = {
  current_password: 'Current Password',
  new_password: 'New Password',
  verify_password: 'Verify Password',
};
const QUESTION_LABELS = {
  question: 'Security Question',
  answer: 'Answer',
  current_password: 'Current Password',
};

/** The hidden field that carries a product sign-in through a form. */
const productField = (product: ProductSignIn | undefined) =>
  product ? html`<input type="hidden" name="interaction" value="${product.uid}" />` : '';

async function changePage(
  ctx: ServiceContext,
  token: string,
  s: LiveSession,
  errors?: FieldErrors,
  product?: ProductSignIn,
) {
  const products = (await productsOf(ctx.db, s.account.id)).map((p) => p.name);
  const forced = s.account.must_change_password === 1;
  return page({
    title: 'Change Password',
    errors,
    labels: CHANGE_LABELS,
    body: html`${forced ? html`<p class="notice" role="status">You must choose a new password before you continue.</p>` : ''}
      <p>${productSentence(products)}</p>
      <form method="post" action="/change-password" novalidate>
        ${csrfField(token)} ${productField(product)}
        <input
          type="text"
          name="username"
          value="${s.account.username}"
          autocomplete="username"
          hidden
        />
        ${field({ name: 'current_password', label: CHANGE_LABELS.current_password, type: 'password', autocomplete: 'current-password', errors, autofocus: true })}
        ${field({ name: 'new_password', label: CHANGE_LABELS.new_password, type: 'password', autocomplete: 'new-password', errors, hint: 'At least 15 characters. A few unrelated words make a strong password you can remember.' })}
        ${field({ name: 'verify_password', label: CHANGE_LABELS.verify_password, type: 'password', autocomplete: 'new-password', errors })}
        <button type="submit">Submit</button>
      </form>`,
  });
}

async function questionPage(
  ctx: ServiceContext,
  token: string,
  s: LiveSession,
  errors?: FieldErrors,
  chosen?: string,
  product?: ProductSignIn,
) {
  const { policy } = await organizationOf(ctx.db, s.account);
  const changing = s.account.security_answer_hash !== null;
  const error = errors?.question;
  return page({
    title: 'Security Question',
    errors,
    labels: QUESTION_LABELS,
    body: html`<p>
        ${changing ? 'Choose a new security question and answer.' : 'Choose a security question and answer before you continue. It is asked when you reset a forgotten password.'}
      </p>
      <form method="post" action="/security-question" novalidate>
        ${csrfField(token)} ${productField(product)}
        <div class="field">
          <label for="question">Security Question</label>
          <select
            id="question"
            name="question"
            ${error ? html` aria-invalid="true" aria-describedby="question-error"` : ''}
          >
            ${policy.securityQuestions.map((q) => html`<option${q === (chosen ?? s.account.security_question) ? html` selected` : ''}>${q}</option>`)}</select
          >${error ? html`<p class="error" id="question-error">${error}</p>` : ''}
        </div>
        ${field({ name: 'answer', label: 'Answer', errors, autofocus: !changing, hint: 'Choose an answer only you know. Capital letters and extra spaces do not matter.' })}
        ${changing ? field({ name: 'current_password', label: 'Current Password', type: 'password', autocomplete: 'current-password', errors, autofocus: true }) : ''}
        <button type="submit">Save</button>
      </form>`,
  });
}

async function postChange(
  ctx: ServiceContext,
  signIns: ProductSignIns,
  request: FastifyRequest,
  reply: FastifyReply,
  s: LiveSession,
) {
  const token = csrfToken(ctx, request, reply);
  const form = parseForm(ChangeForm, request.body);
  const product = await signIns.pending(request, reply, bodyField(request, 'interaction'));
  signIns.allowFormsToReach(reply, product);
  const again = async (errors: FieldErrors) =>
    sendPage(reply, 400, await changePage(ctx, token, s, errors, product));
  if (form.errors) return again(form.errors);
  const { current_password, new_password, verify_password } = form.data;
  // R54: the current password is required and checked first.
  if (!(await recheckPassword(ctx, s.account, current_password, request.ip)))
    return again({ current_password: 'This is not your current password.' });
  const org = await organizationOf(ctx.db, s.account);
  const errors = await newPasswordProblems(ctx, s.account, org.name, new_password, verify_password);
  if (errors) return again(errors);
  const newHash = await ctx.hasher.hash(new_password);
  await ctx.db.transaction().execute(async (trx) => {
    await applyNewPassword(trx, ctx, s.account, {
      newHash,
      how: 'change',
      by: 'self',
      ip: request.ip,
      keepSessionId: s.id,
    });
    if (s.account.security_answer_hash) await setSessionKind(trx, s.id, 'full');
  });
  ctx.mailQueued();
  if (!s.account.security_answer_hash)
    return reply.redirect(continuing('/security-question', product), 303);
  if (product) return signIns.complete(request, reply, product, s.account, 'log_in');
  return reply.redirect('/', 303);
}

async function postQuestion(
  ctx: ServiceContext,
  signIns: ProductSignIns,
  request: FastifyRequest,
  reply: FastifyReply,
  s: LiveSession,
) {
  const token = csrfToken(ctx, request, reply);
  const form = parseForm(QuestionForm, request.body);
  const chosen = bodyField(request, 'question');
  const product = await signIns.pending(request, reply, bodyField(request, 'interaction'));
  signIns.allowFormsToReach(reply, product);
  const show = (errors: FieldErrors) =>
    questionPage(ctx, token, s, errors, chosen, product).then((p) => sendPage(reply, 400, p));
  if (form.errors) return show(form.errors);
  const org = await organizationOf(ctx.db, s.account);
  // R33: only the organization's curated questions.
  if (!org.policy.securityQuestions.includes(form.data.question))
    return show({ question: 'Choose one of the questions in the list.' });
  const problem = answerProblem(form.data.answer, s.account);
  if (problem) return show({ answer: problem });
  // R34: changing an existing question needs the password again.
  if (s.account.security_answer_hash) {
    const ok =
      form.data.current_password !== undefined &&
      form.data.current_password !== '' &&
      (await recheckPassword(ctx, s.account, form.data.current_password, request.ip));
    if (!ok)
      return show({
        current_password: 'Enter your current password to change your security question.',
      });
  }
  const answerHash = await ctx.hasher.hash(normalizeAnswer(form.data.answer));
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('accounts')
      .set((eb) => ({
        security_question: form.data.question,
        security_answer_hash: answerHash,
        version: eb('version', '+', 1),
      }))
      .where('id', '=', s.account.id)
      .execute();
    await recordAudit(trx, ctx.clock, {
      type: 'security_question_set',
      accountId: s.account.id,
      organizationId: org.id,
      ip: request.ip,
      detail: { changed: s.account.security_answer_hash !== null },
    });
    const content = securityQuestionSetMail(
      s.account.username,
      ctx.clock.now(),
      org.policy.adminContact,
    );
    await queueMail(trx, ctx.clock, {
      kind: 'security_question_set',
      to: s.account.email,
      accountId: s.account.id,
      content,
    });
    if (!s.account.must_change_password) await setSessionKind(trx, s.id, 'full');
  });
  ctx.mailQueued();
  if (s.account.must_change_password)
    return reply.redirect(continuing('/change-password', product), 303);
  if (product) return signIns.complete(request, reply, product, s.account, 'log_in');
  return reply.redirect('/', 303);
}

/** A string field of the posted form, if present. */
function bodyField(request: FastifyRequest, name: string): string | undefined {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** The sign-in named in the address (`?interaction=`), for a step's form to carry along. */
async function queryProduct(signIns: ProductSignIns, request: FastifyRequest, reply: FastifyReply) {
  const uid = (request.query as { interaction?: unknown }).interaction;
  const product = await signIns.pending(request, reply, uid);
  signIns.allowFormsToReach(reply, product);
  return product;
}

/** Pages that need a signed-in session; a missing one goes to Log In. */
function withSession(
  ctx: ServiceContext,
  handler: (request: FastifyRequest, reply: FastifyReply, s: LiveSession) => Promise<unknown>,
) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const s = await currentSession(ctx, request);
    if (!s) return reply.redirect('/login', 303);
    return handler(request, reply, s);
  };
}

/**
 * Change Password (forced when flagged) and Security Question set-up (SPEC §1); either may be
 * a step of a product's sign-in, which continues to the product once nothing is owed.
 */
export function accountRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  signIns: ProductSignIns,
): void {
  app.get(
    '/change-password',
    withSession(ctx, async (request, reply, s) => {
      const product = await queryProduct(signIns, request, reply);
      const token = csrfToken(ctx, request, reply);
      return sendPage(reply, 200, await changePage(ctx, token, s, undefined, product));
    }),
  );
  app.post(
    '/change-password',
    withSession(ctx, (request, reply, s) => postChange(ctx, signIns, request, reply, s)),
  );
  app.get(
    '/security-question',
    withSession(ctx, async (request, reply, s) => {
      const product = await queryProduct(signIns, request, reply);
      // A flagged password comes first: it is the one thing that must not wait.
      if (s.account.must_change_password)
        return reply.redirect(continuing(nextStepPath(s), product), 303);
      const token = csrfToken(ctx, request, reply);
      return sendPage(reply, 200, await questionPage(ctx, token, s, undefined, undefined, product));
    }),
  );
  app.post(
    '/security-question',
    withSession(ctx, (request, reply, s) => postQuestion(ctx, signIns, request, reply, s)),
  );
}
