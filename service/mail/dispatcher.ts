import type { ServiceContext } from '../context.ts';
import { pruneChallengeAttempts } from '../domain/challenge-answers.ts';
import {
  claimDueMail,
  dropMail,
  markSent,
  markUnconfirmed,
  recordFailure,
  releaseMail,
} from '../domain/outbox-delivery.ts';
import { settleInDoubt, settleMessageInDoubt } from '../domain/outbox-in-doubt.ts';
import { pruneRateCounters } from '../domain/rate-limits.ts';
import { processRecoveryRequests, pruneRecoveryRequests } from '../domain/recovery-requests.ts';
import type { OutboxMessage } from '../store/schema.ts';
import { SMTP_CONNECTIONS, type MailTransport } from './transports.ts';

/** Recovery requests claimed at once: most of a flood is settled in one transaction per batch. */
const REQUEST_BATCH = 250;
/** Messages claimed at once, sent SMTP_CONNECTIONS at a time. */
const MAIL_BATCH = 20;

export interface DispatcherOptions {
  transport: MailTransport;
  from: string;
  /** The domain of every Message-ID, so one message keeps one id across retries (R83). */
  messageIdDomain: string;
  pollMs?: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/** What one pass did: recovery requests processed, outbox messages handled. */
interface PassResult {
  requests: number;
  messages: number;
}

/** The transport's commit found the message no longer this dispatcher's: it must not go out. */
class ClaimLost extends Error {}

/**
 * Works off the queues: first the Reset Your Password and Retrieve Forgotten Username requests
 * the pages only recorded (R5), then what the outbox holds: claims a batch of due messages with
 * one conditional update (a lease), sends them, records each outcome; failures are retried with
 * backoff and never lost (R81–R85), and a message recorded as sent never goes out again.
 */
export class MailDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PassResult> | undefined;
  private ticking: Promise<void> | undefined;
  private rerun = false;
  private stopped = true;
  private passStartedAt: number | undefined;
  /** Set by stop(): a batch in progress sends no further message and hands the rest back. */
  private closing = false;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
    // Wait for the whole pass loop, not one pass: a pass started after close would send on a
    // closed transport, or send and fail to record it (a duplicate once the lease ends, R83).
    await this.ticking;
    await this.running;
    this.options.transport.close();
  }

  /** Asks for a pass soon: mail was just queued. */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) this.rerun = true;
    else this.schedule(0);
  }

  /**
   * Runs passes until nothing is due (recovery requests included); answers how many messages
   * were handled.
   */
  async drain(): Promise<number> {
    // A pass already under way may have looked for work before the caller's last write.
    await this.running?.catch(() => undefined);
    let total = 0;
    for (;;) {
      const { requests, messages } = await this.pass();
      total += messages;
      if (requests === 0 && messages === 0) return total;
    }
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const ticking = this.tick().finally(() => {
        if (this.ticking === ticking) this.ticking = undefined;
      });
      this.ticking = ticking;
    }, ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      while (!this.stopped) {
        const { requests, messages } = await this.pass();
        if (requests === 0 && messages === 0) break;
      }
      if (!this.stopped) {
        await pruneRateCounters(this.ctx.db, this.ctx.clock);
        await pruneRecoveryRequests(this.ctx.db, this.ctx.clock);
        await pruneChallengeAttempts(this.ctx.db, this.ctx.clock);
      }
    } catch (error) {
      this.options.log?.('mail dispatcher pass failed', { error: String(error) });
    }
    if (this.stopped) return;
    const again = this.rerun;
    this.rerun = false;
    this.schedule(again ? 0 : (this.options.pollMs ?? 1000));
  }

  /**
   * When the pass under way began (the clock's time), or undefined between passes: readiness
   * calls a dispatcher whose pass has run past its budget stuck (issue 18).
   */
  get busySince(): number | undefined {
    return this.passStartedAt;
  }

  private pass(): Promise<PassResult> {
    if (!this.running) this.passStartedAt = this.ctx.clock.now();
    this.running ??= this.runPass().finally(() => {
      this.running = undefined;
      this.passStartedAt = undefined;
    });
    return this.running;
  }

  private async runPass(): Promise<PassResult> {
    const { ctx, options } = this;
    const requests = await processRecoveryRequests(ctx, REQUEST_BATCH, options.log);
    const settled = await settleInDoubt(ctx.db, ctx.clock, MAIL_BATCH, options.log);
    const { lease, messages } = await claimDueMail(ctx.db, ctx.dialect, ctx.clock, MAIL_BATCH);
    const left = [...messages];
    let handled = 0;
    const worker = async () => {
      for (let message = left.shift(); message; message = left.shift()) {
        await this.deliver(message, lease);
        handled += 1;
        if (this.closing) break;
      }
    };
    await Promise.all(Array.from({ length: Math.min(SMTP_CONNECTIONS, left.length) }, worker));
    await releaseMail(
      ctx.db,
      left.map((m) => m.id),
      lease,
    );
    return { requests, messages: settled + handled };
  }

  private async deliver(message: OutboxMessage, lease: number): Promise<void> {
    const { db, clock } = this.ctx;
    if (message.expires_at !== null && message.expires_at <= clock.now()) {
      return dropMail(db, clock, message, lease, 'expired');
    }
    let committed = false;
    try {
      await this.options.transport.send(
        {
          messageId: `<${message.id}@${this.options.messageIdDomain}>`,
          from: this.options.from,
          to: message.to_address,
          subject: message.subject,
          text: message.text_body,
          html: message.html_body,
        },
        async () => {
          if (!(await markUnconfirmed(db, message.id, lease))) throw new ClaimLost();
          committed = true;
        },
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // The server answered the final "." with a refusal: it did not take the message.
      const refused = typeof (error as { responseCode?: unknown }).responseCode === 'number';
      if (committed && !refused) {
        const log = this.options.log;
        return settleMessageInDoubt(db, clock, message, lease, reason, { log });
      }
      return recordFailure(db, clock, message, lease, reason, this.options.log);
    }
    await markSent(db, clock, message);
  }
}
