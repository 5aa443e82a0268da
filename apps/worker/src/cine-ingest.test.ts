import { describe, expect, it } from 'vitest';
import { cineClassicInstances, cineEnhancedInstance, cinePhantom } from '@delineate/formats';
import { cardiacDb, ItemRepository, testing } from '@delineate/store';
import { dciodvfyAvailable } from '@delineate/testkit';
import { ingestDicom, type IngestOptions } from './ingest';
import { projectDeidSettings } from './project-deid';
import { useGateBed } from './test/gate-bed';

// SliceThickness 3 mm while the positions lie 10 mm apart: the spacing must come from the positions.
const phantomOptions = { slices: 4, phases: 3, rows: 24, columns: 24, pixelSpacing: 7, sliceThickness: 3 } as const;

describe.runIf(dciodvfyAvailable())('cine ingest through the gate', () => {
  const bed = useGateBed('dln-cine-ingest-');
  const deps = () => ({ database: bed.database, blobs: bed.blobs, clock: () => new Date() });
  const optionsFor = async (projectId: string): Promise<IngestOptions> => ({ projectId, ...(await projectDeidSettings(deps(), projectId)), validator: bed.validator });

  async function seriesOf(itemId: string) {
    const item = await new ItemRepository(bed.database.db).getItem(itemId);
    expect(item.target.kind).toBe('cine_volume');
    const seriesId = item.target.kind === 'cine_volume' ? item.target.seriesId : '';
    const series = await bed.database.db.selectFrom('series').select(['slices', 'spacing', 'frame_order', 'slice_thickness']).where('id', '=', seriesId).executeTakeFirstOrThrow();
    const cine = await cardiacDb(bed.database.db).selectFrom('cine_series').selectAll().where('series_id', '=', seriesId).executeTakeFirstOrThrow();
    return { seriesId, series, cine };
  }

  it('makes one 4-D item of classic MR images, ordered by position and trigger time, spaced by positions', { timeout: 120_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database, 'cine-classic');
    const phantom = cinePhantom({ ...phantomOptions, seed: 5 });
    const files = cineClassicInstances(phantom);
    // Shuffled input: order must come from the headers.
    const shuffled = [...files].reverse();
    const report = await ingestDicom(deps(), shuffled.map((f) => f.bytes), await optionsFor(projectId));
    expect(report).toMatchObject({ passed: 12, rejected: 0, quarantined: 0 });
    expect(report.items).toHaveLength(1);
    const { seriesId, series, cine } = await seriesOf(report.items[0]!.itemId);
    expect(series.slices).toBe(12);
    expect(series.spacing![2]).toBeCloseTo(10, 4);
    expect(series.spacing![0]).toBeCloseTo(7, 6);
    expect(cine).toMatchObject({ slices: 4, phases: 3, trigger_times: phantom.triggerTimes });
    // Plane phase·slices + slice holds the image of that slice and phase: compare instance numbers
    // of the stored planes with the de-identified instances the report names, by source order.
    const instances = await new ItemRepository(bed.database.db).listInstances(seriesId);
    expect(instances).toHaveLength(12);
    const recordOf = new Map(report.files.map((f) => [f.index, f.recordId]));
    const hashes = await bed.database.db.selectFrom('deid_records').select(['id', 'output_hash']).where('project_id', '=', projectId).execute();
    const hashOfRecord = new Map(hashes.map((h) => [h.id, h.output_hash]));
    for (const [input, file] of shuffled.entries()) {
      const plane = file.phase * 4 + file.slice;
      expect(instances[plane]!.blobHash).toBe(hashOfRecord.get(recordOf.get(input)!));
    }
  });

  it('makes one 4-D item of an Enhanced MR cine, its frame order from stack and temporal position', { timeout: 120_000 }, async () => {
    const projectId = await testing.createDemoProject(bed.database, 'cine-enhanced');
    const phantom = cinePhantom({ ...phantomOptions, seed: 6 });
    const report = await ingestDicom(deps(), [cineEnhancedInstance(phantom).bytes], await optionsFor(projectId));
    expect(report).toMatchObject({ passed: 1, rejected: 0, quarantined: 0 });
    const { series, cine } = await seriesOf(report.items[0]!.itemId);
    expect(series.slices).toBe(12);
    expect(series.spacing![2]).toBeCloseTo(10, 4);
    // The generator stores frames phase by phase, so the stack's planes are its frames in order.
    expect(series.frame_order).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(cine).toMatchObject({ slices: 4, phases: 3, trigger_times: phantom.triggerTimes });
  });
});
