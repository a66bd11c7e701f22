import { useId } from 'react';
import type { ImportSummary } from '../../../common/ipc/account-admin-contract.ts';
import type { Connection } from '../../../common/ipc/contract.ts';
import { plural } from '../../format/time.ts';
import {
  useChooseImportFile,
  usePreviewImport,
  useRunImport,
  useSaveImportReport,
} from '../../queries/imports.ts';
import { useImportStore, type ImportProgress } from '../../state/import-store.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import './import.css';

const number = new Intl.NumberFormat('en');

function sizeText(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1_000) return `${Math.round(bytes / 1_000)} kB`;
  return plural(bytes, 'byte');
}

/** The file's progress through main to the service: a bar by bytes, rows and the rate in words. */
function ProgressBar({ progress, phase }: { progress: ImportProgress | null; phase: string }) {
  const words = progress
    ? `${number.format(progress.rows)} rows, ${number.format(progress.rowsPerSecond)} rows a second`
    : 'Starting…';
  const service =
    progress?.stage && progress.stageRows > 0
      ? `The service is ${progress.stage} (${number.format(progress.stageRows)} rows).`
      : null;
  return (
    <div className="import-progress" role="status">
      <label>
        {phase}: {words}
        <progress
          max={progress?.totalBytes || 1}
          value={progress ? Math.min(progress.bytes, progress.totalBytes) : 0}
          aria-valuetext={words}
        />
      </label>
      {service && <p className="muted">{service}</p>}
    </div>
  );
}

function Counts({ summary }: { summary: ImportSummary }) {
  const c = summary.counts;
  const would = summary.dryRun ? 'would be ' : '';
  return (
    <ul className="import-counts">
      <li>
        <strong>{number.format(c.create)}</strong> {would}created
      </li>
      <li>
        <strong>{number.format(c.update)}</strong> {would}changed
      </li>
      <li>
        <strong>{number.format(c.unchanged)}</strong> unchanged
      </li>
      <li className={c.error > 0 ? 'import-bad' : undefined}>
        <strong>{number.format(c.error)}</strong> with problems
      </li>
    </ul>
  );
}

function Problems({ summary }: { summary: ImportSummary }) {
  if (summary.problemCount === 0) return null;
  return (
    <section aria-labelledby="import-problems">
      <h3 id="import-problems">
        {plural(summary.problemCount, 'problem')}: nothing is imported until the file is fixed
      </h3>
      <table className="import-table">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Column</th>
            <th scope="col">Problem</th>
          </tr>
        </thead>
        <tbody>
          {summary.problems.map((p, i) => (
            <tr key={`${p.line}-${p.column}-${i}`}>
              <td>{p.line}</td>
              <td>{p.column}</td>
              <td>{p.message}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {summary.problemCount > summary.problems.length && (
        <p className="muted">
          The first {number.format(summary.problems.length)} are shown; the saved report lists every
          one.
        </p>
      )}
    </section>
  );
}

function Rows({ summary }: { summary: ImportSummary }) {
  if (summary.rows.length === 0) return null;
  return (
    <section aria-labelledby="import-rows">
      <h3 id="import-rows">
        {summary.dryRun ? 'What the import would do' : 'What the import did'}
      </h3>
      <table className="import-table">
        <thead>
          <tr>
            <th scope="col">Line</th>
            <th scope="col">Username</th>
            <th scope="col">Does</th>
            <th scope="col">Fields</th>
          </tr>
        </thead>
        <tbody>
          {summary.rows.map((r) => (
            <tr key={r.line}>
              <td>{r.line}</td>
              <td>{r.username}</td>
              <td>{r.action === 'create' ? 'Create' : 'Change'}</td>
              <td>
                {r.action === 'update'
                  ? r.changes.map((c) => `${c.field}: ${c.from ?? '—'} → ${c.to ?? '—'}`).join('; ')
                  : r.changes.map((c) => c.field).join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {summary.rowCount > summary.rows.length && (
        <p className="muted">
          {number.format(summary.rows.length)} of {number.format(summary.rowCount)} rows are shown;
          the saved report lists them all.
        </p>
      )}
    </section>
  );
}

function SaveReport({ importId }: { importId: string }) {
  const save = useSaveImportReport();
  return (
    <div className="import-report">
      <button type="button" disabled={save.isPending} onClick={() => save.mutate({ importId })}>
        Save report…
      </button>
      {save.data?.cancelled === false && (
        <p role="status">
          Saved {plural(save.data.lines, 'line')} to {save.data.savedTo}.
        </p>
      )}
      {save.error && <ErrorNotice error={save.error} />}
    </div>
  );
}

/**
 * The Import screen (issue 16): choose a CSV in main's open dialog, see the dry run (rows to
 * create, rows that change with the fields that differ, every problem by line and column), then
 * import all or nothing with progress, and save the report. The file never enters the renderer.
 */
export function ImportScreen({ connection }: { connection: Connection }) {
  const id = useId();
  const s = useImportStore();
  const choose = useChooseImportFile();
  const preview = usePreviewImport();
  const run = useRunImport();
  const file = s.file?.connectionId === connection.id ? s.file : null;
  const busy = preview.isPending || run.isPending || choose.isPending;
  const why = {
    connectionId: connection.id,
    reason: s.reason.trim(),
    ...(s.ticket.trim() ? { ticket: s.ticket.trim() } : {}),
  };
  const reasonMissing = s.reason.trim().length < 3;
  const shown = s.result ?? s.preview;
  return (
    <section className="import-screen" aria-labelledby="import-heading">
      <h2 id="import-heading">Import accounts</h2>
      <p className="muted">
        A CSV with the columns username, email, name, phone, organization, products (and optionally
        password, security_question, security_answer, shared, holders). Rows are matched by
        username: a new one creates an account, an existing one is updated. Nothing is written until
        the preview is clean, and then every row or none.
      </p>
      <div className="import-step">
        <button
          type="button"
          disabled={busy}
          onClick={() => choose.mutate({ connectionId: connection.id })}
        >
          {file ? 'Choose another file…' : 'Choose CSV file…'}
        </button>
        {file && (
          <p>
            <strong>{file.name}</strong> · {sizeText(file.bytes)}
          </p>
        )}
        {choose.error && <ErrorNotice error={choose.error} />}
      </div>
      {file && (
        <div className="import-why">
          <label htmlFor={`${id}-reason`}>Why? (goes into the audit log)</label>
          <textarea
            id={`${id}-reason`}
            rows={2}
            value={s.reason}
            aria-describedby={`${id}-reason-note`}
            onChange={(e) => s.setWhy({ reason: e.target.value })}
          />
          <p id={`${id}-reason-note`} className="muted">
            At least three characters, e.g. “New hires, HR list of 7 December”.
          </p>
          <label htmlFor={`${id}-ticket`}>Ticket number (optional)</label>
          <input
            id={`${id}-ticket`}
            value={s.ticket}
            autoComplete="off"
            onChange={(e) => s.setWhy({ ticket: e.target.value })}
          />
          <div className="buttons">
            <button
              type="button"
              className={s.preview?.ok ? undefined : 'primary'}
              disabled={busy || reasonMissing}
              onClick={() => preview.mutate({ ...why, importId: file.importId })}
            >
              {s.preview ? 'Preview again' : 'Preview (dry run)'}
            </button>
            {s.preview?.ok && !s.result && (
              <button
                type="button"
                className="primary"
                disabled={busy || reasonMissing}
                onClick={() => run.mutate({ ...why, importId: file.importId })}
              >
                Import all {number.format(s.preview.counts.create + s.preview.counts.update)}{' '}
                changes
              </button>
            )}
          </div>
        </div>
      )}
      {preview.isPending && <ProgressBar progress={s.progress} phase="Checking the file" />}
      {run.isPending && <ProgressBar progress={s.progress} phase="Importing" />}
      {preview.error && <ErrorNotice error={preview.error} />}
      {run.error && <ErrorNotice error={run.error} />}
      {shown && file && !busy && (
        <div className="import-summary">
          {shown.dryRun ? (
            <p role="status" className="notice-headline">
              Preview of {shown.fileName}: {number.format(shown.rowsRead)} rows read in{' '}
              {shown.seconds.toFixed(1)} s. Nothing has been changed.
            </p>
          ) : shown.ok ? (
            <p role="status" className="notice-headline">
              <span aria-hidden="true">✓ </span>
              Imported {shown.fileName}: {shown.summary ?? ''} ({number.format(shown.rowsPerSecond)}{' '}
              rows a second)
            </p>
          ) : (
            <p role="alert" className="notice-headline">
              Nothing was imported: {shown.message ?? 'the file has problems'}
            </p>
          )}
          {shown.dryRun && !shown.ok && (
            <p>Fix the file, save it, then press Preview again: main reads it afresh.</p>
          )}
          <Counts summary={shown} />
          <Problems summary={shown} />
          <Rows summary={shown} />
          <SaveReport importId={shown.importId} />
        </div>
      )}
    </section>
  );
}
