import { randomInt } from 'node:crypto';
import type { ServiceContext } from '../context.ts';
import { recordAudit } from '../domain/audit.ts';
import { pruneChallengeAttempts } from '../domain/challenge-answers.ts';
import { pruneRateCounters } from '../domain/rate-limits.ts';
import { processRecoveryRequests, pruneRecoveryRequests } from '../domain/recovery-requests.ts';
import type { OutboxMessage } from '../store/schema.ts';
import type { MailTransport } from './transports.ts';

/** Delay before each retry: the first within 30 s (issue 2), then backing off to an hour. */
export const RETRY_DELAYS_MS = [
  10_000, 30_000, 120_000, 300_000, 900_000, 1_800_000, 3_600_000, 3_600_000,
];
/** After this many failed attempts a message is marked failed and shown as such in the console. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** A claimed message is left alone by other dispatchers this long (R83). */
const LEASE_MS = 120_000;
const BATCH = 20;

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

/**
 * Works off the queues: first the Reset Your Password and Retrieve Forgotten Username requests
 * the pages only recorded (R5), then what the outbox holds: claims each due message with a
 * conditional update (a lease), sends it, records the outcome; failures are retried with
 * backoff and never lost (R81–R85).
 */
export class MailDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<PassResult> | undefined;
  private ticking: Promise<void> | undefined;
  private rerun = false;
  private stopped = true;
  private passStartedAt: number | undefined;

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
    const requests = await processRecoveryRequests(this.ctx, BATCH, this.options.log);
    const now = this.ctx.clock.now();
    const due = await this.ctx.db
      .selectFrom('outbox')
      .selectAll()
      .where('status', '=', 'queued')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('created_at')
      .limit(BATCH)
      .execute();
    let handled = 0;
    for (const message of due) {
      if (!(await this.claim(message))) continue;
      await this.deliver(message);
      handled += 1;
    }
    return { requests, messages: handled };
  }

  private async claim(message: OutboxMessage): Promise<boolean> {
    const now = this.ctx.clock.now();
    const result = await this.ctx.db
      .updateTable('outbox')
      .set({ lease_until: now + LEASE_MS, attempts: message.attempts + 1 })
      .where('id', '=', message.id)
      .where('status', '=', 'queued')
      .where('attempts', '=', message.attempts)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  private async deliver(message: OutboxMessage): Promise<void> {
    const { db, clock } = this.ctx;
    if (message.expires_at !== null && message.expires_at <= clock.now()) {
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('outbox')
          .set({
            status: 'dropped',
            lease_until: null,
            last_error: 'expired before it could be sent',
          })
          .where('id', '=', message.id)
          .execute();
        await recordAudit(trx, clock, {
          type: 'mail_dropped',
          accountId: message.account_id,
          actor: 'system',
          detail: { mailId: message.id, kind: message.kind, reason: 'expired' },
        });
      });
      return;
    }
    try {
      await this.options.transport.send({
        messageId: `<${message.id}@${this.options.messageIdDomain}>`,
        from: this.options.from,
        to: message.to_address,
        subject: message.subject,
        text: message.text_body,
        html: message.html_body,
      });
    } catch (error) {
      await this.recordFailure(message, error instanceof Error ? error.message : String(error));
      return;
    }
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('outbox')
        .set({ status: 'sent', sent_at: clock.now(), lease_until: null, last_error: null })
        .where('id', '=', message.id)
        .execute();
      await recordAudit(trx, clock, {
        type: 'mail_sent',
        accountId: message.account_id,
        actor: 'system',
        detail: { mailId: message.id, kind: message.kind },
      });
    });
  }

  private async recordFailure(message: OutboxMessage, reason: string): Promise<void> {
    const { db, clock } = this.ctx;
    const attempts = message.attempts + 1;
    const giveUp = attempts >= MAX_ATTEMPTS;
    const base = RETRY_DELAYS_MS[Math.min(attempts - 1, RETRY_DELAYS_MS.length - 1)] ?? 3_600_000;
    // R82: up to 20 % jitter, so messages that failed together do not all retry together.
    const delay = base + randomInt(0, Math.floor(base / 5) + 1);
    this.options.log?.('mail delivery failed', { mailId: message.id, attempts, giveUp, reason });
    await db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('outbox')
        .set({
          status: giveUp ? 'failed' : 'queued',
          next_attempt_at: clock.now() + delay,
          lease_until: null,
          last_error: reason.slice(0, 500),
        })
        .where('id', '=', message.id)
        .where('status', '=', 'queued')
        .where('attempts', '=', attempts)
        .executeTakeFirst();
      // R83: a send that outlived its lease must not undo the outcome of the dispatcher that
      // re-claimed the message (re-queueing a sent message would send it twice).
      if (Number(result.numUpdatedRows) === 0) return;
      if (giveUp) {
        await recordAudit(trx, clock, {
          type: 'mail_failed',
          accountId: message.account_id,
          actor: 'system',
          detail: {
            mailId: message.id,
            kind: message.kind,
            attempts,
            reason: reason.slice(0, 200),
          },
        });
      }
    });
  }
}
