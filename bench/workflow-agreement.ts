// The workflow's agreement job (issue 7 §5) on a realistic sampled item: a 512×512×100 CT grid
// at 0.7×0.7×2.5 mm, three readers drawing a liver-sized ellipsoid and a lesion with known
// differences. Times the whole job as the worker runs it (read three masks from the encrypted
// blob store, per label pairwise Dice and HD95, Fleiss' kappa, STAPLE, write consensus and vote
// maps, store the rows) on PGlite, and records peak RSS.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeRle8 } from '@delineate/core';
import { liverCtLabelSchema, liverCtReviewProtocol } from '@delineate/schema';
import {
  AccessRepository,
  AnnotationRepository,
  BlobKey,
  computeItemAgreement,
  DeidRecordRepository,
  ItemRepository,
  LabelSchemaRepository,
  LocalBlobStore,
  ProjectRepository,
  ReviewProtocolRepository,
  testing,
  WorkflowRepository,
} from '@delineate/store';
import type { BenchResult } from './types';

const [NX, NY, NZ] = [512, 512, 100];
const SPACING = [0.7, 0.7, 2.5] as const;
const TARGET_SECONDS = 60;

/** Liver ellipsoid (value 1) with a lesion sphere (value 2); `grow` in mm changes the liver's semi-axes. */
function readerMask(grow: number, lesionShift: number): Uint8Array {
  const v = new Uint8Array(NX * NY * NZ);
  const [cx, cy, cz] = [180, 180, 125];
  const [rx, ry, rz] = [90 + grow, 70 + grow, 80 + grow];
  const [lx, ly, lz, lr] = [160 + lesionShift, 170, 120, 15];
  for (let z = 0; z < NZ; z++)
    for (let y = 0; y < NY; y++)
      for (let x = 0; x < NX; x++) {
        const [px, py, pz] = [(x + 0.5) * SPACING[0], (y + 0.5) * SPACING[1], (z + 0.5) * SPACING[2]];
        const i = x + NX * (y + NY * z);
        if (((px - lx) ** 2 + (py - ly) ** 2 + (pz - lz) ** 2) <= lr * lr) v[i] = 2;
        else if (((px - cx) / rx) ** 2 + ((py - cy) / ry) ** 2 + ((pz - cz) / rz) ** 2 <= 1) v[i] = 1;
      }
  return v;
}

export async function run(): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'dln-bench-agreement-job-'));
  const database = await testing.createTestDatabase('pglite');
  const blobs = new LocalBlobStore({ dir, key: BlobKey.generate() });
  try {
    const db = database.db;
    const schema = await new LabelSchemaRepository(db).create(liverCtLabelSchema);
    const protocol = await new ReviewProtocolRepository(db).create(liverCtReviewProtocol);
    const project = await new ProjectRepository(db).create({
      name: 'bench agreement job',
      modality: 'CT',
      oversightModel: 'direct_clinical',
      region: 'local',
      purpose: 'Benchmark of the workflow agreement job.',
      legalBasis: 'consent',
      labelSchema: { id: schema.id, version: 1 },
      reviewProtocol: { id: protocol.id, version: 1 },
      agreementSampling: { fraction: 1, readersPerItem: 3, blinded: true },
      deid: { profile: 'basic', options: [] },
    });
    const items = new ItemRepository(db);
    const subject = await items.createSubject({ projectId: project.id, pseudonym: 'BENCH', ageBand: 'unknown', sex: 'unknown' });
    const study = await items.createStudy({ subjectId: subject.id, studyInstanceUid: `2.25.71${Date.now()}` });
    const series = await items.createSeries({ studyId: study.id, seriesInstanceUid: `2.25.72${Date.now()}`, modality: 'CT' });
    await db.updateTable('series').set({ rows: NY, columns: NX, slices: NZ, spacing: [...SPACING] }).where('id', '=', series.id).execute();
    const output = createHash('sha256').update('bench instance').digest('hex');
    await new DeidRecordRepository(db).record({ projectId: project.id, sourceHash: output.replace(/^./, 'd'), outputHash: output, profile: 'basic', options: [], actions: [], pixelRegionsRedacted: [], findings: [], status: 'passed' });
    await items.addInstances([{ seriesId: series.id, sopInstanceUid: `2.25.73${Date.now()}`, instanceNumber: 1, blobHash: output }]);
    const item = await items.createItem({ projectId: project.id, subjectId: subject.id, target: { kind: 'series_volume', seriesId: series.id } });
    const access = new AccessRepository(db);
    for (const name of ['a', 'b', 'c']) {
      const user = await access.createUser({ username: `bench-reader-${name}`, displayName: name, now: new Date() });
      await access.addMembership({ userId: user.id, projectId: project.id, role: 'clinician_annotator', grantedBy: null, now: new Date() });
      await access.addQualification({ userId: user.id, kind: 'radiologist', modality: null, verifiedBy: null, validUntil: null, now: new Date() });
    }
    const workflow = new WorkflowRepository(db, { blobs, requirements: { clinician_annotator: { kinds: ['radiologist'], matchModality: false } } });
    // The lesion label asks for expert review; with no expert in the project those tasks stay open, unassigned.
    const { created } = await workflow.generateTasks(project.id);
    const annotations = new AnnotationRepository(db, { blobs });
    const variants = [readerMask(0, 0), readerMask(3, 2), readerMask(-4, -3)];
    for (const [i, task] of created.entries()) {
      const annotation = await annotations.create({ projectId: project.id, itemId: item.id, taskId: task.id, labelSchema: { id: schema.id, version: 1 } });
      const bytes = encodeRle8(variants[i]!);
      await annotations.saveRevision({ annotationId: annotation.id, expectedVersion: 0, author: { kind: 'user', userId: task.assigneeId! }, source: 'human', maskHash: createHash('sha256').update(bytes).digest('hex'), maskEncoding: 'rle', maskBytes: bytes });
      await workflow.submitAnnotation({ taskId: task.id, userId: task.assigneeId!, annotationId: annotation.id });
    }
    const load = loadavg()[0] ?? 0;
    const started = performance.now();
    const results = await computeItemAgreement(db, blobs, { itemId: item.id });
    const seconds = (performance.now() - started) / 1000;
    const rssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
    const rows = results.map((r) => ({
      label: r.labelKey,
      'mean pairwise Dice': r.meanDice === null ? null : Number(r.meanDice.toFixed(4)),
      'HD95 mm (pairs)': r.pairs.map((p) => (p.hd95Mm === null ? 'n/a' : p.hd95Mm.toFixed(2))).join(' / '),
      "Fleiss' kappa": r.fleissKappa === null ? null : Number(r.fleissKappa.toFixed(4)),
      'STAPLE iterations': r.staple.iterations,
    }));
    return {
      name: 'workflow-agreement',
      description: `Agreement job of one sampled item, ${NX}×${NY}×${NZ} at ${SPACING.join('×')} mm, 3 readers, 2 labels (store + core, PGlite, encrypted local blobs)`,
      rows: [...rows, { label: 'whole job', 'seconds': Number(seconds.toFixed(2)), 'peak RSS MiB': rssMiB, 'load average (1 min) at start': Number(load.toFixed(2)) }],
      targets: [{ target: `agreement job of a 3-reader ${NX}×${NY}×${NZ} item under ${TARGET_SECONDS} s`, measured: `${seconds.toFixed(2)} s`, met: seconds < TARGET_SECONDS }],
      notes: ['Single-threaded in the worker process: surface distances run on the calling thread (the CLI metrics command uses a thread pool).'],
    };
  } finally {
    await blobs.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
