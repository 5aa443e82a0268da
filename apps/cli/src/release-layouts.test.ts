import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainingCaseId as caseId } from '@delineate/store';
import { phantomHu } from '@delineate/formats';
import type { Release, ReleaseManifestV2 } from '@delineate/schema';
import { exportChoice, exportReleaseCommand } from './commands/release';
import { annotateAndAcceptAll, openReleaseScenario, type ReleaseScenario } from './release-scenario.fixture';

/**
 * Issue 25, what it must show: the scripted release exported in the nnU-Net v2 and MSD/MONAI
 * layouts, unpacked and checked with Debian's nibabel (same shape and affine for every image and
 * label, label values exactly those dataset.json lists, file names by the layout's rules, no
 * identifying value of the source in a file name or header), and splits_final.json's five folds
 * never splitting a subject between training and validation.
 */
const SIZE = 32, SLICES = 8;
const checker = join(import.meta.dirname, 'test', 'check_training_layout.py');
// Debian's interpreter, where python3-nibabel installs (a pyenv python3 earlier on PATH lacks it).
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const nibabel = spawnSync(python, ['-c', 'import nibabel'], { stdio: 'ignore' }).status === 0;
if (process.env.CI === 'true' && !nibabel) it('needs python3-nibabel under CI', () => { throw new Error('python3-nibabel is not installed'); });

// Source identities that must never reach an export: patient ids and names of the DICOM.
const patientIds = ['ZQXA01', 'ZQXB02', 'ZQXC03', 'ZQXD04', 'ZQXE05', 'ZQXF06'];
const patientName = (id: string) => `Doeperson^Janet${id.slice(-2)}`;

describe.skipIf(!nibabel)('release training layouts: nnU-Net v2 and MSD/MONAI', () => {
  let s: ReleaseScenario;
  let release: Release;
  let manifest: ReleaseManifestV2;

  beforeAll(async () => {
    // Seven series of six subjects; the second subject has two studies.
    const series = [[1, patientIds[0]!], [2, patientIds[1]!], [3, patientIds[1]!], [4, patientIds[2]!], [5, patientIds[3]!], [6, patientIds[4]!], [7, patientIds[5]!]] as const;
    s = await openReleaseScenario({ size: SIZE, slices: SLICES, series, patientName });
    // Every third reader of a multi-reader item leaves out the first two slices, so soft labels are not all 0 or 1.
    const partial = s.truth.map((v, i) => (v !== 0 && i < 2 * SIZE * SIZE ? 0 : v));
    await annotateAndAcceptAll(s, (_item, reader) => (reader === 2 ? partial : s.truth));
  }, 180_000);

  afterAll(async () => {
    await s?.close();
  });

  it('builds a cross-validated release, refusing one with too few subjects for five folds', async () => {
    const subjects = [...s.itemsBySubject.keys()].sort();
    const twin = subjects.find((p) => s.itemsBySubject.get(p)!.length === 2)!;
    const singles = subjects.filter((p) => p !== twin);
    const splitOf = (p: string) => (p === singles[0] ? 'test' : p === singles[1] ? 'validation' : 'train');
    const splits = subjects.flatMap((p) => s.itemsBySubject.get(p)!.map((itemId) => ({ itemId, split: splitOf(p) })));
    const base = `/api/projects/${s.projectId}/releases`;
    const tooFew = await s.call('admin', 'POST', base, { name: 'cv', crossValidation: true, splits: splits.map((x) => (x.itemId === s.itemsBySubject.get(singles[2]!)![0] ? { ...x, split: 'test' } : x)) });
    expect([tooFew.status, tooFew.json().code]).toEqual([422, 'DLN_RELEASE_FOLDS_TOO_FEW_SUBJECTS']);
    const built = await s.call('admin', 'POST', base, { name: 'Liver CT v1', crossValidation: true, licence: 'CC BY-NC 4.0', splits });
    expect(built.status, JSON.stringify(built.json())).toBe(201);
    release = (await s.call('admin', 'POST', `${base}/${built.json().id}/freeze`)).json();
    manifest = release.manifest as ReleaseManifestV2;
    expect(manifest.crossValidation).toEqual({ folds: 5, groupedBy: 'subject' });
    expect(manifest.items).toHaveLength(7);
    expect(manifest.items.some((i) => i.consensus !== null)).toBe(true);
  });

  const forbidden = [...patientIds, ...patientIds.map(patientName), 'Doeperson', 'Janet'];

  for (const layout of ['nnunet', 'msd'] as const) {
    it(`exports the release in the ${layout} layout that nibabel reads as the layout promises`, async () => {
      expect(release, 'the release was built').toBeDefined();
      const out = join(s.dir, layout);
      await mkdir(out);
      const platform = { database: s.database, blobs: s.blobs, audit: s.server.audit };
      await exportReleaseCommand(platform, release.id, exportChoice({ layout }), join(s.dir, `${layout}.tar`));
      execFileSync('tar', ['-xf', join(s.dir, `${layout}.tar`), '-C', out]);

      const run = spawnSync(python, [checker, layout, out, ...forbidden], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const summary = JSON.parse(run.stdout) as { problems: string[]; pairs: number; values: number[]; cases: Record<string, { split: string; image_min: number; label1_mean: number | null }>; siblings: Record<string, number> };
      expect(summary.problems).toEqual([]);
      expect(run.status).toBe(0);
      expect(summary.pairs).toBe(manifest.items.length);

      const dataset = JSON.parse(await readFile(join(out, 'dataset.json'), 'utf8'));
      const listed = layout === 'nnunet' ? Object.values(dataset.labels as Record<string, number>) : Object.keys(dataset.labels).map(Number);
      // Label values are exactly those dataset.json lists: the schema's labels, all present in the phantom.
      expect(summary.values).toEqual([...listed].sort((a, b) => a - b));
      expect(listed.sort()).toEqual([0, ...manifest.labels.map((l) => l.value)].sort());
      // Case ids are the subject pseudonym and the item id; the test subject sits in imagesTs.
      const byCase = new Map(manifest.items.map((i) => [caseId(i), i]));
      expect(Object.keys(summary.cases).sort()).toEqual([...byCase.keys()].sort());
      for (const [c, info] of Object.entries(summary.cases)) {
        expect(c).toBe(`${byCase.get(c)!.subjectPseudonym.replace(/[^A-Za-z0-9-]/g, '-')}_${byCase.get(c)!.itemId}`);
        expect(info.split).toBe(byCase.get(c)!.split === 'test' ? 'Ts' : 'Tr');
        expect(info.image_min).toBeLessThanOrEqual(-900); // HU: air, not stored values
        // Image and label line up voxel for voxel: under the liver label the image is liver (60 HU, noise σ 10).
        expect(Math.abs(info.label1_mean! - phantomHu.liver)).toBeLessThan(3);
      }
      const multi = manifest.items.filter((i) => i.consensus !== null);
      expect(summary.siblings).toEqual({
        readers: manifest.items.reduce((n, i) => n + i.readings.length, 0),
        consensus: multi.length,
        soft: multi.reduce((n, i) => n + 2 * i.consensus!.labels.length, 0),
      });
      expect(dataset.description).toContain('readers/{case}_reader{N}');
      expect(dataset.licence).toBe('CC BY-NC 4.0');
      expect(dataset.release).toMatchObject({ id: release.id, hash: release.manifestHash });
      expect(dataset.splits.subjectDisjoint).toBe(true);
      expect(dataset.numTraining).toBe(manifest.items.filter((i) => i.split !== 'test').length);
      // No identifying value of the source in any text of the export either.
      for (const name of await readdir(out)) {
        if (!name.endsWith('.json')) continue;
        const text = (await readFile(join(out, name), 'utf8')).toLowerCase();
        for (const f of forbidden) expect(text.includes(f.toLowerCase()), `${f} in ${name}`).toBe(false);
      }

      const trainingCases = manifest.items.filter((i) => i.split !== 'test').map(caseId).sort();
      if (layout === 'nnunet') {
        expect(dataset).toMatchObject({ channel_names: { '0': 'CT' }, file_ending: '.nii.gz', name: 'Liver CT v1' });
        expect(dataset.labels).toEqual({ background: 0, ...Object.fromEntries(manifest.labels.map((l) => [l.key, l.value])) });
        const folds = JSON.parse(await readFile(join(out, 'splits_final.json'), 'utf8')) as Array<{ train: string[]; val: string[] }>;
        expect(folds).toHaveLength(5);
        const subjectOf = (c: string) => byCase.get(c)!.subjectPseudonym;
        for (const fold of folds) {
          expect(fold.val.length).toBeGreaterThan(0);
          expect([...fold.train, ...fold.val].sort()).toEqual(trainingCases);
          const trainSubjects = new Set(fold.train.map(subjectOf));
          for (const c of fold.val) expect(trainSubjects.has(subjectOf(c)), `subject of ${c} in both`).toBe(false);
        }
        expect(folds.flatMap((f) => f.val).sort()).toEqual(trainingCases);
      } else {
        expect(dataset).toMatchObject({ modality: { '0': 'CT' }, tensorImageSize: '3D', numTest: 1 });
        const datalist = JSON.parse(await readFile(join(out, 'datalist.json'), 'utf8'));
        expect(datalist.training.map((e: { image: string }) => e.image).sort()).toEqual(trainingCases.map((c) => `imagesTr/${c}.nii.gz`));
        expect(datalist.validation).toEqual(manifest.items.filter((i) => i.split === 'validation').map((i) => ({ image: `imagesTr/${caseId(i)}.nii.gz`, label: `labelsTr/${caseId(i)}.nii.gz` })));
        // Folds by subject: both items of a subject share a fold.
        const foldOf = new Map(datalist.training.map((e: { image: string; fold: number }) => [e.image, e.fold]));
        for (const items of s.itemsBySubject.values()) {
          const folds = new Set(manifest.items.filter((i) => items.includes(i.itemId) && i.split !== 'test').map((i) => foldOf.get(`imagesTr/${caseId(i)}.nii.gz`)));
          expect(folds.size).toBeLessThanOrEqual(1);
        }
        expect(new Set(foldOf.values())).toEqual(new Set([0, 1, 2, 3, 4]));
      }
    }, 120_000);
  }

  it('takes either --format or --layout, and only a training layout for --layout', () => {
    expect(exportChoice({ layout: 'msd' })).toBe('msd');
    expect(exportChoice({ format: 'nifti' })).toBe('nifti');
    expect(() => exportChoice({})).toThrow(/either --format or --layout/);
    expect(() => exportChoice({ format: 'nifti', layout: 'nnunet' })).toThrow(/either --format or --layout/);
    expect(() => exportChoice({ layout: 'nifti' })).toThrow(/--layout must be nnunet or msd/);
  });
});
