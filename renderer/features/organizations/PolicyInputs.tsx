import type { Permission } from '../../../common/api/auth.ts';
import {
  ALL_PERMISSIONS,
  permissionWords,
  POLICY_FIELDS,
  type PolicyDraft,
  type PolicyField,
} from './policy-fields.ts';

interface Props {
  idPrefix: string;
  draft: PolicyDraft;
  onChange(key: string, value: PolicyDraft[string]): void;
  /** The field a refusal names (`policy.lockoutThreshold`) and its sentence. */
  problem: { field: string; message: string } | null;
}

function FieldInput({ f, id, props }: { f: PolicyField; id: string; props: Props }) {
  const value = props.draft[f.key];
  const bad = props.problem?.field === `policy.${f.key}`;
  const described = [f.hint ? `${id}-hint` : '', bad ? `${id}-error` : ''].join(' ').trim();
  const common = {
    id,
    'aria-invalid': bad || undefined,
    'aria-describedby': described || undefined,
  };
  if (f.kind === 'boolean')
    return (
      <input
        {...common}
        type="checkbox"
        checked={value === true}
        onChange={(e) => props.onChange(f.key, e.target.checked)}
      />
    );
  if (f.kind === 'lines')
    return (
      <textarea
        {...common}
        rows={4}
        value={String(value)}
        onChange={(e) => props.onChange(f.key, e.target.value)}
      />
    );
  return (
    <input
      {...common}
      type={f.kind === 'number' ? 'number' : 'text'}
      inputMode={f.kind === 'number' ? 'numeric' : undefined}
      value={String(value)}
      onChange={(e) => props.onChange(f.key, e.target.value)}
    />
  );
}

function Permissions({ f, props }: { f: PolicyField; props: Props }) {
  const chosen = (props.draft[f.key] as Permission[] | undefined) ?? [];
  const toggle = (p: Permission, on: boolean) =>
    props.onChange(
      f.key,
      ALL_PERMISSIONS.filter((x) => (x === p ? on : chosen.includes(x))),
    );
  return (
    <fieldset className="policy-permissions">
      <legend>{f.label}</legend>
      {ALL_PERMISSIONS.map((p) => (
        <label key={p} className="checkbox">
          <input
            type="checkbox"
            checked={chosen.includes(p)}
            onChange={(e) => toggle(p, e.target.checked)}
          />
          {permissionWords(p)}
        </label>
      ))}
    </fieldset>
  );
}

/** Every policy field, each with its label, hint and the service's refusal next to it. */
export function PolicyInputs(props: Props) {
  return (
    <div className="policy-fields">
      {POLICY_FIELDS.map((f) => {
        const id = `${props.idPrefix}-${f.key}`;
        if (f.kind === 'permissions') return <Permissions key={f.key} f={f} props={props} />;
        const bad = props.problem?.field === `policy.${f.key}`;
        return (
          <div key={f.key} className={`policy-field policy-${f.kind}`}>
            <label htmlFor={id}>{f.label}</label>
            <FieldInput f={f} id={id} props={props} />
            {f.hint && (
              <p id={`${id}-hint`} className="muted">
                {f.hint}
              </p>
            )}
            {bad && (
              <p id={`${id}-error`} className="field-error">
                {props.problem?.message}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
