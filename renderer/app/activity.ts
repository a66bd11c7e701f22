import { useEffect } from 'react';
import { latchkey } from '../ipc/latchkey.ts';

/** Main hears of activity at most this often (ms): enough for an idle lock counted in minutes. */
const REPORT_EVERY_MS = 20_000;

/** Tells main the agent is at the keyboard, so its idle lock (SPEC §3) does not fire mid-call. */
export function useActivityReporter(): void {
  useEffect(() => {
    let last = 0;
    const report = () => {
      const now = Date.now();
      if (now - last < REPORT_EVERY_MS) return;
      last = now;
      try {
        void latchkey()
          .reportActivity({})
          .catch(() => undefined);
      } catch {
        // No bridge: nothing to tell.
      }
    };
    const events = ['keydown', 'pointerdown', 'wheel'] as const;
    for (const e of events) window.addEventListener(e, report, { capture: true, passive: true });
    return () => {
      for (const e of events) window.removeEventListener(e, report, { capture: true });
    };
  }, []);
}
