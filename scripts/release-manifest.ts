/**
 * What goes beside the installers in dist/ (issue 17, R126; README "For IT", packages), run after
 * electron-builder on the release machine:
 *
 *   npm run release:manifest [-- dist]
 *
 * 1. Latchkey-<version>-sbom.cdx.json: a CycloneDX SBOM of the production dependencies in
 *    package-lock.json (`npm sbom`, no node_modules needed), with Electron itself added: it is a
 *    development dependency of the build, yet every installer ships it.
 * 2. Detect-Latchkey-<version>.ps1: an Intune detection script for the MSI, keyed by the MSI's
 *    UpgradeCode (electron-builder.yml) and this version (build/deploy/windows/Detect-Latchkey.ps1).
 * 3. <artifact>.sha256 beside every artifact, and SHA256SUMS for all of them (`sha256sum -c`).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { z } from 'zod';

const ROOT = path.resolve(import.meta.dirname, '..');

/** What a release ships, by name: installers, update feeds and their block maps, the manifest. */
const ARTIFACT = /\.(exe|msi|dmg|zip|pkg|AppImage|deb|blockmap|yml|ps1|cdx\.json)$/;
/** electron-builder's own bookkeeping in dist/, not part of a release. */
const BOOKKEEPING = /^builder-|\.sha256$|^SHA256SUMS$/;

/** The release's artifacts in `dir` (files only, sorted). */
export function artifactsIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => ARTIFACT.test(name) && !BOOKKEEPING.test(name))
    .filter((name) => statSync(path.join(dir, name)).isFile())
    .sort();
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `<name>.sha256` beside each artifact and `SHA256SUMS` for all, in `sha256sum`'s format. */
export async function writeChecksums(dir: string): Promise<Map<string, string>> {
  const sums = new Map<string, string>();
  for (const name of artifactsIn(dir)) {
    const hex = await sha256(path.join(dir, name));
    sums.set(name, hex);
    writeFileSync(path.join(dir, `${name}.sha256`), `${hex}  ${name}\n`);
  }
  const lines = [...sums].map(([name, hex]) => `${hex}  ${name}\n`).join('');
  writeFileSync(path.join(dir, 'SHA256SUMS'), lines);
  return sums;
}

const PackageSchema = z.object({ name: z.string(), version: z.string() });
const LockSchema = z.object({
  packages: z.record(z.string(), z.object({ version: z.string().optional() })),
});
const BomSchema = z.looseObject({
  bomFormat: z.literal('CycloneDX'),
  metadata: z.looseObject({ component: z.looseObject({ name: z.string() }) }),
  components: z.array(z.looseObject({ name: z.string(), version: z.string().optional() })),
});

/** The CycloneDX SBOM of `root`'s lock file, Electron added; written to `file`. */
export function writeSbom(root: string, file: string): z.infer<typeof BomSchema> {
  const pkg = PackageSchema.parse(
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')),
  );
  const lock = LockSchema.parse(
    JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')),
  );
  // prettier-ignore
  const text = execFileSync('npm', [
    'sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'application', '--omit', 'dev',
    '--package-lock-only',
  ], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, shell: process.platform === 'win32' });
  const bom = BomSchema.parse(JSON.parse(text));
  // npm names the root after its folder; the release is the package.
  bom.metadata.component.name = pkg.name;
  const electron = lock.packages['node_modules/electron']?.version;
  if (electron && !bom.components.some((c) => c.name === 'electron'))
    bom.components.push({
      'bom-ref': `electron@${electron}`,
      type: 'framework',
      name: 'electron',
      version: electron,
      purl: `pkg:npm/electron@${electron}`,
      description: 'The runtime every installer ships (a development dependency of the build).',
    });
  writeFileSync(file, `${JSON.stringify(bom, null, 2)}\n`);
  return bom;
}

/** The MSI's UpgradeCode, from electron-builder.yml. */
export function upgradeCode(root: string): string {
  const config = z
    .object({ msi: z.object({ upgradeCode: z.string().regex(/^[0-9A-F-]{36}$/) }) })
    .parse(load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')));
  return config.msi.upgradeCode;
}

/** The Intune detection script for this version, from the template in build/deploy/windows. */
export function writeDetectionScript(root: string, dir: string, version: string): string {
  const template = readFileSync(
    path.join(root, 'build/deploy/windows/Detect-Latchkey.ps1'),
    'utf8',
  );
  const file = path.join(dir, `Detect-Latchkey-${version}.ps1`);
  const script = template
    .replace(
      "$UpgradeCode = '{00000000-0000-0000-0000-000000000000}'",
      `$UpgradeCode = '{${upgradeCode(root)}}'`,
    )
    // Windows Installer versions are numbers only: a prerelease counts as its release.
    .replace("$MinimumVersion = '0.0.0'", `$MinimumVersion = '${version.split('-')[0]}'`);
  if (script === template)
    throw new Error('the detection template has changed: update release-manifest.ts');
  writeFileSync(file, script);
  return file;
}

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist'));
  const { version } = PackageSchema.parse(
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')),
  );
  const bom = writeSbom(ROOT, path.join(dir, `Latchkey-${version}-sbom.cdx.json`));
  writeDetectionScript(ROOT, dir, version);
  const sums = await writeChecksums(dir);
  console.log(
    `SBOM: ${bom.components.length} components; checksums for ${sums.size} files in ${dir}`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename))
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
