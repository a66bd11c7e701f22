import type { Connection } from '../../../common/ipc/contract.ts';

/** The organizations an administrator may edit, and each one's policy. */
export function OrganizationsScreen({ connection }: { connection: Connection }) {
  return (
    <section aria-labelledby="organizations-title">
      <h2 id="organizations-title">Organizations · {connection.name}</h2>
    </section>
  );
}
