import type { AccountView } from '../../../common/api/account-view.ts';

type HolderView = AccountView['holders'][number];

interface PickerProps {
  id: string;
  holders: HolderView[];
  value: string;
  error: string | null;
  onChange(holderId: string): void;
}

/**
 * Which holder is on the phone: the first field of the shared-login reset, focused when the
 * dialog opens. `autofocus` is set as an attribute because `showModal()` focuses the element
 * that carries it, after React's own mount effects have run.
 */
export function HolderPicker({ id, holders, value, error, onChange }: PickerProps) {
  return (
    <div className="holder-picker">
      <label htmlFor={id}>Which holder is on the phone?</label>
      <select
        id={id}
        ref={(el) => el?.setAttribute('autofocus', '')}
        value={value}
        required
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(event) => onChange(event.target.value)}
      >
        <option value="">Choose the caller…</option>
        {holders.map((h) => (
          <option key={h.id} value={h.id}>
            {h.name} ({h.email})
          </option>
        ))}
      </select>
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * What a shared-login reset means (SPEC §2): the password is shared and never forced to change,
 * because the first holder to change it would lock the others out; everyone is told who got it.
 * Converting to personal accounts is offered as the better way out.
 */
export function SharedResetNote({ onConvert }: { onConvert: (() => void) | undefined }) {
  return (
    <div className="shared-reset-note">
      <p>
        The new password is <strong>shared</strong>: you read it to this holder, and it will{' '}
        <strong>not have to be changed</strong> at the next sign-in, so the other holders are not
        locked out. Every holder is told by email who received it and that you reset it, without the
        password.
      </p>
      {onConvert && (
        <p>
          Personal accounts end the sharing for good.{' '}
          <button type="button" onClick={onConvert}>
            Convert to personal accounts instead
          </button>
        </p>
      )}
    </div>
  );
}
