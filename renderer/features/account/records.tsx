import type { AccountView } from '../../../common/api/account-view.ts';
import { Time } from '../../ui/Time.tsx';
import { actorWords, type KnownNames } from '../audit/audit-fields.ts';
import { AuditFields } from '../audit/AuditFields.tsx';
import { auditTypeWords } from './audit-words.ts';
import { Section } from './sections.tsx';

export function HoldersSection({ view }: { view: AccountView }) {
  if (!view.shared && view.holders.length === 0) return null;
  return (
    <Section id="holders" title={`Holders of this shared login (${view.holders.length})`}>
      {view.holders.length === 0 ? (
        <p>No holders recorded.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Phone</th>
              <th scope="col">Owner</th>
            </tr>
          </thead>
          <tbody>
            {view.holders.map((h) => (
              <tr key={h.id}>
                <td>{h.name}</td>
                <td className="address">{h.email}</td>
                <td>{h.phone || '—'}</td>
                <td>{h.isOwner ? 'Owner' : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

const LINK_STATE: Record<AccountView['resetLinks'][number]['state'], string> = {
  outstanding: 'Outstanding',
  used: 'Used',
  expired: 'Expired',
  revoked: 'Revoked',
};

export function LinksSection({ view }: { view: AccountView }) {
  const outstanding = view.resetLinks.filter((l) => l.state === 'outstanding').length;
  return (
    <Section id="links" title={`Reset links (${outstanding} outstanding)`}>
      {view.resetLinks.length === 0 ? (
        <p>No reset links.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Issued</th>
              <th scope="col">Opened</th>
              <th scope="col">Expires</th>
              <th scope="col">Used</th>
            </tr>
          </thead>
          <tbody>
            {view.resetLinks.map((l) => (
              <tr key={l.id}>
                <td>
                  {LINK_STATE[l.state]}
                  {l.revokedReason ? ` (${l.revokedReason.replace(/_/g, ' ')})` : ''}
                </td>
                <td>
                  <Time at={l.issuedAt} />
                </td>
                <td>
                  <Time at={l.openedAt} />
                </td>
                <td>
                  <Time at={l.expiresAt} />
                </td>
                <td>
                  <Time at={l.usedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

const MAIL_STATUS: Record<AccountView['emails'][number]['status'], string> = {
  queued: 'Queued',
  sent: 'Sent',
  failed: 'Failed',
  dropped: 'Dropped',
};

interface EmailsProps {
  view: AccountView;
  /** Null when the administrator may not resend. */
  onResend: ((mailId: string) => void) | null;
}

export function EmailsSection({ view, onResend }: EmailsProps) {
  return (
    <Section id="emails" title="Recent emails">
      {view.emails.length === 0 ? (
        <p>No emails.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Subject</th>
              <th scope="col">To</th>
              <th scope="col">Queued</th>
              <th scope="col">Delivery</th>
              <th scope="col">
                <span className="visually-hidden">Resend</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {view.emails.map((m) => (
              <tr key={m.id} className={m.status === 'failed' ? 'row-failed' : undefined}>
                <td>{m.subject}</td>
                <td className="address">{m.to}</td>
                <td>
                  <Time at={m.queuedAt} />
                </td>
                <td>
                  <span className={`badge badge-mail-${m.status}`}>{MAIL_STATUS[m.status]}</span>
                  {m.status === 'sent' && (
                    <>
                      {' '}
                      <Time at={m.sentAt} />
                    </>
                  )}
                  {m.attempts > 1 && ` after ${m.attempts} attempts`}
                  {m.error && <span className="mail-error"> {m.error}</span>}
                </td>
                <td>
                  {m.status === 'failed' && onResend && (
                    <button
                      type="button"
                      onClick={() => onResend(m.id)}
                      aria-label={`Resend “${m.subject}” to ${m.to}`}
                    >
                      Resend
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** The ids an account's own events may hold that the view can name: its holders, its organization. */
const namesOf = (view: AccountView): KnownNames => ({
  holders: new Map(view.holders.map((h) => [h.id, h.name])),
  organizations: new Map([[view.organization.id, view.organization.name]]),
});

export function AuditSection({ view }: { view: AccountView }) {
  const names = namesOf(view);
  return (
    <Section id="audit" title="Audit timeline">
      {view.audit.length === 0 ? (
        <p>Nothing recorded yet.</p>
      ) : (
        <ol className="timeline">
          {view.audit.map((a) => (
            <li key={a.id}>
              <Time at={a.at} /> <strong>{auditTypeWords(a.type)}</strong>{' '}
              <span className="muted">by {actorWords(a.actor, a.actorName)}</span>
              <div className="timeline-detail">
                <AuditFields detail={a.detail} names={names} />
              </div>
            </li>
          ))}
        </ol>
      )}
    </Section>
  );
}
