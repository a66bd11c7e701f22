import type { z } from 'zod';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One operation of the admin API: the service validates with these schemas and documents them. */
export interface RouteContract {
  method: HttpMethod;
  /** Fastify-style path, e.g. `/api/v1/accounts/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** False only for sign-in, refresh and enrolment. */
  auth: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** The media type of the body, `application/json` unless said (e.g. `text/csv`). */
  bodyType?: string;
  /** The largest body the route takes, in bytes, when larger than the service's default. */
  bodyLimit?: number;
  /** Request headers the route reads besides Authorization, If-Match and Idempotency-Key. */
  headers?: z.ZodType;
  /** Concurrency: the request must carry If-Match with the account's ETag. */
  ifMatch?: boolean;
  /** The request may carry Idempotency-Key; a retry answers the first response. */
  idempotent?: boolean;
  response: z.ZodType;
  /** The media type of a success, `application/json` unless said (e.g. `text/csv`). */
  responseType?: string;
  /** The status of a success, 200 unless said. */
  status?: number;
}

/** Keeps a contract's literal types while checking its shape. */
export const route = <T extends RouteContract>(contract: T): T => contract;
