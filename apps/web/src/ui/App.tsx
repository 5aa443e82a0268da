import { useQueryClient } from '@tanstack/react-query';
import { createHashHistory, RouterProvider } from '@tanstack/react-router';
import { useState } from 'react';
import { itemPath } from '../routes/links';
import { createAppRouter } from '../routes/router';

/** The app: the router over the address after `#`, with the one query cache as its context. */
export function App() {
  const queryClient = useQueryClient();
  const [router] = useState(() => createAppRouter({ queryClient, history: createHashHistory() }));
  return <RouterProvider router={router} />;
}

/**
 * The address of an item page for the workspace files that still build hashes themselves;
 * new code links with the router's typed `Link` and `navigate`.
 */
export function itemHash(itemId: string, taskId: string | null, annotationId: string | null): string {
  return `#${itemPath(itemId, { ...(taskId ? { task: taskId } : {}), ...(annotationId ? { annotation: annotationId } : {}) })}`;
}

export { ErrorBox } from './ErrorBox';
