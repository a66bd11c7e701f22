import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Store from 'electron-store';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { EncryptionUnavailableError, SessionVault } from '../../main/session-vault.ts';
import { safeStorage } from './fake-electron.ts';

const ADMIN: AdminIdentity = {
  accountId: 'a1',
  username: 'ann',
  name: 'Ann Admin',
  superAdmin: false,
  grants: [],
  idleLockMinutes: 15,
};
const REFRESH = 'refresh-token-0123456789abcdef';

function openStore(dir = mkdtempSync(path.join(tmpdir(), 'latchkey-vault-'))) {
  const store = new Store<Record<string, unknown>>({
    cwd: dir,
    name: 'latchkey',
    configFileMode: 0o600,
  });
  return { dir, store };
}

afterEach(() => {
  safeStorage.available = true;
  safeStorage.backend = 'gnome_libsecret';
});

describe('the session vault', () => {
  it('R115: refuses to store a refresh token when safeStorage is unavailable, and writes nothing', () => {
    const { store } = openStore();
    const vault = new SessionVault(store, safeStorage);
    safeStorage.available = false;
    expect(() =>
      vault.keep('c1', { username: 'ann', admin: ADMIN, refreshToken: REFRESH }),
    ).toThrow(EncryptionUnavailableError);
    expect(vault.state('c1')).toBe('signed_out');
    expect(existsSync(store.path) ? readFileSync(store.path, 'utf8') : '').not.toContain(REFRESH);
    expect(store.get('sessions')).toBeUndefined();
  });

  it('R115: refuses Linux’s basic_text backend too (a hard-coded key is no protection)', () => {
    const { store } = openStore();
    safeStorage.backend = 'basic_text';
    const vault = new SessionVault(store, safeStorage);
    expect(() =>
      vault.keep('c1', { username: 'ann', admin: ADMIN, refreshToken: REFRESH }),
    ).toThrow(/plain text/);
    expect(store.get('sessions')).toBeUndefined();
  });

  it('R113: the refresh token reaches the disk only encrypted, in a file only its owner reads', () => {
    const { store } = openStore();
    const vault = new SessionVault(store, safeStorage);
    vault.keep('c1', { username: 'ann', admin: ADMIN, refreshToken: REFRESH });
    vault.setAccess('c1', 'access-token-abcdef', 900);
    const text = readFileSync(store.path, 'utf8');
    expect(text).not.toContain(REFRESH);
    expect(text).not.toContain('access-token-abcdef');
    expect(text).toContain('Ann Admin');
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(vault.refreshToken('c1')).toBe(REFRESH);
  });

  it('R114: access tokens live in memory only; after a restart the session is locked', () => {
    const { dir, store } = openStore();
    const vault = new SessionVault(store, safeStorage);
    vault.keep('c1', { username: 'ann', admin: ADMIN, refreshToken: REFRESH });
    vault.setAccess('c1', 'access-token-abcdef', 900);
    expect(vault.state('c1')).toBe('signed_in');
    expect(vault.accessToken('c1')).toBe('access-token-abcdef');

    const restarted = new SessionVault(openStore(dir).store, safeStorage);
    expect(restarted.state('c1')).toBe('locked');
    expect(restarted.accessToken('c1')).toBeUndefined();
    expect(restarted.admin('c1')).toEqual(ADMIN);
  });

  it('an access token near its end is not handed out; a locked one not at all', () => {
    let now = 1_000_000;
    const vault = new SessionVault(openStore().store, safeStorage, () => now);
    vault.keep('c1', { username: 'ann', admin: ADMIN, refreshToken: REFRESH });
    vault.setAccess('c1', 'access', 900);
    now += 880_000;
    expect(vault.accessToken('c1')).toBeUndefined();
    expect(vault.heldAccessToken('c1')).toBe('access');
    vault.setAccess('c1', 'access-2', 900);
    expect(vault.lock('c1')).toBe(true);
    expect(vault.accessToken('c1')).toBeUndefined();
    expect(vault.heldAccessToken('c1')).toBeUndefined();
    vault.setAccess('c1', 'late-refresh', 900);
    expect(vault.heldAccessToken('c1')).toBeUndefined();
  });

  it('forget signs out on disk and in memory; a tampered store entry is ignored', () => {
    const { store } = openStore();
    const vault = new SessionVault(store, safeStorage);
    vault.keep('c1', { username: 'ann', admin: ADMIN, refreshToken: REFRESH });
    vault.forget('c1');
    expect(vault.state('c1')).toBe('signed_out');
    expect(readFileSync(store.path, 'utf8')).not.toContain('Ann Admin');
    store.set('sessions', { c2: { username: 'x', admin: { evil: true }, refreshToken: 1 } });
    expect(vault.state('c2')).toBe('signed_out');
  });
});
