import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';

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
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** SMTP through nodemailer, with timeouts so a stalled server delays mail rather than the dispatcher. */
export function smtpTransport(smtpUrl: string): MailTransport {
  // The options go in the first argument with the URL: nodemailer's second argument holds
  // message defaults, where these timeouts would be silently ignored.
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  return {
    name: 'smtp',
    async send(mail) {
      await transporter.sendMail({ ...mail, messageId: mail.messageId });
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
    async send(mail) {
      const info = await builder.sendMail({ ...mail, messageId: mail.messageId });
      await mkdir(dir, { recursive: true });
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const file = path.join(dir, `${stamp}-${mail.messageId.replace(/[^\w.-]/g, '')}.eml`);
      await writeFile(file, info.message as Buffer, { mode: 0o600 });
    },
    close: () => builder.close(),
  };
}
