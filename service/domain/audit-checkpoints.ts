import { open } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Db } from '../store/schema.ts';

/**
 * The chain's head noted outside the database (R78): the newest event's seq and MAC at a
 * moment. The database's writer cannot take back what the file and the service's log hold, so
 * a chain that no longer reaches this seq, or reaches it with another MAC, was cut or rewritten.
 */
export interface AuditCheckpoint {
  /** When it was written, ISO 8601 UTC. */
  time: string;
  seq: number;
  mac: string;
  /** The key that MACed event `seq`; null for an event of the legacy (plain SHA-256) segment. */
  keyId: string | null;
}

const CheckpointLine = z.object({
  time: z.iso.datetime(),
  seq: z.number().int().positive(),
  mac: z.string().regex(/^[0-9a-f]{64}$/),
  keyId: z.string().nullable(),
});

/** The default checkpoint file: beside the SQLite file, never inside any database. */
export const defaultCheckpointFile = (dataDir: string) =>
  path.join(dataDir, 'audit-checkpoints.log');

/** The newest event of the chain, as a checkpoint would note it (without the time). */
export async function readAuditHead(db: Db): Promise<Omit<AuditCheckpoint, 'time'> | null> {
  const row = await db
    .selectFrom('audit_events')
    .select(['seq', 'hash', 'key_id'])
    .where('seq', 'is not', null)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { seq: Number(row.seq), mac: row.hash, keyId: row.key_id } : null;
}

/** Appends one checkpoint as a JSON line; the file is only ever opened for appending. */
export async function appendCheckpoint(file: string, checkpoint: AuditCheckpoint): Promise<void> {
  const handle = await open(file, 'a', 0o600);
  try {
    await handle.write(`${JSON.stringify(checkpoint)}\n`);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** How much of the file's end is read for the latest checkpoint (hundreds of lines). */
const TAIL_BYTES = 64 * 1024;

/**
 * The latest checkpoint: of the lines at the file's end, the one with the highest seq (a line
 * cut short by a crash, or anything else that is not a checkpoint, is passed over); null when
 * there is no file or no checkpoint in it.
 */
export async function readLatestCheckpoint(file: string): Promise<AuditCheckpoint | null> {
  let text: string;
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - TAIL_BYTES);
      const { buffer, bytesRead } = await handle.read(
        Buffer.alloc(size - start),
        0,
        size - start,
        start,
      );
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let latest: AuditCheckpoint | null = null;
  for (const line of text.split('\n')) {
    const parsed = CheckpointLine.safeParse(parseJson(line));
    if (parsed.success && (!latest || parsed.data.seq > latest.seq)) latest = parsed.data;
  }
  return latest;
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** Where checkpoints are announced besides the file: the service's (pino) log. */
export interface CheckpointLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface CheckpointWriterOptions {
  file: string;
  /** How often to look at the head; 0: only when asked (writeNow) and at stop. */
  intervalMs: number;
  clock: Clock;
  log: CheckpointLog;
}

/**
 * Writes a checkpoint whenever the chain's head has moved, every `intervalMs` and at stop: not
 * per event, so the sign-in path pays nothing. It never notes a head that does not extend the
 * last checkpoint (events cut or rewritten below it), or cutting the tail and waiting one
 * interval would hide the cut; it logs an error instead.
 */
export class AuditCheckpointWriter {
  private timer: NodeJS.Timeout | undefined;
  private last: AuditCheckpoint | null | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private refused: string | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: CheckpointWriterOptions,
  ) {}

  /** Starts looking at the head every `intervalMs`. */
  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.writeNow(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and writes a last checkpoint if the head moved. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.writeNow();
  }

  /** Writes a checkpoint now if the head moved; answers it, or null when none was written. */
  writeNow(): Promise<AuditCheckpoint | null> {
    const next = this.running.then(() => this.writeIfMoved());
    this.running = next.catch(() => {});
    return next.catch((error: unknown) => {
      this.options.log.error({ err: error }, 'audit checkpoint failed');
      return null;
    });
  }

  private async writeIfMoved(): Promise<AuditCheckpoint | null> {
    const head = await readAuditHead(this.db);
    if (!head) return null;
    if (this.last === undefined) this.last = await readLatestCheckpoint(this.options.file);
    const last = this.last;
    if (last && last.seq === head.seq && last.mac === head.mac) return null;
    if (last && !(await this.chainHolds(last))) {
      this.refuse(last, head.seq);
      return null;
    }
    const checkpoint = { time: new Date(this.options.clock.now()).toISOString(), ...head };
    await appendCheckpoint(this.options.file, checkpoint);
    this.options.log.info({ auditCheckpoint: checkpoint }, 'audit checkpoint');
    this.last = checkpoint;
    return checkpoint;
  }

  private async chainHolds(checkpoint: AuditCheckpoint): Promise<boolean> {
    const row = await this.db
      .selectFrom('audit_events')
      .select(['hash', 'key_id'])
      .where('seq', '=', checkpoint.seq)
      .executeTakeFirst();
    return row?.hash === checkpoint.mac && row.key_id === checkpoint.keyId;
  }

  // Once per head, not every interval: the alarm stays readable in the log.
  private refuse(checkpoint: AuditCheckpoint, headSeq: number): void {
    const key = `${checkpoint.seq}:${headSeq}`;
    if (this.refused === key) return;
    this.refused = key;
    this.options.log.error(
      { auditCheckpoint: checkpoint, headSeq },
      `audit log no longer matches its checkpoint at event ${checkpoint.seq}: no checkpoint is written until this is resolved; run verify-audit`,
    );
  }
}
