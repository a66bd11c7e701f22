import { AxiosError } from 'axios';
import { AccountViewSchema } from '../common/api/account-view.ts';
import { ApiErrorSchema } from '../common/api/errors.ts';
import type { ConnectionProblem } from '../common/ipc/failure-reason.ts';
import { IpcFailure } from '../common/ipc/ipc-failure.ts';
import { networkFailureWords, type NetworkFailure } from '../common/ipc/network-failure.ts';
import type { ApiNetwork } from './api-network.ts';
import type { ConnectionProfile } from './connections.ts';
import { connectionFailure } from './failure-reasons.ts';
import type { Log } from './log.ts';

const MAX_MESSAGE = 500;

/**
 * Every way an exchange with one account service can fail, as an `IpcFailure` with a closed code
 * and data the renderer words: never the request's config, a header or a token.
 */
export class ApiFailures {
  constructor(private readonly to: { profile: ConnectionProfile; network: ApiNetwork; log: Log }) {}

  /** A failure on the console's side of this connection (signed out, locked, …). */
  problem(problem: ConnectionProblem, more?: { host?: string; status?: number }): IpcFailure {
    return connectionFailure(problem, this.to.profile.name, more);
  }

  /** An axios failure: no answer, or an error answer. */
  of(error: unknown): IpcFailure {
    if (!(error instanceof AxiosError)) return this.problem('request_failed');
    if (!error.response) {
      if (error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT')
        return this.noAnswer(undefined, true);
      return this.unanswered(error);
    }
    return this.answer(error.response.status, error.response.data);
  }

  /**
   * An error answer: the API's error body becomes its code, field and plain message (and, after
   * a 412, the account as it is now); anything else is the status alone.
   */
  answer(status: number, data: unknown): IpcFailure {
    const body = ApiErrorSchema.safeParse(data);
    if (!body.success) return this.problem('http_status', { status });
    const { code, field, message } = body.data.error;
    const current = AccountViewSchema.safeParse((data as { current?: unknown }).current);
    return new IpcFailure(
      code,
      message.slice(0, MAX_MESSAGE),
      field,
      current.success ? current.data : undefined,
    );
  }

  /** A request that got no answer: the certificate, proxy or address as data, if Chromium said. */
  unanswered(error: unknown): IpcFailure {
    const { profile, network } = this.to;
    return this.noAnswer(network.explain(error, profile.url, profile.name));
  }

  /**
   * A request with no answer, logged; the renderer words a network failure from its data
   * (renderer/ipc/error-words.ts), and the message keeps only Chromium's name for it.
   */
  private noAnswer(network: NetworkFailure | undefined, timedOut = false): IpcFailure {
    const { profile, log } = this.to;
    if (network) {
      log.warn(networkFailureWords(network));
      return new IpcFailure('offline', `net::${network.error}`, undefined, undefined, network);
    }
    const host = new URL(profile.url).host;
    log.warn(`${profile.name} (${host}): ${timedOut ? 'no answer in time' : 'no answer'}`);
    return timedOut ? this.problem('timed_out') : this.problem('unreachable', { host });
  }
}
