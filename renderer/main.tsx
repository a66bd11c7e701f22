import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.tsx';
import { ErrorBoundary } from './app/ErrorBoundary.tsx';
import { createQueryClient } from './queries/query-client.ts';
import { useRouteStore } from './state/route-store.ts';
import './styles.css';

// A promise nobody awaited still reaches the agent as a banner, not as silence.
window.addEventListener('unhandledrejection', (event) => {
  const message = event.reason instanceof Error ? event.reason.message : String(event.reason);
  useRouteStore.getState().setNotice(`Something went wrong: ${message}`);
});

const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={createQueryClient()}>
      <ErrorBoundary what="The console">
        <App />
      </ErrorBoundary>
    </QueryClientProvider>
  </StrictMode>,
);
