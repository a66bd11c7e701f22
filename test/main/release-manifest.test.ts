import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  artifactsIn,
  writeChecksums,
  writeDetectionScript,
  writeSbom,
} from '../../scripts/release-manifest.ts';

// Issue 17, R126: what goes beside the installers: SHA-256 checksums IT can verify with the
// usual tools, a CycloneDX SBOM from the lock file, and the Intune detection script.

const ROOT = path.resolve(import.meta.dirname, '../..');
const hasSha256sum = spawnSync('sha256sum', ['--version']).status === 0;

/** A dist/ as electron-builder leaves it: installers, feeds, and its own bookkeeping. */
function dist(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-dist-'));
  for (const name of [
    'Latchkey-1.2.3-win.exe',
    'Latchkey-1.2.3-win.exe.blockmap',
    'Latchkey-1.2.3-win-x64.msi',
    'Latchkey-1.2.3-mac-universal.pkg',
    'latest.yml',
    'builder-debug.yml',
    'builder-effective-config.yaml',
  ])
    writeFileSync(path.join(dir, name), `contents of ${name}`);
  mkdirSync(path.join(dir, 'win-unpacked'));
  return dir;
}

describe('the release manifest', () => {
  it('a .sha256 beside every artifact and SHA256SUMS for all; electron-builder’s bookkeeping left out', async () => {
    const dir = dist();
    const sums = await writeChecksums(dir);
    expect([...sums.keys()]).toEqual([
      'Latchkey-1.2.3-mac-universal.pkg',
      'Latchkey-1.2.3-win-x64.msi',
      'Latchkey-1.2.3-win.exe',
      'Latchkey-1.2.3-win.exe.blockmap',
      'latest.yml',
    ]);
    expect(readFileSync(path.join(dir, 'Latchkey-1.2.3-win-x64.msi.sha256'), 'utf8')).toMatch(
      /^[0-9a-f]{64} {2}Latchkey-1\.2\.3-win-x64\.msi\n$/,
    );
    expect(readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n')).toHaveLength(5);
    // Run again (a rebuild): the checksum files are not themselves checksummed.
    expect((await writeChecksums(dir)).size).toBe(5);
    expect(artifactsIn(dir)).not.toContain('SHA256SUMS');
  });

  it.skipIf(!hasSha256sum)(
    'sha256sum -c accepts the files, and catches one changed after',
    async () => {
      const dir = dist();
      await writeChecksums(dir);
      expect(spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir }).status).toBe(0);
      expect(
        spawnSync('sha256sum', ['-c', 'Latchkey-1.2.3-win.exe.sha256'], { cwd: dir }).status,
      ).toBe(0);
      writeFileSync(path.join(dir, 'Latchkey-1.2.3-win-x64.msi'), 'tampered');
      const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
      expect(check.status).not.toBe(0);
      expect(check.stdout).toContain('Latchkey-1.2.3-win-x64.msi: FAILED');
    },
  );

  it('R126: a CycloneDX SBOM of the lock file’s production dependencies, with the Electron every installer ships', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'latchkey-sbom-')), 'sbom.cdx.json');
    writeSbom(ROOT, file);
    const bom = JSON.parse(readFileSync(file, 'utf8')) as {
      bomFormat: string;
      specVersion: string;
      metadata: { component: { name: string; type: string } };
      components: Array<{ name: string; version?: string; purl?: string }>;
    };
    expect(bom).toMatchObject({
      bomFormat: 'CycloneDX',
      metadata: { component: { name: 'latchkey', type: 'application' } },
    });
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string }>;
    };
    const version = (name: string) => bom.components.find((c) => c.name === name)?.version;
    for (const name of ['electron', 'electron-log', 'axios', 'zod'])
      expect(version(name), name).toBe(lock.packages[`node_modules/${name}`]?.version);
    expect(bom.components.find((c) => c.name === 'electron')?.purl).toMatch(
      /^pkg:npm\/electron@\d/,
    );
    // Build and test tools are not shipped.
    for (const name of ['vitest', 'eslint', 'playwright-core'])
      expect(version(name), name).toBeUndefined();
  });

  it('the Intune detection script carries the MSI’s UpgradeCode and this version (a prerelease counts as its release)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-detect-'));
    const script = readFileSync(writeDetectionScript(ROOT, dir, '1.2.3-beta.1'), 'utf8');
    expect(script).toContain("$UpgradeCode = '{B0AB039B-92F6-5729-B2B1-AD4FB9CB5F54}'");
    expect(script).toContain("$MinimumVersion = '1.2.3'");
    expect(script).toContain('$installer.RelatedProducts($UpgradeCode)');
  });

  it('runs as a script: npm run release:manifest -- <dist>', () => {
    const dir = dist();
    const out = execFileSync('npx', ['tsx', 'scripts/release-manifest.ts', dir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(out).toMatch(/^SBOM: \d+ components; checksums for 7 files in /);
    expect(readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8')).toContain(
      'Latchkey-0.1.0-sbom.cdx.json',
    );
  });
});
