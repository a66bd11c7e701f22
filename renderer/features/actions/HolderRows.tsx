import { useId } from 'react';

/** One holder as the form edits it. */
export interface HolderDraft {
  name: string;
  email: string;
  phone: string;
  isOwner: boolean;
}

interface Props {
  rows: HolderDraft[];
  onChange(rows: HolderDraft[]): void;
  /** The field a refusal names, e.g. `holders.1.email`: its message shows next to it. */
  errorField: string | undefined;
  error: unknown;
}

const FIELDS = [
  ['name', 'Name', 'name'],
  ['email', 'Email', 'email'],
  ['phone', 'Phone', 'tel'],
] as const;

/** The holders as editable rows, the owner chosen once for all, add and remove. */
export function HolderRows({ rows, onChange, errorField, error }: Props) {
  const id = useId();
  const set = (i: number, patch: Partial<HolderDraft>) =>
    onChange(rows.map((r, j) => (i === j ? { ...r, ...patch } : r)));
  const message = error instanceof Error ? error.message.replace(/^holders[.\w]*:\s*/, '') : '';
  const owner = rows.findIndex((r) => r.isOwner);
  return (
    <fieldset className="holder-rows">
      <legend>Holders</legend>
      {rows.length === 0 && <p>No holders: add the people who share this login.</p>}
      {rows.map((row, i) => (
        <div className="holder-row" key={i}>
          {FIELDS.map(([field, label, type]) => {
            const fieldId = `${id}-${i}-${field}`;
            const bad = errorField === `holders.${i}.${field}`;
            return (
              <div className="holder-field" key={field}>
                <label htmlFor={fieldId}>
                  {label} of holder {i + 1}
                </label>
                <input
                  id={fieldId}
                  type={type}
                  value={row[field]}
                  autoComplete="off"
                  aria-invalid={bad || undefined}
                  aria-describedby={bad ? `${fieldId}-error` : undefined}
                  onChange={(event) => set(i, { [field]: event.target.value })}
                />
                {bad && (
                  <p id={`${fieldId}-error`} className="field-error">
                    {message}
                  </p>
                )}
              </div>
            );
          })}
          <button type="button" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            Remove holder {i + 1}
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => onChange([...rows, { name: '', email: '', phone: '', isOwner: false }])}
      >
        Add a holder
      </button>
      <label htmlFor={`${id}-owner`}>
        Owner (only the owner’s answer opens the forgotten-password flow)
      </label>
      <select
        id={`${id}-owner`}
        value={String(owner)}
        onChange={(event) => {
          const chosen = Number(event.target.value);
          onChange(rows.map((r, j) => ({ ...r, isOwner: j === chosen })));
        }}
      >
        <option value="-1">No owner</option>
        {rows.map((r, i) => (
          <option key={i} value={String(i)}>
            {r.name || `Holder ${i + 1}`}
          </option>
        ))}
      </select>
    </fieldset>
  );
}
