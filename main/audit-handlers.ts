import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { API } from '../common/api/routes.ts';
import type { AUDIT_IPC } from '../common/ipc/audit-contract.ts';
import type { HandlerContext, HandlersOf } from './handler-context.ts';
import { IpcFailure } from '../common/ipc/ipc-failure.ts';
import { connectionFailure } from './failure-reasons.ts';

const FILTER_KEYS = ['actor', 'account', 'type', 'organization', 'from', 'to'] as const;

/** The service's filters from the screen's: every blank one left out. */
function serviceFilters(input: {
  [K in (typeof FILTER_KEYS)[number]]?: string | number | undefined;
}) {
  return Object.fromEntries(
    FILTER_KEYS.flatMap((key) => (input[key] === undefined ? [] : [[key, input[key]]])),
  ) as {
    actor?: string;
    account?: string;
    type?: string;
    organization?: string;
    from?: number;
    to?: number;
  };
}

/** An export reports its progress after each 64 KiB (about 300 events), at most 4 times a second. */
const PROGRESS_STEP = 64 * 1024;
const PROGRESS_INTERVAL_MS = 250;

/**
 * Counts the records of an RFC 4180 stream as it passes: a line break ends a record only
 * outside quotes (a detail may hold line breaks), and a doubled quote toggles twice.
 */
export class CsvRecordCounter extends Transform {
  records = 0;
  bytes = 0;
  private quoted = false;
  private reported = 0;
  private reportedAt = -Infinity;

  /** `onProgress` hears the counts as PROGRESS_STEP and PROGRESS_INTERVAL_MS allow. */
  constructor(private readonly onProgress: (records: number, bytes: number) => void = () => {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
    this.bytes += chunk.length;
    for (const byte of chunk) {
      if (byte === 0x22) this.quoted = !this.quoted;
      else if (byte === 0x0a && !this.quoted) this.records += 1;
    }
    const now = performance.now();
    if (
      this.bytes - this.reported >= PROGRESS_STEP &&
      now - this.reportedAt >= PROGRESS_INTERVAL_MS
    ) {
      this.reported = this.bytes;
      this.reportedAt = now;
      this.onProgress(this.records, this.bytes);
    }
    done(null, chunk);
  }
}

/** "latchkey-audit-production-20261129-2130.csv": where it came from and when. */
function defaultFileName(connectionName: string, now: Date): string {
  const slug = connectionName
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `latchkey-audit-${slug || 'connection'}-${stamp}.csv`;
}

/**
 * Streams a CSV body into `target`: first into a `.part` file beside it (owner-only, audit data
 * is personal data), renamed into place only when complete, so a failed export never leaves a
 * file that looks whole.
 */
async function saveStream(
  body: Readable,
  target: string,
  onProgress: (progress: { events: number; bytes: number }) => void,
) {
  const part = `${target}.part`;
  // The first record is the header.
  const counter = new CsvRecordCounter((records, bytes) =>
    onProgress({ events: Math.max(0, records - 1), bytes }),
  );
  try {
    await pipeline(body, counter, createWriteStream(part, { mode: 0o600 }));
    await rename(part, target);
  } catch (error) {
    await rm(part, { force: true });
    if (error instanceof IpcFailure) throw error;
    throw new IpcFailure(
      'unavailable',
      `The export stopped before it was complete; nothing was saved to ${target}.`,
    );
  }
  // The first record is the header.
  return { events: Math.max(0, counter.records - 1), bytes: counter.bytes };
}

/** The Audit screen's operations: query, CSV export to a file the user chooses, chain check. */
export function createAuditHandlers(ctx: HandlerContext): HandlersOf<typeof AUDIT_IPC> {
  return {
    queryAudit: async (input) =>
      ctx.client(input.connectionId).call(API.audit, {
        query: {
          ...serviceFilters(input),
          limit: input.limit,
          ...(input.cursor ? { cursor: input.cursor } : {}),
        },
      }),

    exportAuditCsv: async (input) => {
      const profile = ctx.profile(input.connectionId);
      const client = ctx.client(input.connectionId);
      // Refused before the dialog: choosing a file for an export that cannot run wastes a step.
      if (ctx.deps.vault.state(profile.id) !== 'signed_in')
        throw connectionFailure('signed_out', profile.name);
      const target = await ctx.deps.chooseSavePath(defaultFileName(profile.name, new Date()));
      if (!target) return { cancelled: true as const };
      const written = await client.download(
        API.auditCsv,
        { query: serviceFilters(input) },
        (body) =>
          saveStream(body, target, (progress) =>
            ctx.deps.emit({ type: 'export-progress', connectionId: profile.id, ...progress }),
          ),
      );
      return { cancelled: false as const, savedTo: target, ...written };
    },

    verifyAuditChain: async ({ connectionId }) => ctx.client(connectionId).call(API.verifyAudit),
  };
}
