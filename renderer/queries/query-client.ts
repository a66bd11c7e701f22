import { focusManager, notifyManager, QueryClient } from '@tanstack/react-query';
import { IpcFailure } from '../ipc/latchkey.ts';

/** Retrying helps only when the service was briefly out of reach. */
const transient = (error: unknown) =>
  error instanceof IpcFailure && (error.code === 'offline' || error.code === 'unavailable');

/**
 * React-query hears only `visibilitychange`; an agent coming back from another window that stayed
 * visible beside the console (the ticket system) must get fresh data too, so `focus` counts.
 */
function listenForFocus(): void {
  focusManager.setEventListener((onFocus) => {
    const listener = () => onFocus();
    window.addEventListener('visibilitychange', listener, false);
    window.addEventListener('focus', listener, false);
    return () => {
      window.removeEventListener('visibilitychange', listener);
      window.removeEventListener('focus', listener);
    };
  });
}

/** The console's one query client: server state only (STYLE §5). */
export function createQueryClient(): QueryClient {
  // Results go to React in the same task they arrive in, not a setTimeout later: search
  // results while typing are measured to the paint (scripts/bench-renderer.ts).
  notifyManager.setScheduler(queueMicrotask);
  listenForFocus();
  return new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) => failures < 2 && transient(error),
        refetchOnWindowFocus: false,
        staleTime: 15_000,
      },
      mutations: { retry: false },
    },
  });
}
