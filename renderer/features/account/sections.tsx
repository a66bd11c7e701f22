import type { ReactNode } from 'react';
import type { AccountView } from '../../../common/api/account-view.ts';
import type { AdminIdentity } from '../../../common/api/auth.ts';
import { plural } from '../../format/time.ts';
import { Time } from '../../ui/Time.tsx';
import { passwordHowWords } from './audit-words.ts';
import { missingActionReasons } from './missing-actions.ts';

/** A titled part of the account view; its heading names it for screen readers. */
export function Section({
  id,
  title,
  children,
}: {
  id: string;
  title: string;
  children: ReactNode;
}) {
  return (
    <section className="section" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>{title}</h3>
      {children}
    </section>
  );
}

/** A definition list from label/value pairs. */
export function Facts({ rows }: { rows: Array<[string, ReactNode]> }) {
  return (
    <dl className="facts">
      {rows.map(([label, value]) => (
        <div key={label} className="fact">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function IdentitySection({ view }: { view: AccountView }) {
  return (
    <Section id="identity" title="Identity">
      <Facts
        rows={[
          ['Username', view.username],
          ['Name', view.name || '—'],
          ['Email', view.email],
          ['Phone', view.phone || '—'],
          ['Organization', view.organization.name],
          ['Administrators', view.organization.adminContact],
          ...(view.organization.externalLoginUrl
            ? ([['External login', view.organization.externalLoginUrl]] as Array<
                [string, ReactNode]
              >)
            : []),
          ['Products', view.products.map((p) => p.name).join(', ') || 'none'],
        ]}
      />
    </Section>
  );
}

function lockText(status: AccountView['status']): ReactNode {
  if (status.disabled)
    return (
      <>
        Disabled since <Time at={status.disabledAt} />
      </>
    );
  if (!status.locked) return 'Active';
  return (
    <>
      Locked since <Time at={status.lockedAt} />
      {status.lockedUntil ? (
        <>
          {' '}
          until <Time at={status.lockedUntil} />
        </>
      ) : (
        ' until an administrator unlocks it'
      )}
    </>
  );
}

export function StatusSection({ view }: { view: AccountView }) {
  const s = view.status;
  return (
    <Section id="status" title="Status">
      <Facts
        rows={[
          [
            'State',
            <span key="state" className={s.locked || s.disabled ? 'text-danger' : ''}>
              {lockText(s)}
            </span>,
          ],
          ['Lock reason', s.lockReason ?? '—'],
          ['Failed attempts', String(s.failedAttempts)],
          ['Must change password', s.mustChangePassword ? 'Yes, at the next sign-in' : 'No'],
          ...(s.temporaryPasswordExpiresAt
            ? ([
                [
                  'Temporary password valid until',
                  <Time key="t" at={s.temporaryPasswordExpiresAt} />,
                ],
              ] as Array<[string, ReactNode]>)
            : []),
          ['Live sessions', plural(view.passwordChangeImpact.liveSessions, 'session')],
        ]}
      />
    </Section>
  );
}

/** Why actions are missing on this account, and whom the agent can turn to. */
function MissingActions({ admin, view }: { admin: AdminIdentity; view: AccountView }) {
  const reasons = missingActionReasons(admin, view);
  if (reasons.length === 0) return null;
  return (
    <div className="missing-actions" role="note" aria-label="Why some actions are not offered">
      <ul>
        {reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      {reasons.length > 1 && (
        <p>
          Who can help: {view.organization.name}’s administrators
          {view.organization.adminContact ? ` (${view.organization.adminContact})` : ''}.
        </p>
      )}
    </div>
  );
}

/** Who changed the password: the holder, you, or the administrator the audit log names. */
function byWhom(view: AccountView, admin: AdminIdentity | null): string {
  const by = view.passwordChange.by;
  if (by === null) return '—';
  if (by === 'self') return 'the account holder';
  if (admin && by === admin.accountId) return `you (${admin.username})`;
  return view.audit.find((a) => a.actor === by && a.actorName)?.actorName ?? `administrator ${by}`;
}

export function PasswordSection({
  view,
  admin,
}: {
  view: AccountView;
  admin: AdminIdentity | null;
}) {
  return (
    <Section id="password" title="Sign-in and password">
      <Facts
        rows={[
          ['Last sign-in', <Time key="s" at={view.lastSignInAt} />],
          ['Password changed', <Time key="c" at={view.passwordChange.at} />],
          ['How', passwordHowWords(view.passwordChange.how)],
          ['By', byWhom(view, admin)],
          [
            'Security question',
            view.securityQuestion ? (
              <q key="q">{view.securityQuestion}</q>
            ) : (
              <span key="q" className="text-warn">
                None: a forgotten-password email tells the holder to call an administrator
              </span>
            ),
          ],
        ]}
      />
      {admin && <MissingActions admin={admin} view={view} />}
    </Section>
  );
}
