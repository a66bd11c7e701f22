import type { ErrorCode } from '../../common/api/errors.ts';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unauthorized: 401,
  totp_required: 401,
  totp_invalid: 401,
  totp_enrollment_required: 403,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  precondition_failed: 412,
  precondition_required: 428,
  verification_required: 403,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

/** An API failure with its closed code; the plugin turns it into `{ error: { code, message, field? } }`. */
export class ApiProblem extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    /** Extra top-level members of the body, e.g. the current state on a 412. */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.status = STATUS[code];
  }
}

export const notFound = (what = 'account') =>
  new ApiProblem('not_found', `No such ${what}, or it is outside your organizations.`);
