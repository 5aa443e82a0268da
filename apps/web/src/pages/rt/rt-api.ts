import type { DerivationRecipe, DerivedRefreshState, DerivedStructure, Label, MarginMm } from '@delineate/schema';
import type { RevisionInfo } from '../../api';
import { json, post } from '../../api';

/** Client of the radiotherapy routes (issue 23): the schema library, a project's pinned schema, derived structures. */

export interface LabelSchemaTemplateView {
  id: string;
  version: number;
  name: string;
  description: string;
  /** The guidelines its structures cite. */
  guidelines: string[];
  labels: Label[];
}

export interface PinnedLabelSchema {
  id: string;
  name: string;
  version: number;
  template: { id: string; version: number; name: string | null } | null;
  labels: Label[];
}

export interface DerivedRefresh {
  revision: RevisionInfo | null;
  structures: { target: string; state: DerivedRefreshState }[];
}

export type { DerivationRecipe, DerivedStructure, MarginMm };

const ifMatch = (version: number) => ({ 'If-Match': `"${version}"` });

export const rtApi = {
  templates: async () => (await json<{ templates: LabelSchemaTemplateView[] }>('/api/label-schema-templates')).templates,
  createFromTemplate: (templateId: string, version: number, name?: string) =>
    post<{ id: string; name: string; version: number }>('/api/label-schemas/from-template', { templateId, version, ...(name ? { name } : {}) }),
  pinnedSchema: (projectId: string) => json<PinnedLabelSchema>(`/api/projects/${projectId}/label-schema`),
  derived: async (annotationId: string) => (await json<{ structures: DerivedStructure[] }>(`/api/annotations/${annotationId}/derived-structures`)).structures,
  derive: (annotationId: string, version: number, target: string, recipe: DerivationRecipe) =>
    post<{ revision: RevisionInfo; structure: DerivedStructure }>(`/api/annotations/${annotationId}/derived-structures`, { target, recipe }, ifMatch(version)),
  refresh: (annotationId: string, version: number) => post<DerivedRefresh>(`/api/annotations/${annotationId}/derived-structures/refresh`, undefined, ifMatch(version)),
  detach: (annotationId: string, target: string) => post<{ structure: DerivedStructure }>(`/api/annotations/${annotationId}/derived-structures/${target}/detach`),
};
