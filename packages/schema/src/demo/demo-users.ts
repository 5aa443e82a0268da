import type { Modality, QualificationKind, Role } from '../vocabularies';

/**
 * One demo user per project role (two annotators, the agreement sample's readers), plus the platform administrator. Names only: the demo
 * command generates each password at first start and prints it once; none is in the code.
 */
export interface DemoUser {
  username: string;
  displayName: string;
  /** Role in the demo project; null for the platform administrator, who holds no project role. */
  role: Role | null;
  platformAdmin: boolean;
  /** The clinical qualification the role needs, recorded as verified for the demo. */
  qualification: { kind: QualificationKind; modality: Modality | null } | null;
}

/** The second annotator, a reader only the seeded demo's agreement sample needs (the minimal demo leaves them out). */
export const demoSecondReader = 'demo.technologist';

export const demoUsers: readonly DemoUser[] = [
  { username: 'demo.admin', displayName: 'Demo Platform Administrator', role: null, platformAdmin: true, qualification: null },
  {
    username: 'demo.annotator',
    displayName: 'Demo Annotator',
    role: 'annotator',
    platformAdmin: false,
    qualification: { kind: 'trained_annotator', modality: 'CT' },
  },
  {
    // A second technologist: items in the agreement sample are read by two annotators.
    username: demoSecondReader,
    displayName: 'Demo Technologist',
    role: 'annotator',
    platformAdmin: false,
    qualification: { kind: 'technologist', modality: 'CT' },
  },
  {
    username: 'demo.clinician',
    displayName: 'Demo Clinician Annotator',
    role: 'clinician_annotator',
    platformAdmin: false,
    qualification: { kind: 'radiologist', modality: 'CT' },
  },
  {
    username: 'demo.reviewer',
    displayName: 'Demo Reviewer',
    role: 'reviewer',
    platformAdmin: false,
    qualification: { kind: 'radiographer', modality: 'CT' },
  },
  {
    username: 'demo.expert',
    displayName: 'Demo Expert Reviewer',
    role: 'expert_reviewer',
    platformAdmin: false,
    qualification: { kind: 'radiologist', modality: 'CT' },
  },
  { username: 'demo.projectadmin', displayName: 'Demo Project Administrator', role: 'project_admin', platformAdmin: false, qualification: null },
  { username: 'demo.steward', displayName: 'Demo Data Steward', role: 'data_steward', platformAdmin: false, qualification: null },
  { username: 'demo.auditor', displayName: 'Demo Auditor', role: 'auditor', platformAdmin: false, qualification: null },
];
