import { compose, formatTime, productList, type MailContent } from './compose.ts';

/** Tells the owner (and holders) that an administrator unlocked sign-in. */
export function unlockedMail(username: string, contact: string): MailContent {
  return compose({
    subject: `Sign-in to ${username} is unlocked`,
    greeting: 'Hello,',
    body: [
      `An administrator unlocked sign-in to ${username}. You can sign in again.`,
      `If you did not ask for this, contact ${contact}.`,
    ],
  });
}

/** A temporary password was set by staff: when, for which products, and what happens next — never the password (R26). */
export function temporaryPasswordMail(
  username: string,
  at: number,
  expiresAt: number,
  products: string[],
  contact: string,
): MailContent {
  return compose({
    subject: `The password of ${username} was reset by an administrator`,
    greeting: 'Hello,',
    body: [
      `On ${formatTime(at)} an administrator set a temporary password for ${username}, the password for ${productList(products)}. Everyone signed in with the old password has been signed out.`,
      `The temporary password was given to the person who called; it is not in this email. It works once, until ${formatTime(expiresAt)}, and must be changed at the first sign-in.`,
      `If you did not ask for this, contact ${contact} at once.`,
    ],
  });
}

export interface SharedResetFacts {
  username: string;
  at: number;
  products: string[];
  /** The holder who was on the phone and received the new password. */
  holder: string;
  /** The administrator who reset it. */
  agent: string;
  reason: string;
  contact: string;
}

/**
 * A shared login's password was reset for one holder (SPEC §2): every holder learns who
 * received the new password and from whom, so they know whom to ask — never the password (R26).
 */
export function sharedLoginResetMail(f: SharedResetFacts): MailContent {
  return compose({
    subject: `The shared password of ${f.username} was reset for ${f.holder}`,
    greeting: 'Hello,',
    body: [
      `On ${formatTime(f.at)} ${f.agent}, an administrator, reset the password of the shared login ${f.username}, the password for ${productList(f.products)}. Everyone signed in with the old password has been signed out.`,
      `The new password was given to ${f.holder}, who was on the phone; it is not in this email. Ask ${f.holder} for it. It does not have to be changed, so it keeps working for everyone who shares this login.`,
      `Reason given: ${f.reason}`,
      `If this is wrong, contact ${f.contact} at once.`,
    ],
  });
}

/** The security question was cleared by an administrator; a new one is chosen at the next sign-in. */
export function questionClearedMail(username: string, contact: string): MailContent {
  return compose({
    subject: `The security question of ${username} was cleared`,
    greeting: 'Hello,',
    body: [
      `An administrator cleared the security question of ${username}. You will be asked to choose a new one the next time you sign in.`,
      `Until then, the forgotten-password feature cannot send you a reset link: contact ${contact} if you forget your password.`,
    ],
  });
}

/** Access was disabled or restored by an administrator. */
export function accessChangedMail(
  username: string,
  disabled: boolean,
  contact: string,
): MailContent {
  return compose({
    subject: disabled ? `${username} was disabled` : `${username} was enabled again`,
    greeting: 'Hello,',
    body: [
      disabled
        ? `An administrator disabled ${username}. It can no longer sign in, and its sessions have ended.`
        : `An administrator enabled ${username} again. It can sign in with its password.`,
      `Questions: contact ${contact}.`,
    ],
  });
}

/** The six-digit code the caller reads back to the helpdesk (SPEC §3). */
export function verificationCodeMail(
  username: string,
  code: string,
  expiresAt: number,
): MailContent {
  return compose({
    // Not in the subject: the console lists subjects of recent mail, and the agent must hear the
    // code from the caller, not read it off the screen.
    subject: 'Your helpdesk verification code',
    greeting: 'Hello,',
    body: [
      `The helpdesk is on the phone with someone who says they hold ${username}. If that is you, read them this code: ${code}`,
      `It works until ${formatTime(expiresAt)}. If you are not on a call with the helpdesk, do not share it with anyone.`,
    ],
  });
}
