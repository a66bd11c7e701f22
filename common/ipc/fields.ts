import { z } from 'zod';

/** Field schemas every IPC contract file shares. */
export const id = z.string().min(1).max(100);
export const connectionId = id;
export const colour = z.string().regex(/^#[0-9a-f]{6}$/i, 'Choose a colour such as #1d4ed8.');

/** What every change to an account carries: the version seen (If-Match), why, and one key per dialog. */
export const changeFields = {
  connectionId,
  accountId: id,
  /** The version of the account view the agent saw (If-Match). */
  version: z.number().int().min(1),
  reason: z.string().trim().min(3, 'Say why, in a few words.').max(500),
  ticket: z.string().trim().max(100).optional(),
  /** One per dialog, so a double click or a retry acts once. */
  idempotencyKey: z.string().min(8).max(200),
};
