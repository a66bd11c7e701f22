import { compose, formatTime, productList, type MailContent, type Paragraphs } from './compose.ts';

export type { MailContent } from './compose.ts';

/** The forgotten-password email: one per username, so several accounts on one address get one link each (SPEC §1). */
export function passwordResetMail(
  username: string,
  url: string,
  expiresAt: number,
  products: string[],
): MailContent {
  return compose({
    subject: `Reset the password of ${username}`,
    greeting: 'Hello,',
    body: [
      `Someone asked to reset the password of the account ${username}.`,
      { href: url, label: `Reset the password of ${username}` },
      `The link works until ${formatTime(expiresAt)}, and only once. After opening it you answer your security question, then choose a new password.`,
      `The new password will be your password for ${productList(products)}.`,
      'If you did not ask for this, ignore this email: your password stays as it is.',
    ],
  });
}

/** Reset asked for an account that cannot use the self-service flow; says what to do instead. */
export function resetUnavailableMail(
  username: string,
  reason: 'no_question' | 'external' | 'challenge_locked',
  contact: string,
  externalUrl: string | null,
): MailContent {
  const body: Paragraphs['body'] = [
    `Someone asked to reset the password of the account ${username}.`,
  ];
  if (reason === 'external' && externalUrl) {
    body.push(
      'Your organization now signs you in through its own login service. Reset your password there:',
    );
    body.push({ href: externalUrl, label: 'Open your organization’s login service' });
  } else if (reason === 'no_question') {
    body.push(
      'The forgotten-password feature needs a security question, and this account does not have one yet, so this email has no reset link.',
      `To reset your password, contact ${contact}. After you next sign in you will be asked to choose a security question.`,
    );
  } else {
    body.push(
      'Too many wrong answers to the security question were given for this account in the last 24 hours, so self-service reset is paused and this email has no reset link.',
      `To reset your password now, contact ${contact}.`,
    );
  }
  body.push('If you did not ask for this, you can ignore this email.');
  return compose({ subject: 'About your password reset request', greeting: 'Hello,', body });
}

/** The forgotten-username email: every username on the address, and no token (R27). */
export function usernameReminderMail(usernames: string[], loginUrl: string): MailContent {
  return compose({
    subject: usernames.length > 1 ? 'Your usernames' : 'Your username',
    greeting: 'Hello,',
    body: [
      usernames.length > 1
        ? `These usernames are registered to this address: ${usernames.join(', ')}.`
        : `The username registered to this address is ${usernames[0] ?? ''}.`,
      { href: loginUrl, label: 'Log In' },
      'If you did not ask for this, you can ignore this email.',
    ],
  });
}

export interface PasswordChangedFacts {
  username: string;
  at: number;
  /** How: 'forgotten-password flow', 'password change', 'an administrator'. */
  how: string;
  products: string[];
  contact: string;
  /** Set for a shared login's holders: they need to learn the new password from whoever changed it. */
  shared: boolean;
}

/** Tells the account (and each holder of a shared login) that its password changed (SPEC §1, §2). */
export function passwordChangedMail(f: PasswordChangedFacts): MailContent {
  return compose({
    subject: `The password of ${f.username} was changed`,
    greeting: 'Hello,',
    body: [
      `The password of ${f.username} was changed on ${formatTime(f.at)} through the ${f.how}.`,
      `It is now the password for ${productList(f.products)}. Everyone signed in with the old password has been signed out.`,
      ...(f.shared
        ? [
            'This is a shared login: if you use it and did not make this change, ask the person who did for the new password, or contact ' +
              f.contact +
              '.',
          ]
        : []),
      `If you did not make this change, contact ${f.contact} at once.`,
    ],
  });
}

/** Tells the owner (and holders) that repeated failed sign-ins locked the account (R39). */
export function lockoutMail(
  username: string,
  until: number | null,
  contact: string,
  shared: boolean,
): MailContent {
  return compose({
    subject: `Sign-in to ${username} is locked`,
    greeting: 'Hello,',
    body: [
      `After several failed sign-in attempts, sign-in to ${username} is locked ${until ? `until ${formatTime(until)}` : `until ${contact} unlocks it`}.`,
      'If these attempts were yours, you can also reset your password with the “forgot password?” link on the Log In page.',
      ...(shared
        ? ['This is a shared login, so everyone who uses it is locked out until then.']
        : []),
      `If they were not yours, someone may be guessing your password: contact ${contact}.`,
    ],
  });
}

/** Confirms that the account's security question was set or changed (R34). */
export function securityQuestionSetMail(
  username: string,
  at: number,
  contact: string,
): MailContent {
  return compose({
    subject: `The security question of ${username} was set`,
    greeting: 'Hello,',
    body: [
      `The security question of ${username} was set on ${formatTime(at)}. It is asked when you reset a forgotten password.`,
      `If you did not do this, contact ${contact} at once.`,
    ],
  });
}
