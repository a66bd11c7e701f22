import type { ReactNode } from 'react';
import type { z } from 'zod';

/** The first problem a schema finds in a value, or null. */
export function problemOf(schema: z.ZodType, value: unknown): string | null {
  const parsed = schema.safeParse(value);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'Check this field.');
}

interface TextFieldProps {
  id: string;
  label: string;
  value: string;
  onChange(value: string): void;
  /** Shown under the field and tied to it (aria-describedby), so a screen reader says it too. */
  error?: string | null;
  /** A note under the field that is not an error (e.g. "available"). */
  note?: ReactNode;
  type?: 'text' | 'email' | 'tel';
  autoComplete?: string;
  required?: boolean;
}

/** A labelled field with its error or note beneath it. */
export function TextField(p: TextFieldProps) {
  const described = p.error ? `${p.id}-error` : p.note ? `${p.id}-note` : undefined;
  return (
    <div className="admin-field">
      <label htmlFor={p.id}>
        {p.label}
        {p.required === false && <span className="muted"> (optional)</span>}
      </label>
      <input
        id={p.id}
        type={p.type ?? 'text'}
        value={p.value}
        autoComplete={p.autoComplete ?? 'off'}
        spellCheck={false}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={described}
        onChange={(event) => p.onChange(event.target.value)}
      />
      {p.error ? (
        <p id={`${p.id}-error`} className="field-error">
          {p.error}
        </p>
      ) : (
        p.note && (
          <p id={`${p.id}-note`} className="field-note" aria-live="polite">
            {p.note}
          </p>
        )
      )}
    </div>
  );
}

interface ProductChoiceProps {
  id: string;
  products: ReadonlyArray<{ code: string; name: string }>;
  chosen: string[];
  onChange(codes: string[]): void;
  error?: string | null;
}

/** The products as checkboxes in a fieldset: Tab moves between them, Space ticks one. */
export function ProductChoice({ id, products, chosen, onChange, error }: ProductChoiceProps) {
  const toggle = (code: string, on: boolean) =>
    onChange(on ? [...chosen, code] : chosen.filter((c) => c !== code));
  return (
    <fieldset
      className="admin-products"
      aria-describedby={error ? `${id}-error` : undefined}
      aria-invalid={error ? true : undefined}
    >
      <legend>Products</legend>
      {products.length === 0 && <p className="muted">The service lists no products.</p>}
      {products.map((p) => (
        <label key={p.code} className="check">
          <input
            type="checkbox"
            checked={chosen.includes(p.code)}
            onChange={(event) => toggle(p.code, event.target.checked)}
          />{' '}
          {p.name} <span className="muted">({p.code})</span>
        </label>
      ))}
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}

interface OrganizationChoiceProps {
  id: string;
  label: string;
  organizations: ReadonlyArray<{ id: string; name: string }>;
  value: string;
  onChange(id: string): void;
  error?: string | null;
}

/** A select of the organizations the administrator may use here. */
export function OrganizationChoice(p: OrganizationChoiceProps) {
  return (
    <div className="admin-field">
      <label htmlFor={p.id}>{p.label}</label>
      <select
        id={p.id}
        value={p.value}
        aria-invalid={p.error ? true : undefined}
        aria-describedby={p.error ? `${p.id}-error` : undefined}
        onChange={(event) => p.onChange(event.target.value)}
      >
        <option value="">Choose…</option>
        {p.organizations.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name}
          </option>
        ))}
      </select>
      {p.error && (
        <p id={`${p.id}-error`} className="field-error">
          {p.error}
        </p>
      )}
    </div>
  );
}

/** Problems that belong to no one field, announced. */
export function ProblemList({ items }: { items: string[] }) {
  return (
    <div className="notice notice-warn" role="alert">
      <ul>
        {items.map((item) => (
          <li key={item}>{item}</li>
        ))}
      </ul>
    </div>
  );
}
