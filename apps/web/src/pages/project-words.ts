import type { WorkflowConfig } from '@delineate/schema';
import type { Session } from '../api';

// Words the project pages show for the server's keys.

export const roleNames: Record<string, string> = {
  annotator: 'annotator',
  clinician_annotator: 'clinician annotator',
  reviewer: 'reviewer',
  expert_reviewer: 'expert reviewer',
  project_admin: 'project administrator',
  data_steward: 'data steward',
  auditor: 'auditor',
};

export const oversightText: Record<WorkflowConfig['oversightModel'], { title: string; text: string }> = {
  direct_clinical: {
    title: 'Direct clinical',
    text: 'Only clinician annotators (clinicians, radiologists, pathologists) draw the segmentations. Their work needs no standard review; flagged work still goes to an expert reviewer.',
  },
  supervised_technologist: {
    title: 'Supervised technologist',
    text: 'Technologists and trained annotators draw the segmentations, and a clinician reviewer reviews every item against the checklist (accept, correct or reject) before it counts.',
  },
};

export const isProjectAdmin = (session: Session, projectId: string) => session.roles.some((r) => r.projectId === projectId && r.role === 'project_admin');
