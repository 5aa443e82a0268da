// Worker entry: the CLI runs TypeScript through tsx, so register it in this thread before importing.
import { register } from 'tsx/esm/api';

register();
await import('./job-thread.ts');
