import type { AddressInfo } from 'node:net';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';

/** One message the catcher accepted, parsed from what went over the wire. */
export interface CaughtMail {
  /** The Message-ID header, angle brackets included. */
  messageId: string;
  /** The address in the From header, e.g. `no-reply@latchkey.test` (the display name is in `raw`). */
  from: string;
  /** Every address in the To header(s). */
  to: string[];
  subject: string;
  /** The text/plain part ('' when there is none). */
  text: string;
  /** The text/html part ('' when there is none). */
  html: string;
  /** The message exactly as received, headers included. */
  raw: string;
  /** When the server took the whole message (epoch ms), before it answered the DATA. */
  receivedAt: number;
}

/**
 * Points of an SMTP transaction the catcher reports: MAIL FROM and RCPT TO received, the first
 * bytes of the message after DATA, the final "." received, and the 250 that accepts it sent.
 */
export type SmtpStep = 'mail-from' | 'rcpt-to' | 'data' | 'end-of-data' | 'accepted';

/** Steps whose answer the catcher can hold back. */
export type HoldableStep = Extract<SmtpStep, 'mail-from' | 'rcpt-to' | 'end-of-data'>;

/** A transaction stopped at a step: `release()` lets the server answer and go on. */
export interface HeldStep {
  release(): void;
}

/** A real SMTP server on 127.0.0.1 that keeps every message it accepts. */
export interface SmtpCatcher {
  /** `smtp://127.0.0.1:PORT`, for SMTP_URL or `smtpTransport`. */
  readonly url: string;
  /** Messages accepted so far, oldest first. */
  readonly messages: CaughtMail[];
  /** The first message (already here or still to come) matching `predicate`; throws after `timeoutMs`. */
  waitFor(predicate: (mail: CaughtMail) => boolean, timeoutMs?: number): Promise<CaughtMail>;
  /** Forgets the messages caught so far. */
  clear(): void;
  /** While true, every message is refused with `451` (a temporary failure the client must retry). */
  setFailing(failing: boolean): void;
  /** Stops listening, so connections are refused: an outage. */
  stop(): Promise<void>;
  /** Listens again on the same port after `stop()`. */
  restart(): Promise<void>;
  /** Shuts the server down for good. */
  close(): Promise<void>;
  /** Resolves when the next transaction reaches `step`. */
  reached(step: SmtpStep): Promise<void>;
  /**
   * Resolves when the next transaction reaches `step`, where the server then withholds its
   * answer until `release()`; a message held at its end is accepted (kept, then 250) on release,
   * as a server that took responsibility for it does even if the client is gone by then.
   */
  holdAt(step: HoldableStep): Promise<HeldStep>;
}

const POLL_MS = 20;

/** Starts a catcher on a free port: no auth, no TLS, nothing leaves the machine. */
export async function startSmtp(): Promise<SmtpCatcher> {
  const messages: CaughtMail[] = [];
  let failing = false;
  let server: SMTPServer | undefined;
  let port = 0;
  let closed = false;
  const waiting: Array<{ step: SmtpStep; hold: boolean; reach: (held: HeldStep) => void }> = [];

  /** Reports `step` to the first test waiting for it; answers when the server may go on. */
  const reach = (step: SmtpStep): Promise<void> => {
    const index = waiting.findIndex((w) => w.step === step);
    const waiter = index < 0 ? undefined : waiting.splice(index, 1)[0];
    if (!waiter) return Promise.resolve();
    if (!waiter.hold) {
      waiter.reach({ release: () => {} });
      return Promise.resolve();
    }
    return new Promise((resume) => waiter.reach({ release: () => resume() }));
  };

  const listen = async (): Promise<void> => {
    const next = new SMTPServer({
      disabledCommands: ['AUTH', 'STARTTLS'],
      authOptional: true,
      logger: false,
      disableReverseLookup: true,
      closeTimeout: 200,
      onMailFrom(_address, _session, callback) {
        void reach('mail-from').then(() => callback(failing ? temporaryFailure() : null));
      },
      onRcptTo(_address, _session, callback) {
        void reach('rcpt-to').then(() => callback());
      },
      onData(stream, _session, callback) {
        receive(stream, () => void reach('data'))
          .then(async (mail) => {
            await reach('end-of-data');
            messages.push(mail);
            callback();
            await reach('accepted');
          })
          .catch((error: unknown) =>
            callback(error instanceof Error ? error : new Error(String(error))),
          );
      },
    });
    next.on('error', () => {
      // A client dropping its connection is not a test failure; the client sees its own error.
    });
    await new Promise<void>((resolve, reject) => {
      next.server.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        next.server.off('error', reject);
        resolve();
      });
    });
    port = (next.server.address() as AddressInfo).port;
    server = next;
  };

  const shut = async (): Promise<void> => {
    const current = server;
    server = undefined;
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();

  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(predicate, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = messages.find(predicate);
        if (found) return found;
        if (Date.now() >= deadline) throw new Error(noMatch(messages, timeoutMs));
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    },
    clear: () => {
      messages.length = 0;
    },
    setFailing: (value) => {
      failing = value;
    },
    stop: shut,
    async restart() {
      if (closed) throw new Error('The SMTP catcher was closed; start a new one.');
      if (!server) await listen();
    },
    async close() {
      closed = true;
      await shut();
    },
    reached: (step) =>
      new Promise((resolve) => waiting.push({ step, hold: false, reach: () => resolve() })),
    holdAt: (step) => new Promise((resolve) => waiting.push({ step, hold: true, reach: resolve })),
  };
}

/** The http(s) URLs in a text, in order, without trailing punctuation. */
export function linksIn(text: string): string[] {
  const found = text.match(/https?:\/\/[^\s<>"'`]+/g) ?? [];
  return found.map((url) => url.replace(/[.,;:!?)\]]+$/, ''));
}

function temporaryFailure(): Error {
  return Object.assign(new Error('Temporary failure, try again later'), { responseCode: 451 });
}

async function receive(stream: SMTPServerDataStream, begun: () => void): Promise<CaughtMail> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    if (chunks.length === 0) begun();
    chunks.push(chunk as Buffer);
  }
  const receivedAt = Date.now();
  const raw = Buffer.concat(chunks).toString('utf8');
  const parsed = await simpleParser(raw);
  return {
    messageId: parsed.messageId ?? '',
    from: addresses(parsed.from)[0] ?? '',
    to: addresses(parsed.to),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    raw,
    receivedAt,
  };
}

function addresses(header: AddressObject | AddressObject[] | undefined): string[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return objects.flatMap((o) =>
    o.value.flatMap((a) => (a.group ?? [a]).map((m) => m.address ?? '')),
  );
}

function noMatch(messages: CaughtMail[], timeoutMs: number): string {
  const arrived = messages.map((m) => `  ${m.messageId} to ${m.to.join(', ')}: "${m.subject}"`);
  return `No matching mail within ${timeoutMs} ms; ${messages.length} arrived${
    arrived.length ? `:\n${arrived.join('\n')}` : '.'
  }`;
}
