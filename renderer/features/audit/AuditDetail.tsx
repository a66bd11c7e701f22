import type { ReactNode } from 'react';
import type { AuditEvent } from '../../../common/api/audit.ts';
import { isoTime } from '../../format/time.ts';
import { Time } from '../../ui/Time.tsx';
import { auditTypeWords } from '../account/audit-words.ts';
import { type KnownNames } from './audit-fields.ts';
import { AuditFields } from './AuditFields.tsx';

/** A name and, when it differs, the id it stands for. */
function Named({ name, id }: { name: string | null; id: string | null }) {
  if (id === null) return <>—</>;
  if (!name || name === id) return <code>{id}</code>;
  return (
    <>
      {name} <code className="muted">{id}</code>
    </>
  );
}

function Fact({ term, children }: { term: string; children: ReactNode }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The event's own organization is the one name the audit API gives for an id in the detail. */
const namesOf = (event: AuditEvent): KnownNames => ({
  organizations: new Map(
    event.organizationId && event.organizationName
      ? [[event.organizationId, event.organizationName]]
      : [],
  ),
});

/** Every field of one event; the detail in labelled words, its JSON behind "Show raw". */
export function AuditDetail({ event, onClose }: { event: AuditEvent; onClose(): void }) {
  return (
    <section className="audit-detail" aria-labelledby="audit-detail-title">
      <div className="pane-head">
        <h3 id="audit-detail-title">
          Event #{event.seq}: {auditTypeWords(event.type)}
        </h3>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <dl className="facts audit-facts">
        <Fact term="Sequence">{event.seq}</Fact>
        <Fact term="Time">
          <Time at={event.at} /> <span className="muted">({isoTime(event.at)})</span>
        </Fact>
        <Fact term="Type">
          {auditTypeWords(event.type)} <code className="muted">{event.type}</code>
        </Fact>
        <Fact term="Actor">
          <Named name={event.actorUsername} id={event.actor} />
        </Fact>
        <Fact term="Account">
          <Named name={event.accountUsername} id={event.accountId} />
        </Fact>
        <Fact term="Organization">
          <Named name={event.organizationName} id={event.organizationId} />
        </Fact>
        <Fact term="IP address">{event.ip ?? '—'}</Fact>
        <Fact term="Event id">
          <code>{event.id}</code>
        </Fact>
        <Fact term="Hash">
          <code className="audit-hash">{event.hash}</code>
        </Fact>
      </dl>
      <h4>Detail</h4>
      <AuditFields detail={event.detail} names={namesOf(event)} />
    </section>
  );
}
