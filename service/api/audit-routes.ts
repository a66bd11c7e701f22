import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { API } from '../../common/api/routes.ts';
import type { ServiceContext } from '../context.ts';
import { auditCsvExport, queryAudit } from '../domain/admin/audit-query.ts';
import { verifyAuditFor } from '../domain/admin/audit-verify.ts';
import { readLatestCheckpoint } from '../domain/audit-checkpoints.ts';
import { bind } from './bind.ts';

const fileStamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/[-:]/g, '');

/** The audit log: a keyset-paginated query, a streamed CSV export with the same filters, the chain check (against the latest checkpoint). */
export function auditRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  bind(app, ctx, API.audit, async ({ query, admin }) => queryAudit(ctx.db, admin, query));

  bind(app, ctx, API.auditCsv, async ({ query, admin, reply }) => {
    const chunks = await auditCsvExport(ctx.db, admin, query);
    reply
      .type('text/csv; charset=utf-8; header=present')
      .header(
        'content-disposition',
        `attachment; filename="latchkey-audit-${fileStamp(ctx.clock.now())}.csv"`,
      );
    // The stream pulls one page of events at a time, as fast as the client reads (backpressure).
    return Readable.from(chunks, { objectMode: false }) as unknown as string;
  });

  bind(app, ctx, API.verifyAudit, async ({ admin }) => {
    const checkpoint = await readLatestCheckpoint(ctx.config.auditCheckpointFile);
    return { ...(await verifyAuditFor(ctx.db, admin, checkpoint)), checkedAt: ctx.clock.now() };
  });
}
