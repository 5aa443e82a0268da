import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, createRoute, createRouter, notFound, type RouterHistory } from '@tanstack/react-router';
import { AccessReviewPage } from '../pages/AccessReviewPage';
import { AdminPage } from '../pages/AdminPage';
import { AuditPage } from '../pages/AuditPage';
import { ItemPage } from '../pages/ItemPage';
import { NotFoundPage, RouteErrorPage } from '../pages/NotFoundPage';
import { OrganisationsPage } from '../pages/OrganisationsPage';
import { ProcessingRecordPage } from '../pages/OrganisationsProcessingRecord';
import { PacsRoutePage } from '../pages/PacsPage';
import { ProjectSettingsPage } from '../pages/ProjectSettingsPage';
import { ProjectsPage } from '../pages/ProjectsPage';
import { ProjectQuarantinePage, StewardPage } from '../pages/QuarantinePages';
import { QualityPage } from '../pages/QualityPage';
import { LabelSchemaPage } from '../pages/rt/LabelSchemaPage';
import { ReleasesRoutePage } from '../pages/ReleasesPage';
import { RootLayout } from '../pages/RootLayout';
import { UploadRoutePage } from '../pages/UploadPage';
import { WorkListPage } from '../pages/WorkListPage';
import { isUuid, parseItemSearch, parseQuarantineSearch, parseSearch, stringifySearch } from './links';

/**
 * The app's pages as one typed route tree (written in code, no file-based generation). Every
 * page, item, task and revision has an address; `Link` and `navigate` are checked against it.
 */

export interface RouterContext {
  queryClient: QueryClient;
}

/** An id in the path that is not one is an address with no page, not a request to the server. */
const idParam =
  <K extends string>(name: K) =>
  (params: Record<K, string>): Record<K, string> => {
    if (!isUuid(params[name])) throw notFound();
    return params;
  };

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: RootLayout,
  notFoundComponent: NotFoundPage,
  errorComponent: RouteErrorPage,
});

const workListRoute = createRoute({ getParentRoute: () => rootRoute, path: '/', component: WorkListPage });

const itemRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/items/$itemId',
  params: { parse: idParam('itemId') },
  validateSearch: parseItemSearch,
  component: ItemPage,
});

const projectsRoute = createRoute({ getParentRoute: () => rootRoute, path: '/projects', component: ProjectsPage });

const projectSettingsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/projects/$projectId/settings',
  params: { parse: idParam('projectId') },
  component: ProjectSettingsPage,
});

const projectQualityRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/projects/$projectId/quality',
  params: { parse: idParam('projectId') },
  component: QualityPage,
});

const projectLabelSchemaRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/projects/$projectId/label-schema',
  params: { parse: idParam('projectId') },
  component: LabelSchemaPage,
});

const projectReleasesRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/projects/$projectId/releases',
  params: { parse: idParam('projectId') },
  component: ReleasesRoutePage,
});

const auditRoute = createRoute({ getParentRoute: () => rootRoute, path: '/audit', component: AuditPage });

const accessReviewRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/projects/$projectId/access-review',
  params: { parse: idParam('projectId') },
  component: AccessReviewPage,
});

const adminRoute = createRoute({ getParentRoute: () => rootRoute, path: '/admin', component: AdminPage });

const stewardRoute = createRoute({ getParentRoute: () => rootRoute, path: '/steward', component: StewardPage });

const projectQuarantineRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/projects/$projectId/quarantine',
  params: { parse: idParam('projectId') },
  validateSearch: parseQuarantineSearch,
  component: ProjectQuarantinePage,
});

const projectPacsRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/projects/$projectId/pacs',
  params: { parse: idParam('projectId') },
  component: PacsRoutePage,
});

const projectUploadRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/projects/$projectId/upload',
  params: { parse: idParam('projectId') },
  component: UploadRoutePage,
});

const organisationsRoute = createRoute({ getParentRoute: () => rootRoute, path: '/organisations', component: OrganisationsPage });

const processingRecordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/projects/$projectId/processing-record',
  params: { parse: idParam('projectId') },
  component: ProcessingRecordPage,
});

export const routeTree = rootRoute.addChildren([
  workListRoute,
  itemRoute,
  projectsRoute,
  projectSettingsRoute,
  projectQualityRoute,
  projectReleasesRoute,
  projectLabelSchemaRoute,
  auditRoute,
  accessReviewRoute,
  adminRoute,
  stewardRoute,
  projectQuarantineRoute,
  projectPacsRoute,
  projectUploadRoute,
  organisationsRoute,
  processingRecordRoute,
]);

/** The router over a history: the browser's hash (`/#/items/…`, so the server needs no page fallback) or a test's memory. */
export function createAppRouter(options: { queryClient: QueryClient; history: RouterHistory }) {
  return createRouter({
    routeTree,
    history: options.history,
    context: { queryClient: options.queryClient },
    parseSearch,
    stringifySearch,
    defaultNotFoundComponent: NotFoundPage,
    // A page that fails shows its reason inside the frame, the top bar still there.
    defaultErrorComponent: RouteErrorPage,
    // An unknown address is one not-found page inside the frame, whatever part of it matched.
    notFoundMode: 'root',
  });
}

export type AppRouter = ReturnType<typeof createAppRouter>;

declare module '@tanstack/react-router' {
  interface Register {
    router: AppRouter;
  }
}
