import type { Readable } from 'node:stream';
import type { AdminIdentity } from '../../common/api/auth.ts';
import {
  IMPORT_MAX_BYTES,
  IMPORT_PREVIEW_ROWS,
  IMPORT_PROGRESS_MS,
  IMPORT_REPORT_CHUNK,
  type ImportProblem,
  type ImportStreamLine,
} from '../../common/api/imports.ts';
import type { ServiceContext } from '../context.ts';
import { DomainError } from '../domain/domain-error.ts';
import { importCsv } from './import-csv.ts';
import type { ImportError } from './import-rows.ts';
import type { ImportNotice } from './import-secrets.ts';

const LF = 0x0a;

/** How one import through the API goes: who, why, dry run or not, and where its lines go. */
export interface StreamedImport {
  admin: AdminIdentity;
  reason: string;
  ticket: string | undefined;
  dryRun: boolean;
  /** Called with each line of the answer, in order; the last is preview, result or failed. */
  emit(line: ImportStreamLine): void;
  /** Logs what went wrong besides a refusal (a store failure), never into the answer. */
  logError(error: unknown): void;
}

const problemsOf = (errors: readonly ImportError[]): ImportProblem[] =>
  errors.map((e) => ({ line: e.line, column: e.field, message: e.message }));

const noticesOf = (notices: readonly ImportNotice[]) =>
  notices.map((n) => ({ column: n.field, lines: n.lines, message: n.message }));

/** Throttles progress lines to one per IMPORT_PROGRESS_MS. */
function progressEmitter(job: StreamedImport, now: () => number) {
  let last = 0;
  let bytes = 0;
  return {
    set bytes(value: number) {
      bytes = value;
    },
    report(phase: 'reading' | 'checking' | 'writing', rows: number, force = false) {
      const t = now();
      if (!force && t - last < IMPORT_PROGRESS_MS) return;
      last = t;
      job.emit({ type: 'progress', phase, rows, bytes });
    },
  };
}

/** Reads the upload, counting bytes and lines as it comes; refuses past IMPORT_MAX_BYTES. */
async function readUpload(
  body: Readable,
  progress: ReturnType<typeof progressEmitter>,
): Promise<string> {
  const parts: Buffer[] = [];
  let bytes = 0;
  let lines = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    bytes += buffer.length;
    if (bytes > IMPORT_MAX_BYTES)
      throw new DomainError(
        'validation_failed',
        `The file is larger than ${IMPORT_MAX_BYTES / 1024 / 1024} MB: split it into several imports.`,
        'body',
      );
    for (let i = buffer.indexOf(LF); i !== -1; i = buffer.indexOf(LF, i + 1)) lines++;
    parts.push(buffer);
    progress.bytes = bytes;
    progress.report('reading', Math.max(0, lines - 1));
  }
  progress.report('reading', Math.max(0, lines - 1), true);
  return Buffer.concat(parts, bytes).toString('utf8');
}

/**
 * An import from the console (issue 16): the upload read as it arrives, then the CLI's import
 * (service/import) with the administrator's scope, every phase's progress at most every
 * IMPORT_PROGRESS_MS, and the preview, or the report and result, or why nothing was written.
 */
export async function streamImport(
  ctx: ServiceContext,
  body: Readable,
  job: StreamedImport,
): Promise<void> {
  const progress = progressEmitter(job, () => Date.now());
  try {
    const text = await readUpload(body, progress);
    const result = await importCsv(ctx, text, {
      admin: job.admin,
      dryRun: job.dryRun,
      reason: job.reason,
      ticket: job.ticket,
      onProgress: (p) => progress.report(p.phase, p.rows),
    });
    const rowCount = result.rows.length;
    if (job.dryRun) {
      job.emit({
        type: 'preview',
        counts: result.counts,
        problems: result.ok ? [] : problemsOf(result.errors),
        rows: result.rows.slice(0, IMPORT_PREVIEW_ROWS),
        rowCount,
        notices: result.ok ? noticesOf(result.notices) : [],
      });
      return;
    }
    if (!result.ok) {
      job.emit({
        type: 'failed',
        message: `Nothing was imported: ${result.errors.length} problem(s) in the file.`,
        problems: problemsOf(result.errors),
        counts: result.counts,
      });
      return;
    }
    for (let start = 0; start < rowCount; start += IMPORT_REPORT_CHUNK)
      job.emit({ type: 'report', rows: result.rows.slice(start, start + IMPORT_REPORT_CHUNK) });
    const { create, update, unchanged } = result.counts;
    job.emit({
      type: 'result',
      counts: result.counts,
      rowCount,
      notices: noticesOf(result.notices),
      summary: `Created ${create} accounts, updated ${update}, ${unchanged} unchanged.`,
    });
  } catch (error) {
    if (!(error instanceof DomainError)) job.logError(error);
    job.emit({
      type: 'failed',
      message:
        error instanceof DomainError
          ? `Nothing was imported: ${error.message}`
          : 'Nothing was imported: the import failed on the server. Try again; if it fails again, tell the service’s operators.',
      problems: [],
    });
  }
}
