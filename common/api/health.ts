import { z } from 'zod';

/** GET /healthz: liveness. The process answers; it says nothing of the store. */
export const LivenessSchema = z.object({
  status: z.literal('ok'),
  /** 'store' when SEARCH_INDEX=store; otherwise the in-memory index's state. */
  searchIndex: z.enum(['store', 'building', 'ready', 'failed', 'none']),
});
export type Liveness = z.infer<typeof LivenessSchema>;

/** One readiness check: `reason` says what is wrong (and what to do) when `ok` is false. */
const CheckSchema = z.object({
  ok: z.boolean(),
  reason: z.string().optional(),
});

/** GET /readyz: 200 when every check passes, 503 otherwise; `reasons` lists the failed checks'. */
export const ReadinessSchema = z.object({
  status: z.enum(['ready', 'not_ready']),
  reasons: z.array(z.string()),
  checks: z.object({
    /** A write in a transaction that is rolled back, and the store errors requests met lately. */
    store: CheckSchema.extend({ code: z.string().optional() }),
    /** This build's migrations against the ones the store has run. */
    migrations: CheckSchema.extend({
      pending: z.array(z.string()),
      unknown: z.array(z.string()),
    }),
    /** The mail dispatcher's pass under way, if any, and for how long. */
    mailDispatcher: CheckSchema.extend({ busyForMs: z.number().optional() }),
    /** The in-memory search index; while it builds, the store answers searches. */
    searchIndex: CheckSchema.extend({
      state: z.enum(['store', 'building', 'ready', 'failed', 'none']),
      buildingForMs: z.number().optional(),
    }),
  }),
});
export type Readiness = z.infer<typeof ReadinessSchema>;
