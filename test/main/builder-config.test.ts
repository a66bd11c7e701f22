import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import type { Configuration } from 'app-builder-lib';
import { load } from 'js-yaml';
import { parse as parsePlist } from 'plist';
import { describe, expect, it } from 'vitest';

// electron-builder.yml as IT's packaging reads it (SPEC §3 "IT", README "For IT").

const ROOT = path.resolve(import.meta.dirname, '../..');
const config = load(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<
  string,
  unknown
>;
type Target = { target: string; arch: string[] };
const section = (key: string) => config[key] as Record<string, unknown>;
const targets = (platform: string) =>
  (section(platform).target as Target[]).map((t) => [t.target, t.arch] as const);

/** Keys whose value would be a credential or the way to one (certificate files, keys, passwords). */
const SECRET_KEY =
  /password|passphrase|secret|token|private|csc(link|keypassword|name)|certificate(file|password|sha1|subjectname)|appleid|apikey|apiissuer|teamid|keychain|^identity$/i;
/** Values that are a credential whatever their key: a PEM block, a .p12/.pfx/.p8 file, a long base64 blob. */
const SECRET_VALUE = /-----BEGIN|\.(p12|pfx|p8|pem|key)$|^[A-Za-z0-9+/]{80,}={0,2}$/;

/** Every key path and leaf value in the file that looks like a credential. */
function credentialsIn(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => credentialsIn(v, `${at}[${i}]`));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([key, v]) => {
      const here = at ? `${at}.${key}` : key;
      return [...(SECRET_KEY.test(key) ? [here] : []), ...credentialsIn(v, here)];
    });
  return typeof value === 'string' && SECRET_VALUE.test(value) ? [at] : [];
}

describe('electron-builder.yml', () => {
  it('is a configuration electron-builder 26 accepts (no misspelt option silently ignored)', async () => {
    const debug = { isEnabled: false, add: () => undefined };
    await expect(
      validateConfiguration(config as Configuration, debug as never),
    ).resolves.toBeUndefined();
    await expect(
      validateConfiguration(
        { ...config, nsis: { perMachin: true } } as Configuration,
        debug as never,
      ),
    ).rejects.toThrow(/configuration\.nsis/);
  });

  it('R111, R123: fuses flipped (no RunAsNode, NODE_OPTIONS or inspect; cookie encryption; asar integrity, asar only)', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
      loadBrowserProcessSpecificV8Snapshot: false,
    });
    expect(config.asar).toBe(true);
  });

  it('R118: ships the built app only: no source maps, no node_modules', () => {
    expect(config.files).toEqual(
      expect.arrayContaining(['out/**/*', '!**/*.map', '!**/node_modules/**/*']),
    );
  });

  it('R118, R126: no credential in the file: signing and notarization read the environment', () => {
    expect(credentialsIn(config)).toEqual([]);
    // The check itself catches one, so an empty answer means something.
    expect(
      credentialsIn({
        win: { cscLink: 'x', signtoolOptions: { certificatePassword: 'y' } },
        mac: { notarize: { appleId: 'a@b.c' } },
        extra: ['build/cert.p12', '-----BEGIN PRIVATE KEY-----'],
      }),
    ).toEqual([
      'win.cscLink',
      'win.signtoolOptions.certificatePassword',
      'mac.notarize.appleId',
      'extra[0]',
      'extra[1]',
    ]);
    expect(config.forceCodeSigning).toBe(true);
  });

  it('R121: Windows: NSIS and MSI for x64 and arm64, SHA-256 signatures with an RFC 3161 timestamp', () => {
    expect(targets('win')).toEqual([
      ['nsis', ['x64', 'arm64']],
      ['msi', ['x64', 'arm64']],
    ]);
    expect(section('win').signtoolOptions).toMatchObject({
      signingHashAlgorithms: ['sha256'],
      rfc3161TimeStampServer: expect.stringMatching(/^https?:\/\//),
    });
    expect(section('win').verifyUpdateCodeSignature).toBe(true);
  });

  it('Windows: the NSIS installer offers per machine (chosen by default) or per user; the MSI is per machine', () => {
    // electron-builder: oneClick false + perMachine false shows the install-mode page.
    expect(section('nsis')).toMatchObject({
      oneClick: false,
      perMachine: false,
      selectPerMachineByDefault: true,
      allowElevation: true,
    });
    expect(section('msi')).toMatchObject({ perMachine: true, runAfterFinish: false });
  });

  it('R122: macOS: dmg and zip, hardened runtime, notarized, with the entitlements file', () => {
    expect(targets('mac')).toEqual([
      ['dmg', ['universal']],
      ['zip', ['universal']],
    ]);
    const mac = section('mac');
    expect(mac).toMatchObject({ hardenedRuntime: true, notarize: true });
    for (const key of ['entitlements', 'entitlementsInherit'])
      expect(existsSync(path.join(ROOT, mac[key] as string)), key).toBe(true);
  });

  it('R122: the entitlements are a plist with allow-jit only: no unsigned memory, library or dyld exceptions', () => {
    const file = path.join(ROOT, section('mac').entitlements as string);
    const entitlements = parsePlist(readFileSync(file, 'utf8'));
    expect(entitlements).toEqual({ 'com.apple.security.cs.allow-jit': true });
  });

  it('Linux: AppImage and deb, with a maintainer and a category', () => {
    expect(targets('linux')).toEqual([
      ['AppImage', ['x64', 'arm64']],
      ['deb', ['x64', 'arm64']],
    ]);
    expect(section('linux').maintainer).toMatch(/^.+ <[^@\s]+@[^@\s]+>$/);
    expect(section('linux').category).toEqual(expect.any(String));
  });

  it('R125: no built-in update feed: updates come only from the address IT sets', () => {
    expect(config.publish).toBeNull();
  });
});
