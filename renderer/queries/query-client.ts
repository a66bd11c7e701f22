import { notifyManager, QueryClient } from '@tanstack/react-query';
import { IpcFailure } from '../ipc/latchkey.ts';

/** Retrying helps only when the service was briefly out of reach. */
const transient = (error: unknown) =>
  error instanceof IpcFailure && (error.code === 'offline' || error.code === 'unavailable');

/** The console's one query client: server state only (STYLE §5). */
export function createQueryClient(): QueryClient {
  // Results go to React in the same task they arrive in, not a setTimeout later: search
  // results while typing are measured to the paint (scripts/bench-renderer.ts).
  notifyManager.setScheduler(queueMicrotask);
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
