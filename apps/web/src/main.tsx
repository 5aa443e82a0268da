import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createAppQueryClient } from './data/query-client';
import { App } from './ui/App';
import './ui/styles.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={createAppQueryClient()}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}
