import { execFile, execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { decodeRle8 } from '@delineate/core';
import { readSegmentation, segmentationOnGrid, type SegTargetGrid } from '@delineate/formats';
import type { Release, ReleaseManifestV2 } from '@delineate/schema';
import { blobAddress, type LocalBlobStore } from '@delineate/store';
import { dciodvfyAvailable, runDciodvfy } from '@delineate/testkit';
import { exportReleaseCommand, formatTrace, releaseDocumentsCommand, traceCommand, type ReleasePlatform } from '../commands/release';

/**
 * The release scenario's checks of a frozen release (issue 13, release-scenario.test.ts): DICOM SEG
 * exports, documents and voxel traces. The scenario names what it built; these check it.
 */
// The answers are checked field by field with expect, so their JSON is left loosely typed.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type Call = (user: string, method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown) => Promise<{ status: number; json: () => Json; raw: Buffer; headers: Record<string, unknown> }>;

export interface ScenarioRelease {
  readonly dir: string;
  readonly blobs: LocalBlobStore;
  readonly platform: ReleasePlatform;
  readonly call: Call;
  readonly manifest: ReleaseManifestV2;
  readonly frozen: Release;
  /** The single-reader item drafted by the model, redrawn by its annotator and corrected by the reviewer. */
  readonly corrected: { readonly itemId: string; readonly assigneeId: string };
  readonly users: Readonly<Record<string, string>>;
  readonly correctionVersion: number;
  readonly signedAt: Date;
  readonly sampledItem: string;
  readonly freeItem: string;
  readonly truth: Uint8Array;
  readonly size: number;
  readonly slices: number;
  /** The last slice holding liver: the reviewer trimmed it. */
  readonly lastLiver: number;
}

export async function checkSegExports(s: ScenarioRelease): Promise<void> {
  const { dir, blobs, platform, manifest, corrected } = s;
  const draft = s.frozen;
  const N = s.size * s.size * s.slices;
  // ---- DICOM SEG: BINARY and FRACTIONAL pass dciodvfy; every SEG reads back voxel-equal to the released masks ----
  const releasedVolume = async (hash: string) => {
    const decoded = decodeRle8(await blobs.get(hash), N);
    if (!decoded.ok) throw new Error(decoded.reason);
    return decoded.voxels;
  };
  const valueOfName = new Map(manifest.labels.map((l) => [l.name, l.value]));
  let segFiles = 0;
  for (const format of ['seg-binary', 'seg-fractional', 'seg-labelmap']) {
    const folder = join(dir, format);
    await mkdir(folder);
    await exportReleaseCommand(platform, draft.id, format, join(folder, 'export.tar'));
    execFileSync('tar', ['-xf', join(folder, 'export.tar'), '-C', folder]);
    for (const item of manifest.items) {
      const grid = segGridOf(item.geometry);
      const files: Array<[string, (value: number) => Promise<Uint8Array>]> = [];
      if (format === 'seg-fractional') {
        for (const [file, read] of [
          ['reader_fraction', async (l: NonNullable<typeof item.consensus>['labels'][number]) => (await releasedVolume(l.votesHash)).map((v) => Math.round((255 * v) / item.readings.length))],
          ['staple', async (l: NonNullable<typeof item.consensus>['labels'][number]) => releasedVolume(l.stapleHash)],
        ] as const) {
          if (item.consensus) files.push([`seg-fractional/${file}.dcm`, async (value) => read(item.consensus!.labels.find((l) => l.labelValue === value)!)]);
        }
      } else {
        const mask = await releasedVolume(item.maskHash);
        files.push([`${format}.dcm`, async (value) => mask.map((v) => (v === value ? 1 : 0))]);
      }
      for (const [file, expected] of files) {
        const path = join(folder, item.split, item.itemId, file);
        if (format !== 'seg-labelmap' && dciodvfyAvailable()) {
          const report = runDciodvfy(path);
          expect(report.errors, `${format} ${file}: ${report.output}`).toEqual([]);
        }
        const seg = readSegmentation(new Uint8Array(await readFile(path)));
        const masks = segmentationOnGrid(seg, grid);
        // Frames reference the de-identified source instances the manifest names.
        const referenced = new Set(seg.frames.flatMap((f) => f.referencedSopInstanceUids));
        expect(referenced.size).toBeGreaterThan(0);
        expect([...referenced].filter((uid) => !item.instances.some((i) => i.sopInstanceUid === uid))).toEqual([]);
        expect(seg.segments.map((g) => g.label).sort()).toEqual(manifest.labels.filter((l) => item.labelKeys.includes(l.key)).map((l) => l.name).sort());
        for (const segment of seg.segments) {
          expect(segment.type?.scheme).toBe('SCT');
          // Provenance: the corrected item's model draft redrawn by people is SEMIAUTOMATIC with the model named; the rest MANUAL.
          if (item.itemId === corrected.itemId) expect([segment.algorithmType, segment.algorithm?.name, segment.algorithm?.version]).toEqual(['SEMIAUTOMATIC', 'liver-preannotator', '1.2.0']);
          else expect([segment.algorithmType, segment.algorithm]).toEqual(['MANUAL', undefined]);
          const want = await expected(valueOfName.get(segment.label)!);
          expect(Buffer.from(masks.get(segment.number)!).equals(Buffer.from(want)), `${format} ${item.itemId} ${segment.label}`).toBe(true);
        }
        segFiles++;
      }
    }
  }
  expect(segFiles).toBe(4 + 2 + 4); // BINARY and LABELMAP per item, two FRACTIONAL files for the multi-reader item

}

export async function checkDocuments(s: ScenarioRelease): Promise<void> {
  const { dir, platform, frozen, call } = s;
  const draft = frozen;
  // ---- documents: listed, served (HTML sandboxed), regenerated from the records to the same SHA-256 ----
  const recorded = new Map(frozen.documents.map((d) => [d.kind, d.hash]));
  const listed = (await call('auditor', 'GET', `/api/releases/${draft.id}/documents`)).json();
  expect(listed.documents).toHaveLength(12);
  const html = await call('auditor', 'GET', `/api/releases/${draft.id}/documents/annotation_protocol.html`);
  expect(html.status).toBe(200);
  expect(html.headers['content-security-policy']).toContain('sandbox');
  expect(html.headers['x-frame-options']).toBe('SAMEORIGIN');
  expect(blobAddress(new Uint8Array(html.raw))).toBe(recorded.get('annotation_protocol.html'));
  const pdf = await call('admin', 'GET', `/api/releases/${draft.id}/documents/qa_results.pdf`);
  expect([pdf.status, pdf.raw.subarray(0, 5).toString('latin1'), blobAddress(new Uint8Array(pdf.raw))]).toEqual([200, '%PDF-', recorded.get('qa_results.pdf')]);
  expect((await call('admin', 'GET', `/api/releases/${draft.id}/documents/qa_results.docx`)).json().code).toBe('DLN_DOCUMENT_FORMAT_UNKNOWN');
  expect((await call('tech1', 'GET', `/api/releases/${draft.id}/documents`)).status).toBe(403);
  const documentsDir = join(dir, 'documents');
  const regenerated = await releaseDocumentsCommand(platform, draft.id, documentsDir);
  expect(regenerated.files.filter((f) => f.sha256 !== f.recorded)).toEqual([]);
  expect(regenerated.ok).toBe(true);
  // A separate Node process renders the regenerated JSON sources: HTML and PDF come out with the recorded hashes.
  const jsonSources = (await readdir(documentsDir)).filter((f) => f.endsWith('.json')).map((f) => join(documentsDir, f));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', renderFixture, ...jsonSources], { cwd: repoRoot, env: process.env, maxBuffer: 1 << 20 });
  const rendered = JSON.parse(stdout) as Record<string, string>;
  expect(Object.keys(rendered)).toHaveLength(12);
  for (const [kind, hash] of Object.entries(rendered)) expect(hash, kind).toBe(recorded.get(kind));

}

export async function checkTraces(s: ScenarioRelease): Promise<void> {
  const { call, corrected, users, correctionVersion, signedAt, manifest, sampledItem, freeItem, truth, platform, lastLiver } = s;
  const [SIZE, draft] = [s.size, s.frozen];
  const entry = manifest.items.find((i) => i.itemId === corrected.itemId)!;
  const multi = manifest.items.find((i) => i.itemId === sampledItem)!;
  // ---- trace: who drew these voxels ----
  const firstOf = (value: number, from = 0) => {
    const i = truth.indexOf(value, from);
    return [i % SIZE, Math.floor(i / SIZE) % SIZE, Math.floor(i / (SIZE * SIZE))] as const;
  };
  const traced = async (itemId: string, voxel: readonly number[]) => {
    const res = await call('auditor', 'GET', `/api/releases/${draft.id}/trace?item=${itemId}&voxel=${voxel.join(',')}`);
    expect(res.status, JSON.stringify(res.json())).toBe(200);
    return res.json();
  };
  // Trimmed by the reviewer's correction: background now, set by the correction revision, under the signed review.
  const trimmedVoxel = firstOf(1, lastLiver * SIZE * SIZE);
  const trimmed = await traced(corrected.itemId, trimmedVoxel);
  expect(trimmed.label).toMatchObject({ value: 0, name: 'Background' });
  expect(trimmed.readings[0].setBy).toMatchObject({ version: correctionVersion, source: 'correction', author: { kind: 'user', userId: users.rev, name: 'rev' } });
  expect(trimmed.readings[0].chain.map((c: { version: number }) => c.version)).toEqual([3, 2, 1]);
  expect(trimmed.readings[0].reviews).toEqual([expect.objectContaining({ reviewerId: users.rev, reviewerName: 'rev', decision: 'correct', signedAt: signedAt.toISOString() })]);
  expect([trimmed.labelSchema, trimmed.reviewProtocol]).toEqual([manifest.labelSchema, manifest.reviewProtocol]);
  expect(entry.instances).toContainEqual(trimmed.source);
  expect(trimmed.source.deidRecordId).not.toBeNull();
  // Liver from the model's draft, kept by the annotator and the reviewer: set by version 1, the model named.
  const drafted = await traced(corrected.itemId, firstOf(1));
  expect(drafted.label).toMatchObject({ value: 1, key: 'liver' });
  expect(drafted.readings[0].setBy).toMatchObject({ version: 1, source: 'ai', author: { kind: 'model', name: 'liver-preannotator', version: '1.2.0' } });
  if (truth.includes(2)) {
    const lesion = await traced(corrected.itemId, firstOf(2));
    expect(lesion.readings[0].setBy).toMatchObject({ version: 2, source: 'human', author: { kind: 'user', userId: corrected.assigneeId } });
  }
  // The consensus item: each reader's label (the third reader left out the first slices) and STAPLE figures.
  const agreed = await traced(sampledItem, firstOf(1));
  expect(agreed.consensusMethod).toBe('staple');
  expect(agreed.readings.map((r: { label: { value: number } }) => r.label.value).sort()).toEqual([0, 1, 1]);
  const liverStaple = multi.consensus!.labels.find((l) => l.labelKey === 'liver')!;
  expect(agreed.readings.map((r: { staple: unknown }) => r.staple)).toEqual(liverStaple.sensitivity.map((sensitivity, i) => ({ labelKey: 'liver', sensitivity, specificity: liverStaple.specificity[i] })));
  const outside = await call('auditor', 'GET', `/api/releases/${draft.id}/trace?item=${sampledItem}&voxel=${SIZE},0,0`);
  expect([outside.status, outside.json().code]).toEqual([422, 'DLN_TRACE_VOXEL_OUT_OF_GRID']);
  expect((await call('auditor', 'GET', `/api/releases/${draft.id}/trace?item=${freeItem}&voxel=0,0,0`)).json().code).toBe('DLN_TRACE_ITEM_NOT_RELEASED');
  expect((await call('tech1', 'GET', `/api/releases/${draft.id}/trace?item=${sampledItem}&voxel=0,0,0`)).status).toBe(403);
  const cliTrace = await traceCommand(platform, draft.id, corrected.itemId, trimmedVoxel.join(','));
  expect(cliTrace).toEqual(trimmed);
  expect(formatTrace(await traceCommand(platform, draft.id, corrected.itemId, firstOf(1).join(',')))).toContain('model liver-preannotator 1.2.0');

}

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
/** The documents' own child-process renderer: renders JSON sources and prints their hashes. */
const renderFixture = fileURLToPath(new URL('../../../../packages/store/src/releases/documents/render-hashes.fixture.ts', import.meta.url));

/** The item's slices as a SEG target grid: positions along the slice normal from the manifest's geometry. */
function segGridOf(g: ReleaseManifestV2['items'][number]['geometry']): SegTargetGrid {
  const d = g.direction;
  return {
    rows: g.dims[1],
    columns: g.dims[0],
    pixelSpacing: [g.spacing[1], g.spacing[0]],
    orientation: [d[0]!, d[1]!, d[2]!, d[3]!, d[4]!, d[5]!],
    positions: Array.from({ length: g.dims[2] }, (_, k) => [0, 1, 2].map((a) => g.origin[a]! + k * g.spacing[2] * d[6 + a]!) as unknown as readonly [number, number, number]),
  };
}

