import { encodeGreyPng, encodeNifti, niftiAffineFromGeometry } from '@delineate/formats';
import { DelineateError, type ManifestItem, type ReleaseManifestV2 } from '@delineate/schema';
import type { ArchiveFile } from '../tar';
import type { ExportItemInput } from '../formats';
import { itemImage } from './item-image';

/** Sibling folders beside the images and labels, as both layouts' descriptions name them. */
export const SIBLING_FOLDERS = {
  readers: 'readers',
  consensus: 'consensus',
  soft: 'soft',
} as const;

export const SIBLING_DESCRIPTION =
  `Per case: ${SIBLING_FOLDERS.readers}/{case}_reader{N} holds reader N's released label map (readers numbered in the manifest's order); ` +
  `for cases read by several readers, ${SIBLING_FOLDERS.consensus}/{case} holds the consensus (the case's label) and ` +
  `${SIBLING_FOLDERS.soft}/{case}_{label}_fraction.nii.gz and ${SIBLING_FOLDERS.soft}/{case}_{label}_staple.nii.gz hold, as float32 NIfTI, ` +
  'the fraction of readers who drew the label and its STAPLE probability.';

/**
 * A case's identifier: the subject's pseudonym and the item id, nothing else. Characters other
 * than letters, digits and '-' become '-', so the name splits cleanly on '_' in every tool.
 */
export function caseId(item: Pick<ManifestItem, 'subjectPseudonym' | 'itemId'>): string {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9-]/g, '-');
  return `${clean(item.subjectPseudonym)}_${clean(item.itemId)}`;
}

/**
 * 2-D releases (every item one slice) are written as PNG, as nnU-Net's natural-image reader
 * expects; CT stays NIfTI (one slice), since PNG cannot hold negative HU.
 */
export function fileEnding(manifest: Pick<ReleaseManifestV2, 'items'>): '.png' | '.nii.gz' {
  return manifest.items.length > 0 && manifest.items.every((i) => i.geometry.dims[2] === 1 && i.modality !== 'CT') ? '.png' : '.nii.gz';
}

export const isTraining = (item: Pick<ManifestItem, 'split'>) => item.split !== 'test';

/** The channel name of a release (one channel per case: the item's modality). */
export const channelOf = (manifest: ReleaseManifestV2): string => manifest.items[0]?.modality ?? 'CT';

/**
 * One case's files: the image at `imagePath` and label at `labelPath` (both without ending),
 * with identical geometry, then the readers' masks, the consensus and float soft labels in the
 * sibling folders. NIfTI headers carry nothing but geometry and data: no descrip, aux_file or
 * intent_name is ever written.
 */
export async function trainingCaseFiles(input: ExportItemInput, imagePath: string, labelPath: string): Promise<ArchiveFile[]> {
  const { manifest, item, grid, mask, soft } = input;
  const ending = fileEnding(manifest);
  const id = caseId(item);
  const image = itemImage(item, grid, await input.sourceInstances());
  const files: ArchiveFile[] = [];
  if (ending === '.png') {
    files.push({ path: `${imagePath}.png`, bytes: encodeGreyPng({ width: grid.dims[0], height: grid.dims[1], data: pngSamples(image.data) }) });
    files.push({ path: `${labelPath}.png`, bytes: encodeGreyPng({ width: grid.dims[0], height: grid.dims[1], data: mask }) });
  } else {
    const affine = niftiAffineFromGeometry(item.geometry);
    files.push({ path: `${imagePath}.nii.gz`, bytes: encodeNifti({ grid, data: image.data, affine }, { gzip: true }) });
    files.push({ path: `${labelPath}.nii.gz`, bytes: encodeNifti({ grid, data: mask, affine }, { gzip: true }) });
  }
  const affine = niftiAffineFromGeometry(item.geometry);
  const nifti = (data: Uint8Array | Float32Array) => encodeNifti({ grid, data, affine }, { gzip: true });
  const readers = await input.readerMasks();
  readers.forEach((m, r) => files.push({ path: `${SIBLING_FOLDERS.readers}/${id}_reader${r + 1}.nii.gz`, bytes: nifti(m) }));
  if (item.consensus) files.push({ path: `${SIBLING_FOLDERS.consensus}/${id}.nii.gz`, bytes: nifti(mask) });
  for (const s of soft) {
    const fraction = new Float32Array(s.votes.length);
    const staple = new Float32Array(s.staple.length);
    for (let i = 0; i < fraction.length; i++) {
      fraction[i] = (s.votes[i] ?? 0) / s.readers;
      staple[i] = (s.staple[i] ?? 0) / 255;
    }
    files.push({ path: `${SIBLING_FOLDERS.soft}/${id}_${s.labelKey}_fraction.nii.gz`, bytes: nifti(fraction) });
    files.push({ path: `${SIBLING_FOLDERS.soft}/${id}_${s.labelKey}_staple.nii.gz`, bytes: nifti(staple) });
  }
  return files;
}

/** PNG holds unsigned integers: a 2-D image with negative or fractional values cannot be one. */
function pngSamples(data: Int16Array | Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new DelineateError('DLN_RELEASE_EXPORT_IMAGE', 'A 2-D image has values a 16-bit PNG cannot hold');
    out[i] = v;
  }
  return out;
}

/** The subjects of each split and whether any subject sits in two: what the layouts record. */
export function splitRecord(manifest: ReleaseManifestV2): { cases: Record<string, string[]>; subjects: Record<string, string[]>; subjectDisjoint: boolean } {
  const cases: Record<string, string[]> = { train: [], validation: [], test: [] };
  const subjects: Record<string, Set<string>> = { train: new Set(), validation: new Set(), test: new Set() };
  for (const i of manifest.items) {
    cases[i.split]!.push(caseId(i));
    subjects[i.split]!.add(i.subjectPseudonym);
  }
  const seen = new Map<string, number>();
  for (const set of Object.values(subjects)) for (const s of set) seen.set(s, (seen.get(s) ?? 0) + 1);
  return {
    cases,
    subjects: Object.fromEntries(Object.entries(subjects).map(([k, v]) => [k, [...v].sort()])),
    subjectDisjoint: [...seen.values()].every((n) => n === 1),
  };
}

/**
 * Five folds grouped by subject over the training cases: subjects with the most cases first,
 * each to the fold holding fewest cases (ties to the lower fold), so a subject's cases never
 * straddle training and validation. Deterministic: the same release gives the same folds.
 */
export function subjectFolds(manifest: ReleaseManifestV2, folds: number): Array<{ train: string[]; val: string[] }> {
  const bySubject = new Map<string, string[]>();
  for (const i of manifest.items.filter(isTraining)) bySubject.set(i.subjectPseudonym, [...(bySubject.get(i.subjectPseudonym) ?? []), caseId(i)]);
  const subjects = [...bySubject.entries()].sort(([a, x], [b, y]) => y.length - x.length || (a < b ? -1 : a > b ? 1 : 0));
  const val: string[][] = Array.from({ length: folds }, () => []);
  for (const [, cases] of subjects) {
    let target = 0;
    for (let f = 1; f < folds; f++) if (val[f]!.length < val[target]!.length) target = f;
    val[target]!.push(...cases);
  }
  const all = subjects.flatMap(([, c]) => c);
  return val.map((v) => ({ train: all.filter((c) => !v.includes(c)).sort(), val: [...v].sort() }));
}
