import type { ErrorCode } from '../../common/api/errors.ts';
import { DomainError } from '../domain/domain-error.ts';

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

/** The HTTP status of a domain error's code. */
export const statusOfCode = (code: ErrorCode): number => STATUS[code];

/** An API failure with its closed code; the plugin turns it into `{ error: { code, message, field? } }`. */
export class ApiProblem extends DomainError {
  get status(): number {
    return STATUS[this.code];
  }
}
