import { useQueryClient } from '@tanstack/react-query';
import { createHashHistory, RouterProvider } from '@tanstack/react-router';
import { useState } from 'react';
import { createAppRouter } from '../routes/router';

/** The app: the router over the address after `#`, with the one query cache as its context. */
export function App() {
  const queryClient = useQueryClient();
  const [router] = useState(() => createAppRouter({ queryClient, history: createHashHistory() }));
  return <RouterProvider router={router} />;
}
