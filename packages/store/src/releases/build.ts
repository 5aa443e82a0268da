import { encodeRle8, gridOf } from '@delineate/core';
import {
  ConsensusMethod,
  DelineateError,
  parseOrThrow,
  ReleaseBuildRequest,
  type ManifestItem,
  type Release,
  type ReleaseManifestV2,
  type ReleasePreview,
  type ReleaseSplit,
} from '@delineate/schema';
import type { Kysely } from 'kysely';
import { canonicalJson } from '../audit/canonical-json';
import { blobAddress } from '../blob/address';
import type { BlobStore } from '../blob/types';
import { labelConventionsOf } from '../cardiac/cine';
import type { Clock } from '../repositories/annotations';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import { ReleaseRepository } from '../repositories/releases';
import type { DB } from '../sql/tables';
import { readLabelVolume } from '../workflow/metrics';
import { readConfig } from '../workflow/repository';
import { releaseConsensus } from './consensus';
import { assertFoldableSubjects, trainingOptions } from './training-options';
import { selectReleaseItems } from './selection';
import { releaseDb } from './tables';

type ParsedRequest = ReturnType<typeof ReleaseBuildRequest.parse>;
type Assembled = Omit<ReleasePreview, 'items' | 'labels'> & { items: Array<Omit<ManifestItem, 'split'> & { split: ReleaseSplit | null }>; manifest: Omit<ReleaseManifestV2, 'items' | 'excluded'> };

/** Hashes without storing: what a preview uses, so looking never writes. */
const hashOnly: Pick<BlobStore, 'put'> = { put: async (bytes) => ({ hash: blobAddress(bytes), size: bytes.length, created: false }) };

/**
 * Builds releases from a project's records: preview (what a filter and splits would release,
 * with exclusions and problems, writing nothing) and build (the same, refused on unreviewed work,
 * a subject in two splits or an item without a split; then the masks and soft labels are stored
 * as blobs and a draft with the canonical format-2 manifest is created).
 */
export class ReleaseBuilder {
  readonly #db: Kysely<DB>;
  readonly #blobs: BlobStore;
  readonly #clock: Clock;

  constructor(db: Kysely<DB>, blobs: BlobStore, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#blobs = blobs;
    this.#clock = options.clock ?? (() => new Date());
  }

  /** The project's consensus method for multi-reader items (binary STAPLE per label unless set). */
  async consensusMethod(projectId: string): Promise<ConsensusMethod> {
    const row = await releaseDb(this.#db).selectFrom('release_settings').select('consensus_method').where('project_id', '=', projectId).executeTakeFirst();
    return row ? ConsensusMethod.parse(row.consensus_method) : 'staple';
  }

  async setConsensusMethod(projectId: string, method: ConsensusMethod, userId: string | null): Promise<ConsensusMethod> {
    const parsed = parseOrThrow(ConsensusMethod, method);
    await readConfig(this.#db, projectId);
    const now = this.#clock();
    await releaseDb(this.#db)
      .insertInto('release_settings')
      .values({ project_id: projectId, consensus_method: parsed, updated_at: now, updated_by: userId })
      .onConflict((c) => c.column('project_id').doUpdateSet({ consensus_method: parsed, updated_at: now, updated_by: userId }))
      .execute();
    return parsed;
  }

  async preview(projectId: string, request: ReleaseBuildRequest): Promise<ReleasePreview> {
    const a = await this.#assemble(projectId, parseOrThrow(ReleaseBuildRequest, request), hashOnly);
    return {
      items: a.items.map((i) => ({ itemId: i.itemId, subjectPseudonym: i.subjectPseudonym, modality: i.modality, split: i.split, readers: readersOf(i), labelKeys: i.labelKeys })),
      excluded: a.excluded,
      unreviewed: a.unreviewed,
      sharedSubjects: a.sharedSubjects,
      consensusMethod: a.consensusMethod,
      labels: a.manifest.labels,
    };
  }

  async build(projectId: string, input: ReleaseBuildRequest): Promise<Release> {
    const request = parseOrThrow(ReleaseBuildRequest, input);
    // Refuse on the records before any blob is written; the second pass stores what the first checked.
    const checked = await this.#assemble(projectId, request, hashOnly);
    if (checked.unreviewed.length > 0 && !request.excludeUnreviewed) {
      throw new DelineateError('DLN_RELEASE_UNREVIEWED', `${checked.unreviewed.length} annotation(s) of the selected items have no accepted, signed revision`, {
        unreviewed: checked.unreviewed.map((u) => `${u.itemId}:${u.annotationId}@${u.version}:${u.reason}`).join(','),
      });
    }
    if (checked.sharedSubjects.length > 0) {
      throw new DelineateError('DLN_RELEASE_SPLIT_OVERLAP', `${checked.sharedSubjects.length} subject(s) have items in more than one split`, {
        subjects: checked.sharedSubjects.map((s) => `${s.subjectPseudonym}:${s.splits.join('+')}`).join(','),
      });
    }
    const unassigned = checked.items.filter((i) => i.split === null);
    if (unassigned.length > 0) {
      throw new DelineateError('DLN_RELEASE_SPLIT_MISSING', `${unassigned.length} item(s) have no split`, { items: unassigned.map((i) => i.itemId).join(',') });
    }
    if (checked.items.length === 0) throw new DelineateError('DLN_RELEASE_EMPTY', 'No item of the project matches the release filter');
    if (request.crossValidation) assertFoldableSubjects(checked.items);
    const a = await this.#assemble(projectId, request, this.#blobs);
    const manifest: ReleaseManifestV2 = { ...a.manifest, items: a.items.map((i) => ({ ...i, split: i.split! })), excluded: a.excluded };
    return new ReleaseRepository(this.#db, { clock: this.#clock }).createDraft({ projectId, name: request.name, manifest });
  }

  async #assemble(projectId: string, request: ParsedRequest, blobs: Pick<BlobStore, 'put'>): Promise<Assembled> {
    const config = await readConfig(this.#db, projectId);
    const schema = await new LabelSchemaRepository(this.#db).get(config.labelSchema.id, config.labelSchema.version);
    const labels = schema.labels.map((l) => ({ key: l.key, value: l.value, name: l.name }));
    const consensusMethod = await this.consensusMethod(projectId);
    const selection = await selectReleaseItems(this.#db, projectId, request.filter);
    const excluded = [...selection.excluded];
    const splitOf = new Map(request.splits.map((s) => [s.itemId, s.split]));
    const items: Assembled['items'] = [];
    // A cine is measured and exported in the cardiac map its schema version names; without one it cannot be released.
    const cineMap = selection.candidates.some((c) => c.cine) ? (await labelConventionsOf(this.#db, config.labelSchema.id, config.labelSchema.version)).labelMap : undefined;
    for (const { cine: shape, ...c } of selection.candidates) {
      if (c.video) {
        const labelKeys = labels.filter((l) => c.video!.tracks.some((t) => t.maskIndexHash !== null && t.labelValue === l.value)).map((l) => l.key);
        if (request.filter.labelKeys?.some((k) => !labelKeys.includes(k))) {
          excluded.push({ itemId: c.itemId, reason: 'label_absent' });
          continue;
        }
        // A video's released "mask" is its tracks at their versions: the masks stay on the tiled path they were saved to.
        const maskHash = (await blobs.put(new TextEncoder().encode(canonicalJson({ videoId: c.video.videoId, frameTableHash: c.video.frameTableHash, tracks: c.video.tracks })))).hash;
        items.push({ ...c, revisions: [], split: splitOf.get(c.itemId) ?? request.defaultSplit ?? null, maskHash, labelKeys, consensus: null });
        continue;
      }
      const grid = gridOf(c.geometry.dims, c.geometry.spacing);
      const refs = c.readings.map((r) => ({ annotationId: r.annotationId, version: r.released }));
      const volumes: Uint8Array[] = [];
      for (const ref of refs) volumes.push(await readLabelVolume(this.#db, this.#blobs, ref, grid));
      let mask = volumes[0]!;
      let consensus: ManifestItem['consensus'] = null;
      if (volumes.length > 1) ({ mask, consensus } = await releaseConsensus(blobs, consensusMethod, refs, volumes, labels));
      const labelKeys = labels.filter((l) => mask.includes(l.value)).map((l) => l.key);
      if (request.filter.labelKeys?.some((k) => !labelKeys.includes(k))) {
        excluded.push({ itemId: c.itemId, reason: 'label_absent' });
        continue;
      }
      const maskHash = (await blobs.put(encodeRle8(mask))).hash;
      const cine = shape && cineMap ? { cine: { ...shape, labelMap: cineMap } } : {};
      items.push({ ...c, ...cine, revisions: refs, split: splitOf.get(c.itemId) ?? request.defaultSplit ?? null, maskHash, labelKeys, consensus });
    }
    const splitsBySubject = new Map<string, Set<ReleaseSplit>>();
    for (const i of items) if (i.split) splitsBySubject.set(i.subjectPseudonym, (splitsBySubject.get(i.subjectPseudonym) ?? new Set()).add(i.split));
    const sharedSubjects = [...splitsBySubject.entries()].filter(([, s]) => s.size > 1).map(([subjectPseudonym, s]) => ({ subjectPseudonym, splits: [...s].sort() }));
    excluded.sort((x, y) => (x.itemId < y.itemId ? -1 : x.itemId > y.itemId ? 1 : 0));
    return {
      items,
      excluded,
      unreviewed: selection.unreviewed,
      sharedSubjects,
      consensusMethod,
      manifest: { format: 2, projectId, labelSchema: config.labelSchema, reviewProtocol: config.reviewProtocol, labels, filter: request.filter, consensusMethod, ...trainingOptions(request) },
    };
  }
}

/** Readers of an item: its readings, or for a video the distinct authors of its tracks. */
function readersOf(item: Pick<ManifestItem, 'readings' | 'video'>): number {
  return item.video ? new Set(item.video.tracks.map((t) => t.authorId)).size : item.readings.length;
}
