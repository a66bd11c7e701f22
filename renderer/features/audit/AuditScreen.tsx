import type { Connection } from '../../../common/ipc/contract.ts';

/** The Audit screen of one connection: filter, scroll, open an event, export, check the chain. */
export function AuditScreen({ connection }: { connection: Connection }) {
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit · {connection.name}</h2>
    </section>
  );
}
