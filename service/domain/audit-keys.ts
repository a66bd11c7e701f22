import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** The fewest random bytes an audit key may have (the size of HMAC-SHA-256's output). */
export const AUDIT_KEY_MIN_BYTES = 32;

/**
 * One secret that MACs the audit chain (R78). The bytes live in a private field, so neither
 * JSON.stringify, pino nor util.inspect can print them: only `id` is ever shown.
 */
export class AuditKey {
  /** The first 8 bytes of SHA-256 of the key, in hex: names the key in each row it MACs. */
  readonly id: string;
  readonly #bytes: Buffer;

  constructor(bytes: Buffer) {
    this.#bytes = Buffer.from(bytes);
    this.id = createHash('sha256').update(this.#bytes).digest('hex').slice(0, 16);
  }

  /** HMAC-SHA-256 of `text` under this key, in hex. */
  mac(text: string): string {
    return createHmac('sha256', this.#bytes).update(text).digest('hex');
  }

  toJSON(): string {
    return `[audit key ${this.id}]`;
  }
}

/**
 * Reads a key written as hex or base64 (standard or URL-safe); undefined when it is neither or
 * shorter than AUDIT_KEY_MIN_BYTES. The text is never echoed back, even in an error.
 */
export function parseAuditKey(text: string): AuditKey | undefined {
  const trimmed = text.trim();
  let bytes: Buffer;
  if (/^(?:[0-9a-fA-F]{2})+$/.test(trimmed)) bytes = Buffer.from(trimmed, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) bytes = Buffer.from(trimmed, 'base64');
  else return undefined;
  return bytes.length >= AUDIT_KEY_MIN_BYTES ? new AuditKey(bytes) : undefined;
}

/** The key that MACs new events, and every key an existing event may name (rotation). */
export class AuditKeyring {
  readonly #byId = new Map<string, AuditKey>();

  constructor(
    readonly current: AuditKey,
    previous: readonly AuditKey[] = [],
  ) {
    for (const key of [current, ...previous]) this.#byId.set(key.id, key);
  }

  /** The key an event names, if this keyring holds it. */
  get(id: string): AuditKey | undefined {
    return this.#byId.get(id);
  }

  /** The ids of every key held, the current one first. */
  get ids(): string[] {
    return [...this.#byId.keys()];
  }
}

/** Thrown at start-up when the key file is unusable; the message names it, never its content. */
export class AuditKeyError extends Error {}

/** Where the keys come from: the environment (already validated by config.ts), else a file. */
export interface AuditKeySource {
  /** AUDIT_KEY: when set, the key file is neither read nor created. */
  key: AuditKey | undefined;
  /** AUDIT_KEY_PREVIOUS: retired keys, so the events they MACed still verify. */
  previous: readonly AuditKey[];
  /** AUDIT_KEY_FILE, by default DATA_DIR/audit.key. */
  file: string;
}

/** The default key file: beside the SQLite file, never inside any database. */
export const defaultAuditKeyFile = (dataDir: string) => path.join(dataDir, 'audit.key');

/**
 * The keyring the service MACs with: AUDIT_KEY (and AUDIT_KEY_PREVIOUS) when set; otherwise
 * the key file, created at first start with one random key, readable by its owner only.
 * The file's first key is the current one; further lines are previous keys (rotation).
 */
export async function loadAuditKeys(source: AuditKeySource): Promise<AuditKeyring> {
  if (source.key) return new AuditKeyring(source.key, source.previous);
  const fromFile = await readOrCreateKeyFile(source.file);
  const [current, ...previous] = fromFile;
  if (!current) throw new AuditKeyError(`AUDIT_KEY_FILE: ${source.file} holds no key`);
  return new AuditKeyring(current, [...previous, ...source.previous]);
}

async function readOrCreateKeyFile(file: string): Promise<AuditKey[]> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const fresh = `# Latchkey audit key (HMAC-SHA-256). First line: current key; further lines: previous keys.\n${randomBytes(32).toString('base64')}\n`;
  try {
    // 'wx': of two processes starting at once, one creates the file and the other reads it.
    await writeFile(file, fresh, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  await refuseSharedFile(file);
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/);
  return lines.flatMap((line, i) => {
    if (line.trim() === '' || line.trimStart().startsWith('#')) return [];
    const key = parseAuditKey(line);
    if (!key)
      throw new AuditKeyError(
        `AUDIT_KEY_FILE: line ${i + 1} of ${file} is not a key of at least ${AUDIT_KEY_MIN_BYTES} bytes in hex or base64`,
      );
    return [key];
  });
}

// Fail closed: a key others can read lets them forge the chain (Windows has no mode bits).
async function refuseSharedFile(file: string): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0)
    throw new AuditKeyError(
      `AUDIT_KEY_FILE: ${file} is open to other users (mode ${(mode & 0o777).toString(8)}); run chmod 600 on it`,
    );
}

// The forty-odd callers of recordAudit pass only a database handle; the keys travel with it.
// Kysely shares one adapter object between a handle, its transactions and its plugin views.
const bound = new WeakMap<object, AuditKeyring>();
let processKeys: AuditKeyring | undefined;

/** A Kysely handle or transaction, of any database type. */
interface Handle {
  getExecutor(): { adapter: object };
}

/**
 * Makes `keys` the ones audit events written or verified through `db` (and its transactions)
 * use, and the default for handles this process opens without keys of their own.
 */
export function bindAuditKeys(db: Handle, keys: AuditKeyring): void {
  bound.set(db.getExecutor().adapter, keys);
  processKeys = keys;
}

/** The keys bound to `db`, else those bound last in this process; throws when there are none. */
export function auditKeysFor(db: Handle): AuditKeyring {
  const keys = bound.get(db.getExecutor().adapter) ?? processKeys;
  if (!keys)
    throw new Error(
      'No audit key is bound to this database handle: open it through openService, or call bindAuditKeys',
    );
  return keys;
}
