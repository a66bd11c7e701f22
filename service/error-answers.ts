import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type {
  ConnectionError,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import type { ApiError } from '../common/api/errors.ts';
import { statusOfCode } from './api/api-problem.ts';
import { DomainError } from './domain/domain-error.ts';
import { html } from './html.ts';
import { page } from './pages/layout.ts';
import type { SecurityHeaders } from './security-headers.ts';
import { storeOutageOf } from './store/store-errors.ts';

interface Words {
  title: string;
  message: string;
}

// Every refusal is told in our words: never the framework's message or code (FST_ERR_…), which
// can quote the request's path, and the path can hold a reset token (R72, R80).
const REFUSED: Words = {
  title: 'Request Refused',
  message: 'This request could not be understood.',
};
const FAILED: Words = {
  title: 'Something Went Wrong',
  message: 'Something went wrong on our side. Try again in a moment.',
};
const WORDS: Record<number, Words> = {
  404: { title: 'Page Not Found', message: 'There is no page at this address.' },
  408: { title: 'Request Timed Out', message: 'The request took too long to arrive. Try again.' },
  413: { title: 'Request Refused', message: 'What you sent is too large.' },
  414: {
    title: 'Address Too Long',
    message: 'This address is too long to be a page of this site.',
  },
  431: {
    title: 'Request Refused',
    message:
      'Your browser sent too much with this request, usually too many cookies. Clear the cookies of this site, then try again.',
  },
  // The store is down, full or read-only (issue 18): nobody's fault on this side of the screen.
  503: {
    title: 'Service Unavailable',
    message:
      'Latchkey cannot reach its account store right now, so your request could not be completed. Try again in a minute.',
  },
};

/** Seconds a client is asked to wait before trying again after a 503. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * The status to answer for an error: its code's for a domain refusal, its own when it is a 4xx,
 * 503 when the store is out of reach (or full, read-only, busy), otherwise 500.
 */
export function statusOf(error: { statusCode?: number | undefined }): number {
  if (error instanceof DomainError) return statusOfCode(error.code);
  if (storeOutageOf(error)) return 503;
  const status = error.statusCode ?? 500;
  return status >= 400 && status < 500 ? status : 500;
}

const wordsFor = (status: number): Words => WORDS[status] ?? (status >= 500 ? FAILED : REFUSED);

/** The page for a refused or failed request. */
export function errorPage(status: number): string {
  const { title, message } = wordsFor(status);
  return page({
    title,
    body: html`<p>${message}</p>
      <p class="links"><a href="/login">Back to Log In</a></p>`,
  });
}

/** The admin API's body for the same: `{ error: { code, message } }`. */
export function apiErrorBody(status: number): ApiError {
  const code =
    status === 503
      ? 'unavailable'
      : status >= 500
        ? 'internal'
        : status === 404
          ? 'not_found'
          : status === 429
            ? 'rate_limited'
            : 'validation_failed';
  return { error: { code, message: wordsFor(status).message } };
}

/** True for the admin API's addresses, which answer JSON. */
export const isApiUrl = (url: string): boolean => /^\/api(\/|\?|$)/.test(url);

/**
 * Fastify's `frameworkErrors`: the router's refusals (a malformed %-escape, 400; a path segment
 * longer than `maxParamLength`, 414) are answered before any hook runs, so the security headers
 * are set here.
 */
export function frameworkErrorAnswer(headers: SecurityHeaders) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const status = statusOf(error);
    reply.headers(headers).code(status);
    if (isApiUrl(request.url)) reply.send(apiErrorBody(status));
    else reply.type('text/html; charset=utf-8').send(errorPage(status));
  };
}

const API_REQUEST_LINE = /^[A-Z]+ \/api(\/|\?| )/;

/**
 * Fastify's `clientErrorHandler`: Node's HTTP parser refuses a request before Fastify sees it (a
 * request line or headers over 16 KB: 431; anything malformed: 400), and the answer is written
 * straight to the socket, with the same headers as every other answer.
 */
export function clientErrorAnswer(headers: SecurityHeaders) {
  return function (this: FastifyInstance, error: ConnectionError, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // Only the code: the raw packet can hold a token (R76).
    this.log.debug({ code: error.code }, 'client error');
    const status =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? 431
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 408
          : 400;
    // At run time rawPacket is the Buffer Node's parser stopped in (fastify's type says otherwise).
    const raw: unknown = error.rawPacket;
    const api =
      Buffer.isBuffer(raw) && API_REQUEST_LINE.test(raw.subarray(0, 64).toString('latin1'));
    const body = api ? JSON.stringify(apiErrorBody(status)) : errorPage(status);
    const lines = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
      'connection: close',
      `content-type: ${api ? 'application/json' : 'text/html'}; charset=utf-8`,
      `content-length: ${Buffer.byteLength(body)}`,
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
    ];
    if (socket.writable) socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    socket.destroy(error);
  };
}
