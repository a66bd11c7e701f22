import { z } from 'zod';
import { AccountSearchResultSchema, SEARCH_FILTERS } from '../api/account-search.ts';
import { AccountViewSchema } from '../api/account-view.ts';
import { ACTIONS, ActionResultSchema, VerificationResultSchema } from '../api/actions.ts';
import { AdminIdentitySchema } from '../api/auth.ts';
import { ERROR_CODES } from '../api/errors.ts';
import { ACCOUNT_ADMIN_IPC } from './account-admin-contract.ts';
import { ADMIN_IPC } from './admin-contract.ts';
import { AUDIT_IPC } from './audit-contract.ts';
import { INSTALLATION_IPC } from './installation-contract.ts';
import { FailureReasonSchema, type FailureReason } from './failure-reason.ts';
import { NetworkFailureSchema, type NetworkFailure } from './network-failure.ts';
import { changeFields, colour, connectionId, id } from './fields.ts';
import { PRODUCT_IPC } from './product-contract.ts';

/** A connection as the renderer sees it: display fields and booleans, never a token (SPEC §3). */
export const ConnectionSchema = z.object({
  id: z.string(),
  name: z.string(),
  url: z.string(),
  colour: z.string(),
  /** Set by the machine-wide configuration file; the user cannot remove it. */
  managed: z.boolean(),
  state: z.enum(['signed_out', 'signed_in', 'locked']),
  admin: AdminIdentitySchema.nullable(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

/** Every IPC operation: its input schema (validated in main as `unknown`) and its output schema. */
export const IPC = {
  listConnections: { input: z.object({}), output: z.array(ConnectionSchema) },
  /** What the machine-wide file sets, and why it was refused if it was (README "For IT"). */
  getMachineSettings: {
    input: z.object({}),
    output: z.object({
      /** The file IT deployed; null when there is none. */
      managedBy: z.string().nullable(),
      /** Why the file was refused (its settings are then not applied); null when it is fine. */
      problem: z.string().nullable(),
      allowUserConnections: z.boolean(),
      idleLockMinutes: z.number().int().nullable(),
      updatesFrom: z.string().nullable(),
    }),
  },
  addConnection: {
    input: z.object({
      name: z.string().trim().min(1, 'Name the connection.').max(60),
      url: z.url({
        protocol: /^https?$/,
        message: 'Enter the service address, e.g. https://login.example.org',
      }),
      colour,
    }),
    output: ConnectionSchema,
  },
  removeConnection: {
    input: z.object({ connectionId }),
    output: z.object({ removed: z.boolean() }),
  },
  signIn: {
    input: z.object({
      connectionId,
      username: z.string().trim().min(1, 'Enter your username.').max(320),
      password: z.string().min(1, 'Enter your password.').max(1024),
      totp: z.string().trim().max(32).optional(),
    }),
    output: ConnectionSchema,
  },
  signOut: { input: z.object({ connectionId }), output: ConnectionSchema },
  /** The idle lock: the password again (SPEC §3). */
  unlock: {
    input: z.object({
      connectionId,
      password: z.string().min(1, 'Enter your password.').max(1024),
    }),
    output: ConnectionSchema,
  },
  /** The renderer reports activity (throttled) so the idle lock knows the user is there. */
  reportActivity: { input: z.object({}), output: z.object({ ok: z.literal(true) }) },
  searchAccounts: {
    input: z.object({
      /** One connection, or every signed-in one ("which system is this caller in?"). */
      connectionIds: z.array(connectionId).min(1).max(20),
      q: z.string().max(200),
      filter: z.array(z.enum(SEARCH_FILTERS)).default([]),
      cursor: z.string().max(500).optional(),
      limit: z.number().int().min(1).max(200).default(50),
    }),
    output: z.array(
      z.object({
        connectionId: z.string(),
        result: AccountSearchResultSchema.nullable(),
        error: z.string().nullable(),
        /** Why this connection got no answer, as data (the renderer words it). */
        network: NetworkFailureSchema.optional(),
        /** Why this connection failed on the console's side, as data (the renderer words it). */
        reason: FailureReasonSchema.optional(),
      }),
    ),
  },
  getAccount: { input: z.object({ connectionId, accountId: id }), output: AccountViewSchema },
  verifyCaller: {
    input: z.discriminatedUnion('method', [
      z.object({
        connectionId,
        accountId: id,
        method: z.literal('answer'),
        answer: z.string().trim().min(1, 'Type the answer the caller gives.').max(200),
      }),
      z.object({ connectionId, accountId: id, method: z.literal('email_code') }),
    ]),
    output: VerificationResultSchema,
  },
  checkCode: {
    input: z.object({
      connectionId,
      accountId: id,
      verificationId: id,
      code: z
        .string()
        .trim()
        .regex(/^\d{6}$/, 'Enter the six digits the caller reads out.'),
    }),
    output: VerificationResultSchema,
  },
  act: {
    input: z.object({
      ...changeFields,
      action: z.enum(ACTIONS),
      verificationId: id.optional(),
      /** reset-shared-login: the holder on the phone, who receives the password (SPEC §2). */
      holderId: id.optional(),
    }),
    output: ActionResultSchema,
  },
  resendMail: {
    input: z.object({
      connectionId,
      accountId: id,
      mailId: id,
      version: z.number().int().min(1),
      reason: z.string().trim().min(3).max(500),
      idempotencyKey: z.string().min(8).max(200),
    }),
    output: ActionResultSchema,
  },
  /** Copies a temporary password; main clears the clipboard after 30 s if it still holds it. */
  copySecret: {
    input: z.object({ text: z.string().min(1).max(200) }),
    output: z.object({ clearsAt: z.number().int() }),
  },
  ...ADMIN_IPC,
  ...ACCOUNT_ADMIN_IPC,
  ...AUDIT_IPC,
  ...PRODUCT_IPC,
  ...INSTALLATION_IPC,
} as const;

export type IpcContract = typeof IPC;
export type IpcOperation = keyof IpcContract;
export type IpcInput<K extends IpcOperation> = z.input<IpcContract[K]['input']>;
export type IpcOutput<K extends IpcOperation> = z.infer<IpcContract[K]['output']>;

/** Every IPC answer: a value, or a closed error code the renderer maps to words (STYLE §4). */
export type IpcResult<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      code: (typeof ERROR_CODES)[number] | 'offline' | 'bad_input';
      message: string;
      field?: string;
      current?: z.infer<typeof AccountViewSchema>;
      /** An `offline` failure: where the request went and why it got no answer (words: the renderer's). */
      network?: NetworkFailure;
      /** Why main refused or failed the call (signed out, timed out, …), as data. */
      reason?: FailureReason;
    };

/** Events main sends to the renderer. */
export type IpcEvent =
  | { type: 'session-expired'; connectionId: string }
  | { type: 'locked'; connectionId: string }
  | { type: 'connections-changed' }
  /** An audit export under way: what main has written to the file so far. */
  | { type: 'export-progress'; connectionId: string; events: number; bytes: number }
  /** An import under way (issue 16): rows main has sent (or the service has read), and the rate. */
  | {
      type: 'import-progress';
      connectionId: string;
      importId: string;
      phase: 'preview' | 'import';
      /** Rows main has sent from the file (the header not counted). */
      rows: number;
      bytes: number;
      totalBytes: number;
      /** Rows sent a second so far. */
      rowsPerSecond: number;
      /** What the service last said it was doing, and how many rows it had done of that. */
      stage: 'reading' | 'checking' | 'writing' | null;
      stageRows: number;
    };
