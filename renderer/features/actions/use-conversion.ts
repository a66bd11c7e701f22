import { useState } from 'react';
import type { ConversionPlan } from '../../../common/api/shared-login-routes.ts';
import { useCheckUsernames, useConvertSharedLogin } from '../../queries/accounts.ts';
import type { AccountRef } from '../../state/selection-store.ts';
import { liveMatch, useVerification } from '../../state/verification-store.ts';
import type { ActionFormValues } from './ActionForm.tsx';
import { staleCurrent, usernameFieldOf, useSeenAccount } from './use-account-change.ts';

export type ConversionStep = 'review' | 'confirm';

/** The service's sentence without the field it names (`usernames.<id>: …`). */
const withoutField = (message: string) => message.replace(/^usernames\.[^:]+:\s*/, '');

const suggestions = (plan: ConversionPlan) =>
  Object.fromEntries(plan.holders.map((h) => [h.holderId, h.suggestedUsername]));

/**
 * The state of one guided conversion: the step, the usernames chosen and their problems, the
 * check and the conversion calls, and after a 412 the retry on the account as it is now.
 */
export function useConversion(plan: ConversionPlan, dialog: AccountRef) {
  const { seen, setSeen, idempotencyKey } = useSeenAccount(dialog);
  const verification = liveMatch(
    useVerification(dialog.connectionId, dialog.accountId),
    Date.now(),
  );
  const [step, setStep] = useState<ConversionStep>('review');
  const [usernames, setUsernames] = useState(() => suggestions(plan));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [last, setLast] = useState<ActionFormValues | null>(null);
  const check = useCheckUsernames();
  const convert = useConvertSharedLogin();
  const current = staleCurrent(convert.error);

  const rename = (holderId: string, username: string) => {
    setUsernames((u) => ({ ...u, [holderId]: username }));
    setProblems(({ [holderId]: _gone, ...rest }) => rest);
  };
  const checkAndContinue = () =>
    check.mutate(
      { ...dialog, usernames },
      {
        onSuccess: ({ items }) => {
          const found = Object.fromEntries(
            items.flatMap((i) => (i.problem ? [[i.holderId, i.problem]] : [])),
          );
          setProblems(found);
          if (Object.keys(found).length === 0) setStep('confirm');
        },
      },
    );
  const submit = (values: ActionFormValues, version: number) => {
    setLast(values);
    const request = {
      ...dialog,
      version,
      reason: values.reason.trim(),
      ticket: values.ticket.trim() || undefined,
      idempotencyKey,
      usernames,
      verificationId: verification?.verificationId,
    };
    convert.mutate(request, {
      onError: (error) => {
        // A name taken since the check: back to the usernames, the clash next to its field.
        const holderId = usernameFieldOf(error);
        if (!holderId) return;
        setProblems({ [holderId]: withoutField(error.message) });
        setStep('review');
        convert.reset();
      },
    });
  };
  const retry = () => {
    if (!current) return;
    setSeen(current);
    if (last) submit(last, current.version);
  };
  return {
    ...{ seen, verification, step, setStep, usernames, problems, check, convert, current },
    ...{ rename, checkAndContinue, submit, retry },
  };
}
