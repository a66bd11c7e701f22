import { useId, useState } from 'react';
import type { Connection } from '../../../common/ipc/contract.ts';
import { useOrganizations } from '../../queries/organizations.ts';
import { ErrorNotice } from '../../ui/ErrorNotice.tsx';
import { Progress } from '../../ui/Progress.tsx';
import { holds } from '../../../common/api/permission-rules.ts';
import './organizations.css';
import { PolicyForm } from './PolicyForm.tsx';

/** The organizations an administrator may edit, and each one's policy. */
export function OrganizationsScreen({ connection }: { connection: Connection }) {
  const id = useId();
  const query = useOrganizations(connection.id);
  const admin = connection.admin;
  const editable = (query.data?.items ?? []).filter(
    (o) => admin && holds(admin, 'edit_policy', o.id),
  );
  const [chosen, setChosen] = useState<string | null>(null);
  const organization = editable.find((o) => o.id === chosen) ?? editable[0];
  return (
    <section aria-labelledby="organizations-title" className="organizations">
      <h2 id="organizations-title">Organizations · {connection.name}</h2>
      {query.isPending && <Progress label="Loading the organizations…" />}
      {query.isError && <ErrorNotice error={query.error} onRetry={() => void query.refetch()} />}
      {query.isSuccess && editable.length === 0 && (
        <p>You may not edit the policy of any organization here.</p>
      )}
      {editable.length > 1 && (
        <div className="organization-choice">
          <label htmlFor={`${id}-org`}>Organization</label>
          <select
            id={`${id}-org`}
            value={organization?.id}
            onChange={(e) => setChosen(e.target.value)}
          >
            {editable.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {organization && (
        <>
          <h3>Policy of {organization.name}</h3>
          <PolicyForm key={organization.id} connectionId={connection.id} latest={organization} />
        </>
      )}
    </section>
  );
}
