import { z } from 'zod';
import { AdminIdentitySchema, type AdminIdentity } from '../common/api/auth.ts';
import type { Connection } from '../common/ipc/contract.ts';

/** The slice of Electron's `safeStorage` the vault uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

/** What the vault keeps per connection on disk: display fields and the encrypted refresh token. */
const StoredSessionSchema = z.object({
  username: z.string(),
  admin: AdminIdentitySchema,
  /** base64 of `safeStorage.encryptString(refreshToken)`. */
  refreshToken: z.string(),
});
type StoredSession = z.infer<typeof StoredSessionSchema>;

/** The slice of electron-store the vault uses. */
export interface SessionStore {
  get(key: 'sessions'): unknown;
  set(key: 'sessions', value: Record<string, StoredSession>): void;
}

/** Thrown instead of storing a refresh token the operating system cannot protect (R115). */
export class EncryptionUnavailableError extends Error {
  constructor(readonly reason: 'unavailable' | 'basic_text') {
    super(
      reason === 'basic_text'
        ? 'This computer has no key store for secrets (safeStorage would keep them in plain text), so the console will not store the session.'
        : 'This computer’s key store is not available (safeStorage), so the console will not store the session.',
    );
    this.name = 'EncryptionUnavailableError';
  }
}

export interface SessionToKeep {
  username: string;
  admin: AdminIdentity;
  refreshToken: string;
}

/**
 * Where the console's credentials live, main process only (SPEC §3, R113): access tokens in
 * memory and nowhere else; refresh tokens encrypted with `safeStorage` in electron-store.
 * Nothing here is ever sent to the renderer; `connectionState` and `admin` are all it sees.
 */
export class SessionVault {
  private readonly access = new Map<string, { token: string; expiresAt: number }>();
  private readonly locked = new Set<string>();

  constructor(
    private readonly store: SessionStore,
    private readonly safeStorage: SafeStorageLike,
    private readonly now: () => number = Date.now,
  ) {
    // A session kept from an earlier run starts locked: a restart asks for the password (R114).
    for (const id of Object.keys(this.sessions())) this.locked.add(id);
  }

  /** What the renderer may know: signed out, signed in, or locked. */
  state(connectionId: string): Connection['state'] {
    if (!this.sessions()[connectionId]) return 'signed_out';
    return this.locked.has(connectionId) ? 'locked' : 'signed_in';
  }

  /** The signed-in administrator, for display. */
  admin(connectionId: string): AdminIdentity | null {
    return this.sessions()[connectionId]?.admin ?? null;
  }

  username(connectionId: string): string | undefined {
    return this.sessions()[connectionId]?.username;
  }

  /**
   * Keeps a session: the refresh token encrypted first, the store written only after that
   * succeeded. Throws `EncryptionUnavailableError` without touching the store when the OS
   * cannot protect it (R115: fail closed, like Electron Fiddle).
   */
  keep(connectionId: string, session: SessionToKeep): void {
    const encrypted = this.encrypt(session.refreshToken);
    this.store.set('sessions', {
      ...this.sessions(),
      [connectionId]: { username: session.username, admin: session.admin, refreshToken: encrypted },
    });
  }

  /** The refresh token, decrypted for the one request that spends it; undefined when none. */
  refreshToken(connectionId: string): string | undefined {
    const stored = this.sessions()[connectionId];
    if (!stored) return undefined;
    try {
      return this.safeStorage.decryptString(Buffer.from(stored.refreshToken, 'base64'));
    } catch {
      // The OS key changed (another user, a new keychain): the token is lost, not an error.
      return undefined;
    }
  }

  /** Holds a fresh access token in memory, unless the connection is locked meanwhile. */
  setAccess(connectionId: string, token: string, expiresInSeconds: number): void {
    if (this.locked.has(connectionId)) return;
    this.access.set(connectionId, { token, expiresAt: this.now() + expiresInSeconds * 1000 });
  }

  /** The access token while it has `marginMs` left; undefined when locked, absent or expiring. */
  accessToken(connectionId: string, marginMs = 30_000): string | undefined {
    const held = this.access.get(connectionId);
    if (!held || this.locked.has(connectionId)) return undefined;
    return held.expiresAt - marginMs > this.now() ? held.token : undefined;
  }

  /** The access token held, expired or not, to tell whether someone refreshed meanwhile. */
  heldAccessToken(connectionId: string): string | undefined {
    return this.access.get(connectionId)?.token;
  }

  /** Idle lock: the access token leaves memory; the password opens it again. */
  lock(connectionId: string): boolean {
    if (this.state(connectionId) !== 'signed_in') return false;
    this.access.delete(connectionId);
    this.locked.add(connectionId);
    return true;
  }

  unlock(connectionId: string): void {
    this.locked.delete(connectionId);
  }

  /** Signs a connection out locally: memory and disk. */
  forget(connectionId: string): void {
    this.access.delete(connectionId);
    this.locked.delete(connectionId);
    const rest = Object.entries(this.sessions()).filter(([id]) => id !== connectionId);
    this.store.set('sessions', Object.fromEntries(rest));
  }

  private encrypt(plainText: string): string {
    if (!this.safeStorage.isEncryptionAvailable())
      throw new EncryptionUnavailableError('unavailable');
    // On Linux without a keyring, Electron "encrypts" with a hard-coded key (R115).
    if (this.backend() === 'basic_text') throw new EncryptionUnavailableError('basic_text');
    return this.safeStorage.encryptString(plainText).toString('base64');
  }

  /** The Linux key store in use; the call exists on Linux only. */
  private backend(): string | undefined {
    try {
      return this.safeStorage.getSelectedStorageBackend?.();
    } catch {
      return undefined;
    }
  }

  /** The stored sessions, each checked: a hand-edited or older file cannot inject anything. */
  private sessions(): Record<string, StoredSession> {
    const raw = this.store.get('sessions');
    const parsed = z.record(z.string(), StoredSessionSchema).safeParse(raw ?? {});
    return parsed.success ? parsed.data : {};
  }
}
