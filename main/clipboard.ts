import { systemTimers, type Timers } from './timers.ts';

/** The slice of Electron's `clipboard` used here (asynchronous since Electron 45). */
export interface ClipboardLike {
  readText(): Promise<string>;
  writeText(text: string): Promise<void>;
  clear(): void;
}

export const CLEAR_AFTER_MS = 30_000;

/**
 * Copies a secret (a temporary password) and clears the clipboard after 30 s, but only if it
 * still holds that secret: whatever the user copied since is left alone (SPEC §3).
 */
export class SecretClipboard {
  private readonly pending = new Map<unknown, string>();

  constructor(
    private readonly clipboard: ClipboardLike,
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = systemTimers,
  ) {}

  /** Copies `text`; answers when the clipboard will be cleared (epoch ms). */
  async copy(text: string): Promise<number> {
    await this.clipboard.writeText(text);
    const handle = this.timers.setTimeout(() => {
      this.pending.delete(handle);
      void this.clearIfHolds(text);
    }, CLEAR_AFTER_MS);
    this.pending.set(handle, text);
    return this.now() + CLEAR_AFTER_MS;
  }

  /** True while a copied secret waits to be cleared. */
  get waiting(): boolean {
    return this.pending.size > 0;
  }

  /** On quit: a secret still waiting to be cleared is cleared now. */
  async dispose(): Promise<void> {
    const texts = [...this.pending.values()];
    for (const handle of this.pending.keys()) this.timers.clearTimeout(handle);
    this.pending.clear();
    for (const text of texts) await this.clearIfHolds(text);
  }

  private async clearIfHolds(text: string): Promise<void> {
    try {
      if ((await this.clipboard.readText()) === text) this.clipboard.clear();
    } catch {
      // The clipboard could not be read (another program holds it): leave it.
    }
  }
}
