import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOctPhantom, type OctPhantom } from '@delineate/formats';
import { demoProjectSettings, platformOrganisationId, type LabelSchemaInput, type ReviewProtocolInput } from '@delineate/schema';
import { AccessRepository, AgreementRepository, LabelSchemaRepository, OrganisationRepository, ProjectRepository, ReviewProtocolRepository, openDatabase } from '@delineate/store';
import { repoRoot } from './harness';

export interface SeededOct {
  projectId: string;
  itemId: string;
  phantom: OctPhantom;
}

/** Fluid, PED and drusen are masks per B-scan; the boundaries themselves are the OCT route's, coded in docs/oct.md. */
const label = (key: string, value: number, name: string, colour: string, definition: string) => ({
  key,
  value,
  name,
  concept: { scheme: 'LOCAL' as const, value: `DLN-OCT-${key.toUpperCase()}`, meaning: name },
  category: { scheme: 'SCT' as const, value: '49755003', meaning: 'Morphologically abnormal structure' },
  colour,
  definition,
  inclusion: [],
  exclusion: [],
  referenceStandard: { title: 'IN•OCT consensus nomenclature', citation: 'Staurenghi G, Sadda S, Chakravarthy U, Spaide RF. Proposed lexicon for anatomic landmarks in normal posterior segment spectral-domain optical coherence tomography: the IN•OCT consensus. Ophthalmology. 2014;121(8):1572-1578.' },
  requiresExpertReview: false,
});

const octLabelSchema: LabelSchemaInput = {
  name: 'OCT retinal layers and fluid',
  labels: [
    label('irf', 1, 'Intraretinal fluid', '#1f77b4', 'Hyporeflective spaces within the neurosensory retina.'),
    label('srf', 2, 'Subretinal fluid', '#17becf', 'Hyporeflective space between the photoreceptors and the RPE.'),
    label('ped', 3, 'Pigment epithelial detachment', '#d62728', 'Elevation of the RPE from Bruch’s membrane.'),
  ],
};

const octReviewProtocol: ReviewProtocolInput = {
  name: 'OCT layer review',
  checklist: [{ key: 'irf.within-retina', labelKey: 'irf', question: 'Is the fluid within the neurosensory retina?', errorType: 'over_segmentation' }],
};

/**
 * An OCT project seeded before the demo server starts: a label schema, demo.annotator and
 * demo.clinician as its two readers, demo.projectadmin to read its quality page, and the
 * synthetic OPT (49 B-scans of 496 × 512) with its localizer ingested through the real gate by
 * the `delineate ingest` command.
 */
export async function seedOct(dataDir: string): Promise<SeededOct> {
  const database = await openDatabase({ dataDir });
  let projectId: string;
  try {
    const db = database.db;
    const now = new Date();
    const schema = await new LabelSchemaRepository(db).create(octLabelSchema);
    const protocol = await new ReviewProtocolRepository(db).create(octReviewProtocol);
    const project = await new ProjectRepository(db).create({
      ...demoProjectSettings,
      name: 'OCT e2e (synthetic macular volume)',
      modality: 'OPT',
      acceptedModalities: ['OPT', 'OP'],
      purpose: 'Retinal layer boundaries on a synthetic OCT volume. Contains no patient data.',
      labelSchema: { id: schema.id, version: schema.version },
      reviewProtocol: { id: protocol.id, version: protocol.version },
    });
    projectId = project.id;
    const access = new AccessRepository(db);
    for (const [username, role] of [['demo.annotator', 'annotator'], ['demo.clinician', 'annotator'], ['demo.projectadmin', 'project_admin']] as const) {
      const user = await access.findUserByUsername(username);
      if (!user) throw new Error(`the demo user ${username} is missing`);
      await access.addMembership({ userId: user.id, projectId: project.id, role, grantedBy: null, now });
    }
    const organisations = new OrganisationRepository(db);
    const service = (await organisations.list()).find((o) => o.kind === 'annotation_service');
    if (service) {
      await organisations.updateProjectGovernance(project.id, { ownerOrganisationId: platformOrganisationId });
      await organisations.admit({ projectId: project.id, organisationId: service.id, roles: ['annotator'], admittedBy: null, now });
      await new AgreementRepository(db).record({
        projectId: project.id,
        organisationId: service.id,
        kind: 'dua',
        parties: ['Demo University Hospital', service.name],
        signedAt: now,
        expiresAt: new Date(now.getTime() + 30 * 86_400_000),
        identifiableUses: [],
        regions: [project.region],
        recordedBy: null,
        now,
      });
    }
  } finally {
    await database.close();
  }
  const phantom = generateOctPhantom({ seed: 7 });
  const folder = await mkdtemp(join(tmpdir(), 'dln-oct-e2e-'));
  try {
    await writeFile(join(folder, '1-opt.dcm'), phantom.opt);
    await writeFile(join(folder, '2-localizer.dcm'), phantom.localizer);
    const env = { ...process.env, DELINEATE_DATA: dataDir, DELINEATE_LOG_LEVEL: 'warn', DATABASE_URL: '', DELINEATE_BLOB_URL: '' };
    const cli = join(repoRoot, 'apps', 'cli', 'bin', 'delineate.mjs');
    const run = spawnSync(process.execPath, [cli, 'ingest', folder, '--project', projectId, '--json', '--no-iod-check'], { env, encoding: 'utf8', timeout: 600_000 });
    if (run.status !== 0) throw new Error(`delineate ingest failed (${run.status}): ${run.stderr.slice(-2000)} ${run.stdout.slice(-2000)}`);
    const report = JSON.parse(run.stdout) as { files: { index: number; status: string; itemId?: string }[] };
    const opt = report.files.find((f) => f.index === 0);
    if (opt?.status !== 'passed' || !opt.itemId) throw new Error(`the synthetic OPT did not pass the gate: ${run.stdout.slice(0, 2000)}`);
    return { projectId, itemId: opt.itemId, phantom };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
