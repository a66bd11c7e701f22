import type { Locator, Page } from 'playwright-core';

/**
 * Drives the page by keyboard alone and counts the keys an agent would press (issue 15). Typed
 * text (a username, an answer, a reason) is not counted; every other key, chord included, is one.
 */
export class KeyCounter {
  readonly pressed: string[] = [];

  constructor(private readonly page: Page) {}

  get count(): number {
    return this.pressed.length;
  }

  /** One counted key or chord, in Playwright's notation ("Enter", "Alt+U", "Control+Enter"). */
  async press(key: string): Promise<void> {
    this.pressed.push(key);
    await this.page.keyboard.press(key);
  }

  /** Presses Tab until `target` has the focus; each Tab counts. */
  async tabTo(target: Locator, limit = 40): Promise<void> {
    for (let i = 0; i < limit; i += 1) {
      if (await target.evaluate((el) => el === document.activeElement)) return;
      await this.press('Tab');
    }
    throw new Error(`Not reached in ${limit} Tabs: ${target.toString()}`);
  }

  /** Moves to the field (counted) and types the text (not counted). */
  async fill(field: Locator, text: string): Promise<void> {
    await this.tabTo(field);
    await this.page.keyboard.type(text);
  }

  /** The button's own shortcut when it has one (aria-keyshortcuts), else Tab to it and Enter. */
  async activate(button: Locator): Promise<void> {
    const shortcuts = (await button.getAttribute('aria-keyshortcuts'))?.split(' ') ?? [];
    const shortcut = shortcuts.find((s) => !s.startsWith('Meta'));
    if (shortcut) return this.press(shortcut);
    await this.tabTo(button);
    await this.press('Enter');
  }
}
