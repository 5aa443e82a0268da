import type { AnnotationRepository, BlobStore, Clock, Database } from '@delineate/store';
import type { ServerConfig } from './config';

/** What every route group is given: explicit instances, no module-level singletons. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly database: Database;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  readonly version: string;
  readonly annotations: AnnotationRepository;
}
