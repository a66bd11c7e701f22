import type { ErrorCode } from '../../common/api/errors.ts';

/**
 * A refusal by the domain, with the contract's closed code. The domain knows nothing of HTTP:
 * the API layer maps the code to a status (service/api/api-problem.ts) and the pages word it.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
    /** Extra top-level members of the answer, e.g. the current state on a stale change. */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** Missing and out of the caller's reach are one answer, so neither tells the other apart. */
export const notFound = (what = 'account'): DomainError =>
  new DomainError('not_found', `No such ${what}, or it is outside your organizations.`);
