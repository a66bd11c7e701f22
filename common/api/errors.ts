import { z } from 'zod';

/** Every error the HTTP API (and the console's IPC) can answer; the console maps codes to words. */
export const ERROR_CODES = [
  'validation_failed',
  'unauthorized',
  'totp_required',
  'totp_invalid',
  'totp_enrollment_required',
  'forbidden',
  'not_found',
  'precondition_failed',
  'precondition_required',
  'conflict',
  'verification_required',
  'rate_limited',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The one error body: `{ error: { code, message, field? } }`. */
export const ApiErrorSchema = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    field: z.string().optional(),
  }),
});

export type ApiError = z.infer<typeof ApiErrorSchema>;
