import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLEAR_AFTER_MS, SecretClipboard } from '../../main/clipboard.ts';
import { startConsoleMain } from '../support/main-process.ts';
import { clipboard } from './fake-electron.ts';

const SECRET = 'K7P 9QX 4MW TRB';

describe('copying a secret', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    clipboard.text = '';
  });
  afterEach(() => vi.useRealTimers());

  it('clears the clipboard 30 s later if it still holds the secret', async () => {
    const copier = new SecretClipboard(clipboard);
    const clearsAt = await copier.copy(SECRET);
    expect(clearsAt).toBe(Date.now() + 30_000);
    expect(clipboard.text).toBe(SECRET);
    await vi.advanceTimersByTimeAsync(CLEAR_AFTER_MS - 1);
    expect(clipboard.text).toBe(SECRET);
    await vi.advanceTimersByTimeAsync(1);
    expect(clipboard.text).toBe('');
  });

  it('leaves whatever the user copied since', async () => {
    const copier = new SecretClipboard(clipboard);
    await copier.copy(SECRET);
    await vi.advanceTimersByTimeAsync(10_000);
    clipboard.text = 'ticket INC-4821';
    await vi.advanceTimersByTimeAsync(CLEAR_AFTER_MS);
    expect(clipboard.text).toBe('ticket INC-4821');
  });

  it('on quit, a secret still waiting is cleared at once', async () => {
    const copier = new SecretClipboard(clipboard);
    await copier.copy(SECRET);
    expect(copier.waiting).toBe(true);
    await copier.dispose();
    expect(clipboard.text).toBe('');
    expect(copier.waiting).toBe(false);
  });

  it('copySecret over IPC answers when it clears, and clears then', async () => {
    const h = startConsoleMain();
    const answer = await h.ok('copySecret', { text: SECRET });
    expect(answer.clearsAt).toBe(Date.now() + 30_000);
    expect(clipboard.text).toBe(SECRET);
    h.timers.advance(CLEAR_AFTER_MS);
    await vi.waitFor(() => expect(clipboard.text).toBe(''));
  });
});
