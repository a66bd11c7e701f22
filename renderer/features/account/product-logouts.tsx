import type { AccountView } from '../../../common/api/account-view.ts';
import { Time } from '../../ui/Time.tsx';
import { Section } from './sections.tsx';

type ProductLogout = NonNullable<AccountView['productLogouts']>[number];

const attemptsWords = (n: number) => `${n} attempt${n === 1 ? '' : 's'}`;

/** Where one back-channel logout stands, in the agent's words and zone. */
function LogoutState({ logout }: { logout: ProductLogout }) {
  if (logout.status === 'delivered')
    return (
      <>
        Delivered <Time at={logout.deliveredAt} />
      </>
    );
  if (logout.status === 'failed')
    return (
      <>
        Given up after {attemptsWords(logout.attempts)}
        {logout.lastError && <span className="muted"> ({logout.lastError})</span>}
      </>
    );
  return (
    <>
      Waiting
      {logout.attempts > 0 && <> after {attemptsWords(logout.attempts)}</>}
      {logout.nextAttemptAt != null && (
        <>
          ; next try <Time at={logout.nextAttemptAt} />
        </>
      )}
      {logout.lastError && <span className="muted"> ({logout.lastError})</span>}
    </>
  );
}

/** Issue 14: each product session ended by a session end, and whether the product was told. */
export function ProductLogoutsSection({ view }: { view: AccountView }) {
  const logouts = view.productLogouts ?? [];
  if (logouts.length === 0) return null;
  return (
    <Section id="product-logouts" title={`Product sessions ended (${logouts.length})`}>
      <table>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Ended</th>
            <th scope="col">Product told</th>
          </tr>
        </thead>
        <tbody>
          {logouts.map((logout) => (
            <tr key={logout.id}>
              <td>{logout.product}</td>
              <td>
                <Time at={logout.queuedAt} />
              </td>
              <td>
                <LogoutState logout={logout} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Section>
  );
}
