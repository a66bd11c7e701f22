import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { API } from '../common/api/routes.ts';
import {
  ImportStreamLineSchema,
  REASON_HEADER,
  TICKET_HEADER,
  type ImportCounts,
  type ImportRow,
} from '../common/api/imports.ts';
import {
  SUMMARY_PROBLEMS,
  SUMMARY_ROWS,
  type ACCOUNT_ADMIN_IPC,
  type ImportSummary,
} from '../common/ipc/account-admin-contract.ts';
import { CsvRecordCounter } from './audit-handlers.ts';
import type { HandlerContext, HandlersOf } from './handler-context.ts';
import { writeReport, type ImportOutcome } from './import-report.ts';
import { IpcFailure } from '../common/ipc/ipc-failure.ts';
import { connectionFailure } from './failure-reasons.ts';

type ImportOperation = 'chooseImportFile' | 'previewImport' | 'runImport' | 'saveImportReport';

/** A file the administrator chose: main holds its path, the renderer only its id. */
interface ChosenFile {
  connectionId: string;
  path: string;
  name: string;
  bytes: number;
  last?: ImportOutcome;
  running: boolean;
}

/** Progress events at most this often (a 100,000-row file sends ~40 of them a second at most). */
const EVENT_INTERVAL_MS = 100;

const NO_COUNTS: ImportCounts = { create: 0, update: 0, unchanged: 0, error: 0 };

/**
 * Reads the NDJSON answer line by line: progress, report rows (an applied import's), then the
 * one final line. Answers the whole outcome.
 */
async function readOutcome(
  body: Readable,
  dryRun: boolean,
  onProgress: (stage: 'reading' | 'checking' | 'writing', rows: number) => void,
): Promise<ImportOutcome> {
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  const reported: ImportRow[] = [];
  for await (const text of lines) {
    if (!text.trim()) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = ImportStreamLineSchema.safeParse(json);
    if (!parsed.success) {
      body.destroy();
      throw new IpcFailure(
        'internal',
        'The service answered the import in a way the console does not understand.',
      );
    }
    const line = parsed.data;
    switch (line.type) {
      case 'progress':
        onProgress(line.phase, line.rows);
        break;
      case 'report':
        for (const row of line.rows) reported.push(row);
        break;
      case 'preview':
        return {
          dryRun,
          ok: line.problems.length === 0,
          counts: line.counts,
          problems: line.problems,
          rows: line.rows,
          rowCount: line.rowCount,
          message: null,
          summary: null,
        };
      case 'result':
        return {
          dryRun,
          ok: true,
          counts: line.counts,
          problems: [],
          rows: reported,
          rowCount: line.rowCount,
          message: null,
          summary: line.summary,
        };
      case 'failed':
        return {
          dryRun,
          ok: false,
          counts: line.counts ?? NO_COUNTS,
          problems: line.problems,
          rows: [],
          rowCount: 0,
          message: line.message,
          summary: null,
        };
    }
  }
  throw new IpcFailure(
    'unavailable',
    'The import stopped before the service answered; nothing was changed.',
  );
}

/** "latchkey-import-report-new-hires-20261207-2210.csv". */
function reportName(fileName: string, now: Date): string {
  const slug =
    fileName
      .replace(/\.csv$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'import';
  const stamp = now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-');
  return `latchkey-import-report-${slug}-${stamp}.csv`;
}

/**
 * The Import screen's operations: main's open dialog chooses the file, main streams it from disk
 * to the service (counting rows as they leave, pushing progress to the renderer), keeps the whole
 * answer, and hands the renderer a bounded summary; the report is written from what main kept.
 */
export function createImportHandlers(
  ctx: HandlerContext,
): Pick<HandlersOf<typeof ACCOUNT_ADMIN_IPC>, ImportOperation> {
  const files = new Map<string, ChosenFile>();

  const fileOf = (importId: string, connectionId?: string): ChosenFile => {
    const file = files.get(importId);
    if (!file || (connectionId !== undefined && file.connectionId !== connectionId))
      throw new IpcFailure('not_found', 'Choose the file again.', 'importId');
    return file;
  };

  const run = async (
    input: { connectionId: string; importId: string; reason: string; ticket?: string | undefined },
    dryRun: boolean,
  ): Promise<ImportSummary> => {
    const file = fileOf(input.importId, input.connectionId);
    if (file.running) throw new IpcFailure('conflict', 'This file is already being sent.');
    const client = ctx.client(input.connectionId);
    const phase = dryRun ? ('preview' as const) : ('import' as const);
    const started = performance.now();
    let sentRows = 0;
    let sentBytes = 0;
    let stage: 'reading' | 'checking' | 'writing' | null = null;
    let stageRows = 0;
    let lastEvent = -Infinity;
    const rate = (rows: number) => {
      const seconds = (performance.now() - started) / 1000;
      return seconds > 0 ? rows / seconds : 0;
    };
    const emit = (force = false) => {
      const now = performance.now();
      if (!force && now - lastEvent < EVENT_INTERVAL_MS) return;
      lastEvent = now;
      const rows = sentRows;
      ctx.deps.emit({
        type: 'import-progress',
        connectionId: input.connectionId,
        importId: input.importId,
        phase,
        rows,
        bytes: sentBytes,
        totalBytes: file.bytes,
        rowsPerSecond: Math.round(rate(rows)),
        stage,
        stageRows,
      });
    };
    const open = () => {
      sentRows = 0;
      sentBytes = 0;
      // Counts records as they leave the disk (the header is the first); reports every 64 KiB.
      const counter = new CsvRecordCounter((records, bytes) => {
        sentRows = Math.max(0, records - 1);
        sentBytes = bytes;
        emit();
      });
      const source = createReadStream(file.path);
      source.on('error', (error) => counter.destroy(error));
      return source.pipe(counter);
    };
    const headers = {
      'content-type': 'text/csv; charset=utf-8',
      accept: 'application/x-ndjson',
      [REASON_HEADER]: encodeURIComponent(input.reason),
      ...(input.ticket ? { [TICKET_HEADER]: encodeURIComponent(input.ticket) } : {}),
    };
    file.running = true;
    let outcome: ImportOutcome;
    try {
      outcome = await client.upload(
        dryRun ? API.previewImport.path : API.applyImport.path,
        open,
        headers,
        (body) =>
          readOutcome(body, dryRun, (now, rows) => {
            stage = now;
            stageRows = rows;
            emit();
          }),
      );
    } finally {
      file.running = false;
    }
    file.last = outcome;
    const seconds = (performance.now() - started) / 1000;
    const c = outcome.counts;
    const counted = c.create + c.update + c.unchanged + c.error;
    // The service's count when it read the file; else (a refusal before the rows) what was sent.
    const rowsRead = counted > 0 ? counted : sentRows;
    sentRows = rowsRead;
    emit(true);
    // The renderer lists what changes; unchanged rows are counted only.
    const changing = outcome.rows.filter((r) => r.action === 'create' || r.action === 'update');
    return {
      importId: input.importId,
      fileName: file.name,
      dryRun,
      ok: outcome.ok,
      counts: outcome.counts,
      problems: outcome.problems.slice(0, SUMMARY_PROBLEMS),
      problemCount: outcome.problems.length,
      message: outcome.message,
      summary: outcome.summary,
      rows: changing.slice(0, SUMMARY_ROWS),
      rowCount: c.create + c.update,
      rowsRead,
      seconds,
      rowsPerSecond: seconds > 0 ? Math.round(rowsRead / seconds) : 0,
    };
  };

  return {
    chooseImportFile: async ({ connectionId }) => {
      const profile = ctx.profile(connectionId);
      if (ctx.deps.vault.state(profile.id) !== 'signed_in')
        throw connectionFailure('signed_out', profile.name);
      const chosen = await ctx.deps.chooseOpenPath({ name: 'CSV files', extensions: ['csv'] });
      if (!chosen) return { cancelled: true as const };
      const info = await stat(chosen).catch(() => null);
      if (!info?.isFile())
        throw new IpcFailure('not_found', 'That file cannot be read. Choose another.', 'file');
      const importId = randomUUID();
      files.set(importId, {
        connectionId,
        path: chosen,
        name: path.basename(chosen),
        bytes: info.size,
        running: false,
      });
      return { cancelled: false as const, importId, name: path.basename(chosen), bytes: info.size };
    },

    previewImport: (input) => run(input, true),
    runImport: (input) => run(input, false),

    saveImportReport: async ({ importId }) => {
      const file = fileOf(importId);
      if (!file.last)
        throw new IpcFailure('not_found', 'Preview or import the file first.', 'importId');
      const target = await ctx.deps.chooseSavePath(reportName(file.name, new Date()));
      if (!target) return { cancelled: true as const };
      try {
        const lines = await writeReport(target, file.last);
        return { cancelled: false as const, savedTo: target, lines };
      } catch {
        throw new IpcFailure('unavailable', `The report could not be written to ${target}.`);
      }
    },
  };
}
