import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, it } from 'vitest';

/** The one line that makes browser tests runnable on a Debian machine (never `npx playwright install`). */
export const CHROMIUM_INSTALL = 'apt-get install -y chromium';

/**
 * How long a browser test waits for what it expects (Playwright's default for every action and
 * wait): a hang guard, not a speed claim, so a busy machine only makes a test slower.
 */
export const BROWSER_PATIENCE_MS = 60_000;

/** Where browser-test screenshots go (git-ignored, like the rest of test-results/). */
export const SCREENSHOT_DIR = path.resolve('test-results', 'screenshots');

/** Flags for running as root in a container, with nothing phoning home during a test. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

export interface ChromiumLookup {
  /** The executable to launch, or undefined when none was found. */
  path: string | undefined;
  /** Why none was found (only set when `path` is undefined). */
  reason?: string;
}

/**
 * Finds Chromium: `CHROMIUM_PATH` when set (a wrong value is reported, not silently replaced
 * by another browser), else Debian's `/usr/bin/chromium`, else Playwright's own download if
 * it happens to be on disk.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): ChromiumLookup {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    return existsSync(configured)
      ? { path: configured }
      : { path: undefined, reason: `CHROMIUM_PATH=${configured} does not exist` };
  }
  if (existsSync('/usr/bin/chromium')) return { path: '/usr/bin/chromium' };
  let bundled: string | undefined;
  try {
    bundled = chromium.executablePath();
  } catch {
    bundled = undefined;
  }
  if (bundled && existsSync(bundled)) return { path: bundled };
  return {
    path: undefined,
    reason: `no Chromium at /usr/bin/chromium${bundled ? ` or ${bundled}` : ''} and CHROMIUM_PATH is not set`,
  };
}

const lookup = findChromium();

/** The Chromium executable the browser tests use, or undefined when there is none. */
export const browserPath: string | undefined = lookup.path;

/** True when the run must fail rather than skip without a browser (CI sets REQUIRE_BROWSER=1). */
export const browserRequired = process.env.REQUIRE_BROWSER === '1';

const notRunTitle = `NOT RUN: no Chromium (${CHROMIUM_INSTALL})`;

function notRunBanner(suite: string): string {
  const rule = '!'.repeat(78);
  return [
    '',
    rule,
    `!! BROWSER TESTS NOT RUN: ${suite}`,
    `!! ${lookup.reason ?? 'no Chromium found'}.`,
    `!! Install it with:  ${CHROMIUM_INSTALL}   (or set CHROMIUM_PATH to a Chromium binary)`,
    browserRequired
      ? '!! REQUIRE_BROWSER=1 is set, so this counts as a FAILURE.'
      : '!! These tests are reported as SKIPPED. Set REQUIRE_BROWSER=1 to make this fail.',
    rule,
    '',
  ].join('\n');
}

/**
 * `describe` for a file of browser tests. With Chromium it is a plain `describe`. Without it
 * the file says so loudly on stderr and either fails (REQUIRE_BROWSER=1) or reports every test
 * as skipped under a title that names the reason: never a silent pass.
 */
export function describeBrowser(name: string, fn: () => void): void {
  if (browserPath) {
    describe(name, fn);
    return;
  }
  process.stderr.write(notRunBanner(name));
  if (browserRequired) {
    describe(name, () => {
      it(notRunTitle, () => {
        throw new Error(
          `Browser tests required (REQUIRE_BROWSER=1) but ${lookup.reason ?? 'no Chromium was found'}. ` +
            `Install it with: ${CHROMIUM_INSTALL} (or set CHROMIUM_PATH).`,
        );
      });
    });
    return;
  }
  describe.skip(`${name} — ${notRunTitle}`, fn);
}

/** Launches the found Chromium headless; throws with the install line when there is none. */
export async function launchBrowser(): Promise<Browser> {
  if (!browserPath) {
    throw new Error(
      `No Chromium: ${lookup.reason ?? 'not found'}. Install it with: ${CHROMIUM_INSTALL} (or set CHROMIUM_PATH).`,
    );
  }
  return chromium.launch({ executablePath: browserPath, headless: true, args: CHROMIUM_ARGS });
}

/** Saves a full-page PNG as test-results/screenshots/NAME.png; answers its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
