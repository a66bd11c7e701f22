import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { expandMacro } from 'app-builder-lib/out/util/macroExpander.js';
import type { Configuration } from 'app-builder-lib';
import { UUID } from 'builder-util-runtime';
import { archFromString, getArtifactArchName } from 'builder-util/out/arch.js';
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

  it('R122: macOS: dmg, zip and pkg, hardened runtime, notarized, with the entitlements file', () => {
    expect(targets('mac')).toEqual([
      ['dmg', ['universal']],
      ['zip', ['universal']],
      ['pkg', ['universal']],
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

  it('issue 17: the .pkg installs into /Applications for all users, nowhere else, never over a newer version', () => {
    expect(section('pkg')).toEqual({
      installLocation: '/Applications',
      allowAnywhere: false,
      allowCurrentUserHome: false,
      allowRootDirectory: false,
      isRelocatable: false,
      isVersionChecked: true,
      overwriteAction: 'upgrade',
      mustClose: [config.appId],
    });
  });

  it('issue 17: the MSI’s UpgradeCode is written out and is the one electron-builder derived before, so installed copies upgrade', () => {
    const derived = UUID.v5(
      config.appId as string,
      UUID.parse('d752fe43-5d44-44d5-9fc9-6dd1bf19d5cc'),
    ).toUpperCase();
    expect(section('msi').upgradeCode).toBe(derived);
    expect(section('msi').upgradeCode).toBe('B0AB039B-92F6-5729-B2B1-AD4FB9CB5F54');
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

/** The file extension of each electron-builder target. */
const EXTENSION: Record<string, string> = {
  nsis: 'exe',
  msi: 'msi',
  dmg: 'dmg',
  zip: 'zip',
  pkg: 'pkg',
  AppImage: 'AppImage',
  deb: 'deb',
};

/**
 * Every installer electron-builder makes from this file, named as it names them (its own macro
 * expander and architecture names): one NSIS installer holds every Windows architecture.
 */
function installersOf(version: string): string[] {
  const appInfo = { productName: 'Latchkey', sanitizedProductName: 'Latchkey', version };
  return (['win', 'mac', 'linux'] as const).flatMap((os) =>
    (section(os).target as Target[]).flatMap((t) => {
      const ext = EXTENSION[t.target] ?? t.target;
      const archs: Array<string | null> =
        t.target === 'nsis' && t.arch.length > 1
          ? [null]
          : t.arch.map((a) => getArtifactArchName(archFromString(a), ext));
      return archs.map((arch) =>
        expandMacro(config.artifactName as string, arch, appInfo as never, { os, ext }),
      );
    }),
  );
}

/** The README's For IT section. */
const FOR_IT = (() => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## For IT');
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
})();
/** Every file name the section mentions in code, `<version>` as it writes it. */
const MENTIONED = new Set([...FOR_IT.matchAll(/`([^`\s]+)`/g)].map((m) => m[1] as string));

describe('the README’s For IT section and electron-builder.yml agree', () => {
  it('every installer the README names is one electron-builder makes, and every one it makes is named', () => {
    const made = installersOf('<version>');
    expect(made).toContain('Latchkey-<version>-mac-universal.pkg');
    expect(made).toContain('Latchkey-<version>-win.exe');
    const named = [...MENTIONED].filter((name) =>
      /^Latchkey-<version>-.+\.(exe|msi|dmg|zip|pkg|AppImage|deb)$/.test(name),
    );
    expect(named.sort()).toEqual([...made].sort());
  });

  it('the manifest files it names are the ones scripts/release-manifest.ts writes', async () => {
    const { writeChecksums, writeDetectionScript } =
      await import('../../scripts/release-manifest.ts');
    const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-dist-'));
    for (const name of installersOf('9.9.9')) writeFileSync(path.join(dir, name), name);
    const detection = path.basename(writeDetectionScript(ROOT, dir, '9.9.9'));
    const sums = await writeChecksums(dir);
    const asNamed = (name: string) => name.replace('9.9.9', '<version>');
    expect(MENTIONED).toContain(asNamed(detection));
    expect(MENTIONED).toContain('Latchkey-<version>-sbom.cdx.json');
    expect(MENTIONED).toContain('SHA256SUMS');
    expect(MENTIONED).toContain('<file>.sha256');
    expect(sums.size).toBe(installersOf('9.9.9').length + 1);
  });

  it('the policy templates it points IT to exist', () => {
    for (const file of [
      'build/deploy/windows/Latchkey.admx',
      'build/deploy/windows/en-US/Latchkey.adml',
      'build/deploy/windows/Detect-Latchkey.ps1',
      'build/deploy/macos/Latchkey.mobileconfig',
    ]) {
      expect(MENTIONED, file).toContain(file);
      expect(existsSync(path.join(ROOT, file)), file).toBe(true);
    }
  });

  it('every signing and notarization variable the README lists is one electron-builder reads', () => {
    const variables = [...FOR_IT.matchAll(/`((?:WIN_)?CSC_[A-Z_]+|APPLE_[A-Z_]+)`/g)].map(
      (m) => m[1],
    );
    expect(new Set(variables)).toEqual(
      new Set([
        'CSC_LINK',
        'CSC_KEY_PASSWORD',
        'WIN_CSC_LINK',
        'WIN_CSC_KEY_PASSWORD',
        'CSC_NAME',
        'CSC_INSTALLER_LINK',
        'CSC_INSTALLER_KEY_PASSWORD',
        'APPLE_API_KEY',
        'APPLE_API_KEY_ID',
        'APPLE_API_ISSUER',
        'APPLE_ID',
        'APPLE_APP_SPECIFIC_PASSWORD',
        'APPLE_TEAM_ID',
      ]),
    );
    // The installer certificate's variables are read where electron-builder signs a .pkg.
    const mac = readFileSync(
      createRequire(import.meta.url).resolve('app-builder-lib/out/macPackager.js'),
      'utf8',
    );
    expect(mac).toContain('process.env.CSC_INSTALLER_LINK');
    expect(mac).toContain('process.env.CSC_INSTALLER_KEY_PASSWORD');
  });
});
