// Worker entry from the sources (not named pglite-thread.mjs: a bundler resolving './pglite-thread'
// would take it for the module): they are TypeScript run through tsx, so register it in this
// thread before importing. The CLI's bundle builds its own pglite-thread-worker.mjs beside its chunks.
import { register } from 'tsx/esm/api';

register();
await import('./pglite-thread-entry.ts');
