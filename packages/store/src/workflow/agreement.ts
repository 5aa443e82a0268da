import { agreementOfVotes, countTiledLabelPatterns, mapAlignedTiles, RLE8, staplePatterns, tiledStaplePatterns, tiledVoteHistogram } from '@delineate/core';
import { DelineateError, type RevisionRef } from '@delineate/schema';
import { randomUUID } from 'node:crypto';
import type { Insertable, Kysely } from 'kysely';
import type { BlobStore } from '../blob/types';
import type { Clock } from '../repositories/annotations';
import { AnnotationRepository } from '../repositories/annotations';
import { LabelSchemaRepository } from '../repositories/label-schemas';
import type { DB } from '../sql/tables';
import { withTransaction } from '../sql/transaction';
import { itemGrid } from './grid';
import { finiteOrNull, labelHd95, readLabelVolume, tiledPairOverlap } from './metrics';
import { RevisionTileReader } from '../masks/revision-tiles';
import { readConfig } from './repository';
import { workflowDb, type WorkflowAgreementsTable } from './tables';

/** One pair of readers (indexes into `inputs`), reference first. */
export interface AgreementPair {
  readonly a: number;
  readonly b: number;
  readonly dice: number | null;
  readonly hd95Mm: number | null;
}

/** The agreement of one label on one sampled item, with the revisions it used. */
export interface ItemLabelAgreement {
  readonly id: string;
  readonly itemId: string;
  readonly labelKey: string;
  readonly labelValue: number;
  readonly inputs: RevisionRef[];
  readonly pairs: AgreementPair[];
  readonly fleissKappa: number | null;
  readonly krippendorffAlpha: number | null;
  readonly meanDice: number | null;
  /** STAPLE consensus (posterior ≥ 0.5 carries the label value), rle. */
  readonly consensusHash: string;
  /** Soft label: per voxel the number of readers who gave the label (probability = votes / readers), rle. */
  readonly softHash: string;
  readonly maskEncoding: typeof RLE8;
  readonly staple: { sensitivity: number[]; specificity: number[]; iterations: number; converged: boolean; fieldOfViewVoxels: number };
  readonly jobId: string | null;
  readonly createdAt: string;
}

export type AgreementCategory = 'high' | 'low';

/** Per label over the project's sampled items: which labels agree well, by the configured thresholds. */
export interface AgreementCategoryReport {
  readonly thresholds: { dice: number; fleissKappa: number };
  readonly labels: Array<{
    labelKey: string;
    items: number;
    meanDice: number | null;
    meanFleissKappa: number | null;
    category: AgreementCategory;
  }>;
  readonly items: ItemLabelAgreement[];
}

/**
 * Runs the agreement engine on a sampled item whose readers have all submitted: per label of
 * the pinned schema present in any reader's mask, pairwise Dice and HD95 (surfel, 95th
 * percentile), Fleiss' kappa and Krippendorff's alpha over the image, STAPLE consensus and the
 * vote map, both stored as rle blobs. Re-running replaces the item's results.
 */
export async function computeItemAgreement(
  db: Kysely<DB>,
  blobs: Pick<BlobStore, 'get' | 'put'>,
  input: { itemId: string; jobId?: string | null },
  clock: Clock = () => new Date(),
): Promise<ItemLabelAgreement[]> {
  const w = workflowDb(db);
  const sample = await w.selectFrom('workflow_samples').selectAll().where('item_id', '=', input.itemId).executeTakeFirst();
  if (!sample?.sampled) throw new DelineateError('DLN_CONFLICT', 'The item is not in the agreement sample');
  const readers = await w
    .selectFrom('workflow_tasks as wt')
    .innerJoin('tasks as t', 't.id', 'wt.task_id')
    .select(['wt.annotation_id', 'wt.first_submitted_version'])
    .where('wt.item_id', '=', input.itemId)
    .where('wt.stage', '=', 'annotate')
    .orderBy('t.created_at')
    .orderBy('t.id')
    .execute();
  const inputs: RevisionRef[] = [];
  for (const r of readers) {
    if (!r.annotation_id || r.first_submitted_version === null) throw new DelineateError('DLN_CONFLICT', 'Not every reader of the item has submitted');
    inputs.push({ annotationId: r.annotation_id, version: r.first_submitted_version });
  }
  if (inputs.length < 2) throw new DelineateError('DLN_CONFLICT', 'Agreement needs at least two readers');
  const config = await readConfig(db, sample.project_id);
  const schema = await new LabelSchemaRepository(db).get(config.labelSchema.id, config.labelSchema.version);
  const grid = await itemGrid(db, input.itemId);
  const annotations = new AnnotationRepository(db);
  // Overlap, kappa, STAPLE and votes are sums over the readers' tiles (one pass); only HD95 decodes volumes.
  const reader = new RevisionTileReader(db, blobs);
  const aligned = await reader.aligned(inputs);
  const counts = await countTiledLabelPatterns(aligned.grid, inputs.length, aligned.tiles(), schema.labels.map((l) => l.value));
  const present = new Set(counts.present.flatMap((p) => [...p]));
  let volumes: Uint8Array[] | undefined;
  const decoded = async (): Promise<Uint8Array[]> => {
    if (!volumes) {
      volumes = [];
      for (const ref of inputs) volumes.push(await readLabelVolume(db, blobs, await annotations.getRevision(ref.annotationId, ref.version), grid));
    }
    return volumes;
  };
  const now = clock();

  const rows: Insertable<WorkflowAgreementsTable>[] = [];
  for (const label of schema.labels) {
    if (!present.has(label.value)) continue;
    const pairs: AgreementPair[] = [];
    for (let a = 0; a < inputs.length; a++)
      for (let b = a + 1; b < inputs.length; b++) {
        const hd95Mm = labelHd95(grid, (await decoded())[a]!, (await decoded())[b]!, label.value);
        pairs.push({ a, b, dice: tiledPairOverlap(counts, label.value, a, b).dice, hd95Mm });
      }
    const kappa = agreementOfVotes(tiledVoteHistogram(counts, label.value));
    const patterns = tiledStaplePatterns(counts, label.value);
    const st = staplePatterns(patterns);
    // A voxel's posterior is its pattern's, kept as float32 as the whole-volume STAPLE keeps it.
    const posterior = new Map([...patterns.codes].map((code, k) => [code, Math.fround(st.posterior[k]!)]));
    const codeOf = (values: Uint8Array): number => {
      let code = 0;
      for (let m = 0; m < values.length; m++) if (values[m] === label.value) code |= 1 << m;
      return code;
    };
    const consensus = await mapAlignedTiles(aligned.grid, inputs.length, aligned.tiles(), (v) => ((posterior.get(codeOf(v)) ?? 0) >= 0.5 ? label.value : 0));
    const soft = await mapAlignedTiles(aligned.grid, inputs.length, aligned.tiles(), (v) => {
      let votes = 0;
      for (let m = 0; m < v.length; m++) if (v[m] === label.value) votes++;
      return votes;
    });
    const consensusBlob = await blobs.put(consensus);
    const softBlob = await blobs.put(soft);
    const dices = pairs.map((p) => p.dice).filter((d): d is number => d !== null);
    rows.push({
      id: randomUUID(),
      project_id: sample.project_id,
      item_id: input.itemId,
      label_key: label.key,
      label_value: label.value,
      inputs: JSON.stringify(inputs),
      pairs: JSON.stringify(pairs),
      fleiss_kappa: finiteOrNull(kappa.fleissKappa),
      krippendorff_alpha: finiteOrNull(kappa.krippendorffAlpha),
      mean_dice: dices.length ? dices.reduce((s, d) => s + d, 0) / dices.length : null,
      consensus_hash: consensusBlob.hash,
      soft_hash: softBlob.hash,
      mask_encoding: RLE8,
      staple: JSON.stringify({
        sensitivity: [...st.sensitivity],
        specificity: [...st.specificity],
        iterations: st.iterations,
        converged: st.converged,
        fieldOfViewVoxels: st.fieldOfView.voxels,
      }),
      job_id: input.jobId ?? null,
      created_at: now,
    });
  }
  await withTransaction(db, async (tx) => {
    await workflowDb(tx).deleteFrom('workflow_agreements').where('item_id', '=', input.itemId).execute();
    if (rows.length > 0) await workflowDb(tx).insertInto('workflow_agreements').values(rows).execute();
  });
  return listAgreements(db, { itemId: input.itemId });
}

export async function listAgreements(db: Kysely<DB>, filter: { projectId?: string; itemId?: string }): Promise<ItemLabelAgreement[]> {
  let query = workflowDb(db).selectFrom('workflow_agreements').selectAll();
  if (filter.projectId) query = query.where('project_id', '=', filter.projectId);
  if (filter.itemId) query = query.where('item_id', '=', filter.itemId);
  const rows = await query.orderBy('item_id').orderBy('label_value').execute();
  return rows.map((r) => ({
    id: r.id,
    itemId: r.item_id,
    labelKey: r.label_key,
    labelValue: r.label_value,
    inputs: r.inputs as RevisionRef[],
    pairs: r.pairs as AgreementPair[],
    fleissKappa: r.fleiss_kappa,
    krippendorffAlpha: r.krippendorff_alpha,
    meanDice: r.mean_dice,
    consensusHash: r.consensus_hash,
    softHash: r.soft_hash,
    maskEncoding: RLE8,
    staple: r.staple as ItemLabelAgreement['staple'],
    jobId: r.job_id,
    createdAt: new Date(r.created_at).toISOString(),
  }));
}

function mean(values: readonly (number | null)[]): number | null {
  const kept = values.filter((v): v is number => v !== null);
  return kept.length ? kept.reduce((s, v) => s + v, 0) / kept.length : null;
}

/**
 * The project's agreement report: per label, the mean over sampled items of the mean pairwise
 * Dice and of Fleiss' kappa; `high` when both reach the configured thresholds.
 */
export async function agreementReport(db: Kysely<DB>, projectId: string): Promise<AgreementCategoryReport> {
  const config = await readConfig(db, projectId);
  const items = await listAgreements(db, { projectId });
  const byLabel = new Map<string, ItemLabelAgreement[]>();
  for (const r of items) byLabel.set(r.labelKey, [...(byLabel.get(r.labelKey) ?? []), r]);
  const thresholds = config.agreementThresholds;
  const labels = [...byLabel.entries()].map(([labelKey, rs]) => {
    const meanDice = mean(rs.map((r) => r.meanDice));
    const meanFleissKappa = mean(rs.map((r) => r.fleissKappa));
    const high = meanDice !== null && meanFleissKappa !== null && meanDice >= thresholds.dice && meanFleissKappa >= thresholds.fleissKappa;
    return { labelKey, items: rs.length, meanDice, meanFleissKappa, category: (high ? 'high' : 'low') as AgreementCategory };
  });
  return { thresholds, labels, items };
}
