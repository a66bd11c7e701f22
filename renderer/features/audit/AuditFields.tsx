import { detailFields, type KnownNames } from './audit-fields.ts';

/**
 * An event's detail as labelled fields, and the raw JSON behind "Show raw" for whoever needs
 * the ids (it is shown as text, never run or linked).
 */
export function AuditFields({
  detail,
  names,
}: {
  detail: Record<string, unknown>;
  names?: KnownNames;
}) {
  const fields = detailFields(detail, names);
  return (
    <>
      {fields.length > 0 && (
        <dl className="audit-fields">
          {fields.map(([label, value]) => (
            <div key={label} className="audit-field">
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
      )}
      <details className="audit-raw">
        <summary>Show raw</summary>
        <pre className="audit-json" tabIndex={0}>
          {JSON.stringify(detail, null, 2)}
        </pre>
      </details>
    </>
  );
}
