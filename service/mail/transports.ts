import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream';
import nodemailer from 'nodemailer';
import { CommitGate } from './commit-gate.ts';

/** One message as the dispatcher hands it to a transport. */
export interface OutgoingMail {
  messageId: string;
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Delivers one message or throws; the dispatcher owns retries. */
export interface MailTransport {
  readonly name: string;
  /**
   * Delivers `mail`. A transport that can tell calls `commit` when the receiver has everything
   * but the signal that makes it accept the message (SMTP's final "."), and gives that signal
   * only after `commit` resolved; if `commit` rejects, the message is abandoned unsent. One that
   * never calls it is taken to commit when it returns.
   */
  send(mail: OutgoingMail, commit?: () => Promise<void>): Promise<void>;
  close(): void;
}

/** SMTP connections kept open and used at once: the dispatcher sends this many messages at a time. */
export const SMTP_CONNECTIONS = 4;

/**
 * SMTP through a nodemailer pool, with timeouts so a stalled server delays mail rather than the
 * dispatcher. `commit` runs between the message and its final "." (see CommitGate).
 */
export function smtpTransport(smtpUrl: string): MailTransport {
  // The options go in the first argument with the URL: nodemailer's second argument holds
  // message defaults, where these timeouts would be silently ignored.
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: SMTP_CONNECTIONS,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const commits = new Map<string, () => Promise<void>>();
  transporter.use('stream', (message, done) => {
    const commit = commits.get(message.data.messageId ?? '');
    if (commit)
      message.message.processFunc((input) => pipeline(input, new CommitGate(commit), () => {}));
    done();
  });
  return {
    name: 'smtp',
    async send(mail, commit) {
      if (commit) commits.set(mail.messageId, commit);
      try {
        await transporter.sendMail({ ...mail, messageId: mail.messageId });
      } finally {
        commits.delete(mail.messageId);
      }
    },
    close: () => transporter.close(),
  };
}

/** Writes each message as an `.eml` file under `dir` (no SMTP_URL: the local outbox of SPEC §5). */
export function emlFolderTransport(dir: string): MailTransport {
  const builder = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
  });
  return {
    name: 'eml',
    async send(mail, commit) {
      const info = await builder.sendMail({ ...mail, messageId: mail.messageId });
      await mkdir(dir, { recursive: true });
      await commit?.(); // writing the file is this transport's final "."

      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(dir, `${stamp}-${mail.messageId.replace(/[^\w.-]/g, '')}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
    },
    close: () => builder.close(),
  };
}
