import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../context.ts';
import { html } from '../html.ts';
import { continuing, type ProductSignIns } from '../oidc/interactions.ts';
import { page } from './layout.ts';
import { currentSession, nextStepPath } from './login-routes.ts';
import { sendPage } from './web.ts';

function expiredPage(): string {
  return page({
    title: 'Sign-In Expired',
    body: html`<p>
        This sign-in has expired or was already finished. Go back to the product and sign in again.
      </p>
      <p class="links"><a href="/login">Log In to Latchkey</a></p>`,
  });
}

/**
 * `/interaction/:uid`, where the provider sends a browser that must sign in to a product: a full
 * Latchkey session signs in at once (single sign-on), a session with a step owed goes to that
 * step, anything else to Log In for that product.
 */
export function interactionRoutes(
  app: FastifyInstance,
  ctx: ServiceContext,
  signIns: ProductSignIns,
): void {
  app.get('/interaction/:uid', async (request, reply) => {
    const { uid } = request.params as { uid: string };
    const signIn = await signIns.pending(request, reply, uid);
    if (!signIn) return sendPage(reply, 410, expiredPage());
    const session = await currentSession(ctx, request);
    if (session && !signIns.wantsFreshLogin(signIn)) {
      const next = nextStepPath(session);
      if (next !== '/') return reply.redirect(continuing(next, signIn), 303);
      return signIns.complete(request, reply, signIn, session.account, 'single_sign_on');
    }
    return reply.redirect(continuing('/login', signIn), 303);
  });
}
