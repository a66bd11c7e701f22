import { compose, formatTime, productList, type MailContent } from './compose.ts';

/** An administrator created the account: the link to Set Up Password, as a conversion sends. */
export function newAccountMail(
  username: string,
  url: string,
  expiresAt: number,
  products: string[],
  contact: string,
): MailContent {
  return compose({
    subject: `Your account: ${username}`,
    greeting: 'Hello,',
    body: [
      `An administrator created an account for you: ${username}, for ${productList(products)}.`,
      { href: url, label: 'Set up your password' },
      `The link works until ${formatTime(expiresAt)}, and only once. Then sign in as ${username}; you will be asked to choose a security question.`,
      `If you were not expecting this, contact ${contact}.`,
    ],
  });
}

/** To the address an account had: it is no longer the account's, and how to say it was not you. */
export function emailChangedFromMail(
  username: string,
  at: number,
  newAddress: string,
  contact: string,
): MailContent {
  return compose({
    subject: `The email address of ${username} was changed`,
    greeting: 'Hello,',
    body: [
      `On ${formatTime(at)} an administrator changed the email address of ${username} from this address to ${newAddress}. Mail about the account, password resets included, now goes there; reset links sent to this address no longer work.`,
      `If you did not ask for this, it was not you: report it to ${contact} at once, so the change can be undone.`,
    ],
  });
}

/** To the account's new address: this is now where its mail goes. */
export function emailChangedToMail(username: string, at: number, contact: string): MailContent {
  return compose({
    subject: `This is now the email address of ${username}`,
    greeting: 'Hello,',
    body: [
      `On ${formatTime(at)} an administrator made this the email address of ${username}. Password resets and other mail about the account come here from now on.`,
      `If you do not know this account, contact ${contact}.`,
    ],
  });
}

/** The account's username changed: sign in with the new one. */
export function usernameChangedMail(
  from: string,
  to: string,
  at: number,
  contact: string,
): MailContent {
  return compose({
    subject: `Your username is now ${to}`,
    greeting: 'Hello,',
    body: [
      `On ${formatTime(at)} an administrator changed the username ${from} to ${to}. Sign in with ${to} (or your email address) from now on; the password stays the same.`,
      `If you did not ask for this, contact ${contact}.`,
    ],
  });
}

/** The products the account may use changed. */
export function productAccessMail(
  username: string,
  added: string[],
  removed: string[],
  contact: string,
): MailContent {
  const body: string[] = [];
  if (added.length > 0) body.push(`${username} can now sign in to ${productList(added)}.`);
  if (removed.length > 0)
    body.push(`${username} can no longer sign in to ${productList(removed)}.`);
  return compose({
    subject: `Your access changed: ${username}`,
    greeting: 'Hello,',
    body: [...body, `If this is wrong, contact ${contact}.`],
  });
}

/** The account moved to another organization. */
export function organizationMovedMail(
  username: string,
  from: string,
  to: string,
  contact: string,
): MailContent {
  return compose({
    subject: `${username} now belongs to ${to}`,
    greeting: 'Hello,',
    body: [
      `An administrator moved ${username} from ${from} to ${to}. Your username and password stay the same; ${to}'s rules apply from now on.`,
      `If this is wrong, contact ${contact}.`,
    ],
  });
}
