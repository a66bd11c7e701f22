/**
 * The console's own Electron check (issue 13): runs electronegativity over main/, preload/ and
 * renderer/ (it parses their TypeScript and TSX itself), then fails, naming each, on every
 * finding that scripts/electron-findings.json does not justify, on every justification that no
 * longer matches a finding, on a file the tool could not parse, and on an `eng-disable` comment
 * (exceptions are reviewed in the list, never hidden inline). The tool's CLI always exits 0
 * and drops parse errors when it writes a file, so the check uses its documented
 * programmatic API, which answers both.
 *
 *   npx tsx scripts/check-electron.ts
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const ROOT = path.resolve(import.meta.dirname, '..');
const SOURCES = ['main', 'preload', 'renderer'];
const JUSTIFIED_FILE = path.join(ROOT, 'scripts', 'electron-findings.json');
// It only compares package.json's Electron with a releases list fetched from GitHub; we give
// the version and no package.json, so it would find nothing and only try the network.
const EXCLUDED_CHECKS = ['AvailableSecurityFixesGlobalCheck'];
/** How electronegativity (1.10.3) lets a comment silence a check. */
const INLINE_DISABLE = /eng-disable/i;

const load = createRequire(import.meta.url);

/** One finding, as the tool reports it, with the text of the line it points at. */
interface Finding {
  check: string;
  file: string;
  line: number;
  description: string;
  /** The flagged line, trimmed: what a justification names, so it survives lines moving. */
  code: string;
}

const JustifiedSchema = z.object({
  about: z.string(),
  justified: z.array(
    z.strictObject({
      check: z.string().min(1),
      file: z.string().min(1),
      code: z.string(),
      reason: z.string().trim().min(20, 'Give a reason a reviewer would accept.'),
    }),
  ),
});
type Justification = z.infer<typeof JustifiedSchema>['justified'][number];

/** What `run` answers (dist/runner.js); parsed, since the package has no types. */
const ResultSchema = z.object({
  errors: z.array(z.object({ file: z.string(), message: z.string(), tolerable: z.boolean() })),
  issues: z.array(
    z.object({
      id: z.string(),
      file: z.string(),
      location: z.object({ line: z.number() }),
      description: z.string(),
    }),
  ),
});
type ToolResult = z.infer<typeof ResultSchema>;

type Run = (options: Record<string, unknown>) => Promise<unknown>;

/** The Electron the console ships with: the defaults the checks assume depend on it. */
function electronVersion(): string {
  const manifest = readFileSync(load.resolve('electron/package.json'), 'utf8');
  return z.object({ version: z.string() }).parse(JSON.parse(manifest)).version;
}

/**
 * Runs the tool once over a copy of the three folders: its global checks (CSP, navigation
 * limits, permission handler) look across everything it is given, and paths come out as
 * `main/window.ts`.
 */
/**
 * The tool fetches translations from GitHub on every run (dist/locales/i18n.js, through `got`)
 * and falls back to its bundled en-US when that fails. Offline, got 11 on Node 24 then throws
 * from a retry timer after its promise has settled (p-cancelable: "The `onCancel` handler was
 * attached after the promise settled"), which kills the process. Its one other use of `got` is
 * the excluded releases check, so `got` answers "not fetched" at once: the bundled words are used.
 */
function answerTranslationsOffline(): void {
  const tool = path.dirname(load.resolve('@doyensec/electronegativity/package.json'));
  const gotPath = createRequire(path.join(tool, 'dist', 'locales', 'i18n.js')).resolve('got');
  const notFetched = () => Promise.reject(new Error('translations are not fetched by this check'));
  const cached = new Module(gotPath);
  cached.filename = gotPath;
  cached.loaded = true;
  cached.exports = { __esModule: true, default: notFetched };
  load.cache[gotPath] = cached;
}

async function runTool(input: string): Promise<ToolResult> {
  answerTranslationsOffline();
  const run = load('@doyensec/electronegativity') as Run;
  const result = await run({
    input,
    isRelative: true,
    electronVersionOverride: electronVersion(),
    excludeFromScan: EXCLUDED_CHECKS,
  });
  return ResultSchema.parse(result);
}

function findingOf(input: string, issue: ToolResult['issues'][number]): Finding {
  const { id: check, file, description } = issue;
  const line = issue.location.line;
  return { check, file, line, description, code: lineOf(input, file, line) };
}

/** Files of the copy whose comments silence a check. */
function inlineDisables(input: string): string[] {
  const files = readdirSync(input, { recursive: true, encoding: 'utf8' });
  return files.filter((file) => {
    const full = path.join(input, file);
    return /\.(tsx?|jsx?|html?)$/.test(file) && INLINE_DISABLE.test(readFileSync(full, 'utf8'));
  });
}

function lineOf(input: string, file: string, line: number): string {
  const source = path.join(input, file);
  if (line < 1 || !SOURCES.some((dir) => file.startsWith(`${dir}/`)) || !existsSync(source)) {
    return '';
  }
  return (readFileSync(source, 'utf8').split('\n')[line - 1] ?? '').trim();
}

const matches = (j: Justification, f: Finding): boolean =>
  j.check === f.check && j.file === f.file && j.code === f.code;

const named = (f: Finding): string =>
  `  ${f.check}  ${f.file}:${f.line}  ${f.description}\n      ${f.code || '(no line)'}`;

/** What one run found, over a copy of the sources. */
interface Scan {
  findings: Finding[];
  /** Files the tool could not parse, so did not check, with why. */
  unparsed: string[];
  /** Files with an `eng-disable` comment. */
  silenced: string[];
}

async function scan(): Promise<Scan> {
  const workDir = mkdtempSync(path.join(tmpdir(), 'latchkey-electronegativity-'));
  try {
    for (const dir of SOURCES) {
      cpSync(path.join(ROOT, dir), path.join(workDir, dir), { recursive: true });
    }
    const result = await runTool(workDir);
    // A tolerable error is a parser warning: the file was still checked.
    for (const e of result.errors.filter((e) => e.tolerable)) {
      console.warn(`parsed with a warning: ${path.relative(workDir, e.file)}: ${e.message}`);
    }
    return {
      findings: result.issues.map((issue) => findingOf(workDir, issue)),
      unparsed: result.errors
        .filter((e) => !e.tolerable)
        .map((e) => `${path.relative(workDir, e.file)}: ${e.message}`),
      silenced: inlineDisables(workDir),
    };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

const LIST = path.relative(ROOT, JUSTIFIED_FILE);

/** Every reason to fail, in words, each finding or entry on a line of its own. */
function failures(found: Scan, justified: Justification[]): string[] {
  const unjustified = found.findings.filter((f) => !justified.some((j) => matches(j, f)));
  const stale = justified.filter((j) => !found.findings.some((f) => matches(j, f)));
  const lines = [
    ...found.unparsed.map((file) => `Not checked: electronegativity cannot parse ${file}`),
    ...found.silenced.map(
      (file) => `${file}: an eng-disable comment hides findings; justify them in ${LIST} instead.`,
    ),
  ];
  if (unjustified.length > 0) {
    lines.push(
      `${unjustified.length} finding(s) not justified in ${LIST} (fix each, or justify it: check, file, code, reason):`,
    );
    lines.push(...unjustified.map(named));
  }
  if (stale.length > 0) {
    lines.push(`${stale.length} justification(s) in ${LIST} match no finding (remove them):`);
    lines.push(...stale.map((j) => `  ${j.check}  ${j.file}  ${j.code}`));
  }
  return lines;
}

async function main(): Promise<number> {
  const list = JustifiedSchema.parse(JSON.parse(readFileSync(JUSTIFIED_FILE, 'utf8')));
  const found = await scan();
  const problems = failures(found, list.justified);
  for (const line of problems) console.error(line);
  if (problems.length > 0) return 1;
  console.log(`electronegativity: ${found.findings.length} finding(s), each justified in ${LIST}.`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
