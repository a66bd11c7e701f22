import { API } from '../common/api/routes.ts';
import { etagOf } from '../common/api/etags.ts';
import type { Connection } from '../common/ipc/contract.ts';
import type { AccountClient } from './account-client.ts';
import { createAccountAdminHandlers } from './account-admin-handlers.ts';
import { createAdminHandlers } from './admin-handlers.ts';
import type { HandlerContext, HandlerDeps } from './handler-context.ts';
import { createAuditHandlers } from './audit-handlers.ts';
import type { ConnectionProfile } from './connections.ts';
import { createInstallationHandlers } from './installation-handlers.ts';
import { IpcFailure } from '../common/ipc/ipc-failure.ts';
import { plainMessage } from './ipc-failure.ts';
import type { IpcHandlers, IpcParsedInput } from './ipc.ts';
import { createProductHandlers } from './product-handlers.ts';
import { connectionFailure } from './failure-reasons.ts';

/** The implementation of every IPC operation; each answers display data, never a credential. */
export function createHandlers(d: HandlerDeps): IpcHandlers {
  const profile = (id: string): ConnectionProfile => {
    const found = d.connections.get(id);
    if (!found) throw new IpcFailure('not_found', 'There is no such connection.', 'connectionId');
    return found;
  };
  const client = (id: string) => d.clientFor(profile(id));
  const ctx: HandlerContext = { deps: d, profile, client };
  const view = (p: ConnectionProfile): Connection => ({
    id: p.id,
    name: p.name,
    url: p.url,
    colour: p.colour,
    managed: p.managed,
    state: d.vault.state(p.id),
    admin: d.vault.admin(p.id),
  });
  /** Runs a sign-in or unlock; a refusal is logged by its code only. */
  const logged = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      const code = error instanceof IpcFailure ? error.code : 'internal';
      d.log.info(`${what} refused (${code})`);
      throw error;
    }
  };
  const changed = <T>(value: T): T => {
    d.emit({ type: 'connections-changed' });
    return value;
  };
  // The idle lock: the stricter of the organization's policy and the machine-wide file's.
  const armFor = (id: string) => {
    const policy = d.vault.admin(id)?.idleLockMinutes ?? 15;
    d.idle.arm(id, Math.min(policy, d.connections.machine.idleLockMinutes ?? policy));
  };

  return {
    listConnections: async () => d.connections.list().map(view),

    getMachineSettings: async () => {
      const m = d.connections.machine;
      const managing = (m.policy?.sources ?? []).filter(
        (s) => s.kind !== 'user-settings' && s.state !== 'absent',
      );
      return {
        managedBy: managing.map((s) => s.location).join(' and ') || m.file || null,
        problem: m.problem ?? null,
        allowUserConnections: m.allowUserConnections,
        idleLockMinutes: m.idleLockMinutes ?? null,
        updatesFrom: m.updates?.url ?? null,
      };
    },

    addConnection: async (input) => changed(view(d.connections.add(input))),

    removeConnection: async ({ connectionId }) => {
      const p = d.connections.get(connectionId);
      if (!p) return { removed: false };
      if (p.managed)
        throw new IpcFailure('forbidden', 'This connection is set by your organization.');
      await d.clientFor(p).signOut();
      d.idle.disarm(connectionId);
      d.dropClient(connectionId);
      return changed({ removed: d.connections.remove(connectionId) });
    },

    signIn: async ({ connectionId, username, password, totp }) => {
      const p = profile(connectionId);
      // The typed username is not logged: people type their password there by mistake.
      const admin = await logged(`${p.name}: sign-in`, () =>
        d.clientFor(p).signIn({ username, password, totp }),
      );
      d.log.info(`${p.name}: signed in as ${admin.username}`);
      armFor(p.id);
      return changed(view(p));
    },

    signOut: async ({ connectionId }) => {
      const p = profile(connectionId);
      d.idle.disarm(p.id);
      await d.clientFor(p).signOut();
      d.log.info(`${p.name}: signed out`);
      return changed(view(p));
    },

    unlock: async ({ connectionId, password }) => {
      const p = profile(connectionId);
      if (d.vault.state(p.id) === 'signed_out') throw connectionFailure('sign_in_again', p.name);
      await logged(`${p.name}: unlock`, () => d.clientFor(p).unlock(password));
      d.log.info(`${p.name}: unlocked`);
      armFor(p.id);
      return changed(view(p));
    },

    reportActivity: async () => {
      d.idle.activity();
      return { ok: true as const };
    },

    searchAccounts: async (input) => search(input, client),

    getAccount: async ({ connectionId, accountId }) =>
      client(connectionId).call(API.getAccount, { params: { id: accountId } }),

    verifyCaller: async (input) => {
      const { connectionId, accountId } = input;
      const body =
        input.method === 'answer'
          ? { method: 'answer' as const, answer: input.answer }
          : { method: 'email_code' as const };
      return client(connectionId).call(API.startVerification, { params: { id: accountId }, body });
    },

    checkCode: async ({ connectionId, accountId, verificationId, code }) =>
      client(connectionId).call(API.checkVerification, {
        params: { id: accountId, verificationId },
        body: { code },
      }),

    act: async (input) =>
      client(input.connectionId).call(API.act, {
        params: { id: input.accountId, action: input.action },
        body: actionBody(input),
        headers: concurrencyHeaders(input),
      }),

    resendMail: async (input) =>
      client(input.connectionId).call(API.resendMail, {
        params: { id: input.accountId, mailId: input.mailId },
        body: { reason: input.reason },
        headers: concurrencyHeaders(input),
      }),

    copySecret: async ({ text }) => ({ clearsAt: await d.clipboard.copy(text) }),

    ...createAdminHandlers(ctx),
    ...createAccountAdminHandlers(ctx),
    ...createAuditHandlers(ctx),
    ...createProductHandlers(ctx),
    ...createInstallationHandlers(d.installation),
  };
}

type ActInput = IpcParsedInput<'act'>;

function actionBody(input: ActInput) {
  return {
    reason: input.reason,
    ...(input.ticket ? { ticket: input.ticket } : {}),
    ...(input.verificationId ? { verificationId: input.verificationId } : {}),
    ...(input.holderId ? { holderId: input.holderId } : {}),
  };
}

/** If-Match refuses a change to an account that changed since it was shown (412 → `current`). */
function concurrencyHeaders(input: { version: number; idempotencyKey: string }) {
  return { 'if-match': etagOf(input.version), 'idempotency-key': input.idempotencyKey };
}

/**
 * One search on several connections at once ("which system is this caller in?"): in parallel,
 * each answering for itself, so one slow or signed-out service does not hide the others.
 */
async function search(
  input: IpcParsedInput<'searchAccounts'>,
  client: (id: string) => AccountClient,
) {
  const { q, filter, cursor, limit } = input;
  const query = {
    q,
    limit,
    ...(filter.length ? { filter: filter.join(',') } : {}),
    ...(cursor ? { cursor } : {}),
  };
  return Promise.all(
    [...new Set(input.connectionIds)].map(async (connectionId) => {
      try {
        const result = await client(connectionId).call(API.searchAccounts, { query });
        return { connectionId, result, error: null };
      } catch (error) {
        const { network, reason } = error instanceof IpcFailure ? error : {};
        return {
          connectionId,
          result: null,
          error: plainMessage(error),
          ...(network ? { network } : {}),
          ...(reason ? { reason } : {}),
        };
      }
    }),
  );
}
