import { z } from 'zod';
import { whyFields } from '../api/why.ts';

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
  ...whyFields,
  /** One per dialog, so a double click or a retry acts once. */
  idempotencyKey: z.string().min(8).max(200),
};
