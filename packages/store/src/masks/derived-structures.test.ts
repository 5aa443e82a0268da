import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cutRle8, decodeRle8, encodeRle8 } from '@delineate/core';
import { DelineateError, labelSchemaTemplate } from '@delineate/schema';
import { afterEach, expect, it } from 'vitest';
import { BlobKey } from '../blob/key';
import { LocalBlobStore } from '../blob/local';
import { AnnotationRepository } from '../repositories/annotations';
import { describeStore } from '../test/describe-store';
import { seedProject } from '../test/fixtures';
import { deriveStructureRevision, detachDerivedStructure, listDerivedStructures, refreshAfterSave, refreshDerivedStructures } from './derived-structures';

const labels = labelSchemaTemplate('rt-target-volumes').labels;
const value = (key: string) => labels.find((l) => l.key === key)!.value;
// A 1-D row of 41 voxels of 1 mm along x.
const [N, GTV, CTV, PTV] = [41, value('gtv_primary'), value('ctv'), value('ptv')];
const margin = (mm: number) => ({ minusX: mm, plusX: mm, minusY: mm, plusY: mm, minusZ: mm, plusZ: mm });
const ctvRecipe = { kind: 'margin' as const, sources: ['gtv_primary'], margin: margin(3), clips: [] };
const ptvRecipe = { kind: 'margin' as const, sources: ['gtv_primary', 'ctv'], margin: margin(2), clips: [] };

let dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  dirs = [];
});

/** The runs of a row: "value×length" joined by spaces. */
function runs(row: Uint8Array): string {
  const out: string[] = [];
  for (let i = 0; i < row.length; ) {
    let j = i;
    while (j < row.length && row[j] === row[i]) j++;
    out.push(`${row[i]}×${j - i}`);
    i = j;
  }
  return out.join(' ');
}

describeStore('derived structures', (getDb) => {
  async function setup() {
    const { db } = getDb();
    const seed = await seedProject(db, `-rt-${Math.random()}`);
    await db.insertInto('label_schema_versions').values({ schema_id: seed.labelSchemaId, version: 2, labels: JSON.stringify(labels) }).execute();
    const item = await db.selectFrom('items').select('series_id').where('id', '=', seed.itemId).executeTakeFirstOrThrow();
    await db.updateTable('series').set({ rows: 1, columns: N, slices: 1, spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] }).where('id', '=', item.series_id!).execute();
    const dir = await mkdtemp(join(tmpdir(), 'dln-derive-'));
    dirs.push(dir);
    const repo = new AnnotationRepository(db, { blobs: new LocalBlobStore({ dir, key: BlobKey.generate() }) });
    const annotation = await repo.create({ projectId: seed.projectId, itemId: seed.itemId, labelSchema: { id: seed.labelSchemaId, version: 2 } });
    const author = { kind: 'user' as const, userId: seed.userId };
    const draw = async (row: Uint8Array, expectedVersion: number) => {
      const grid = await repo.tileGrid(annotation.id);
      const cut = cutRle8(grid, encodeRle8(row));
      if (!cut.ok) throw new Error('cut');
      return (await repo.saveTiledRevision({ annotationId: annotation.id, expectedVersion, author, source: 'human', grid, tiles: cut.tiles, whole: true })).revision.version;
    };
    const read = async (version: number) => {
      const decoded = decodeRle8(await repo.readMask(annotation.id, version), N);
      if (!decoded.ok) throw new Error(decoded.reason);
      return decoded.voxels;
    };
    return { db, repo, annotation, author, draw, read };
  }

  it('derives CTV and PTV from a GTV, records the recipes, and recomputes them when the GTV changes', async () => {
    const { db, repo, annotation, author, draw, read } = await setup();
    const gtv = new Uint8Array(N);
    gtv.fill(GTV, 18, 23); // x = 18..22
    const v1 = await draw(gtv, 0);
    const ctv = await deriveStructureRevision(db, repo, { annotationId: annotation.id, target: 'ctv', recipe: ctvRecipe, expectedVersion: v1, author });
    const ptv = await deriveStructureRevision(db, repo, { annotationId: annotation.id, target: 'ptv', recipe: ptvRecipe, expectedVersion: ctv.revision.version, author });
    // A 3 mm margin reaches 3 voxels (plus a quarter voxel), the 2 mm PTV margin 2 more.
    expect(runs(await read(ptv.revision.version))).toBe(`0×13 ${PTV}×2 ${CTV}×3 ${GTV}×5 ${CTV}×3 ${PTV}×2 0×13`);
    expect((await listDerivedStructures(db, annotation.id)).map((s) => [s.target, s.recipe.kind, s.editedVersion])).toEqual([
      ['ctv', 'margin', null],
      ['ptv', 'margin', null],
    ]);

    // The annotator widens the GTV to the left by two voxels (over the CTV ring).
    const wider = await read(ptv.revision.version);
    wider.fill(GTV, 16, 18);
    const v4 = await draw(wider, ptv.revision.version);
    const refreshed = await refreshDerivedStructures(db, repo, { annotationId: annotation.id, expectedVersion: v4, author });
    expect(refreshed.structures).toEqual([
      { target: 'ctv', state: 'recomputed' },
      { target: 'ptv', state: 'recomputed' },
    ]);
    expect(runs(await read(refreshed.revision!.version))).toBe(`0×11 ${PTV}×2 ${CTV}×3 ${GTV}×7 ${CTV}×3 ${PTV}×2 0×13`);
    // Nothing changed since: a second refresh writes nothing.
    expect((await refreshDerivedStructures(db, repo, { annotationId: annotation.id, expectedVersion: refreshed.revision!.version, author })).revision).toBeNull();
  });

  it('leaves a derived structure the annotator edited as drawn, and records the edit', async () => {
    const { db, repo, annotation, author, draw, read } = await setup();
    const gtv = new Uint8Array(N);
    gtv.fill(GTV, 18, 23);
    const v1 = await draw(gtv, 0);
    const ctv = await deriveStructureRevision(db, repo, { annotationId: annotation.id, target: 'ctv', recipe: ctvRecipe, expectedVersion: v1, author });
    const edited = await read(ctv.revision.version);
    edited[30] = CTV; // the annotator extends the CTV by hand
    edited.fill(GTV, 17, 18);
    const v3 = await draw(edited, ctv.revision.version);
    const refreshed = await refreshDerivedStructures(db, repo, { annotationId: annotation.id, expectedVersion: v3, author });
    expect(refreshed).toEqual({ revision: null, structures: [{ target: 'ctv', state: 'edited' }] });
    expect((await listDerivedStructures(db, annotation.id))[0]?.editedVersion).toBe(v3);
    expect((await repo.get(annotation.id)).headVersion).toBe(v3);
  });

  it('refuses recipes that name unknown labels or their own target, writing nothing', async () => {
    const { db, repo, annotation, author, draw } = await setup();
    const v1 = await draw(new Uint8Array(N).fill(GTV, 18, 23), 0);
    const code = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof DelineateError ? e.code : String(e)));
    expect(await code(deriveStructureRevision(db, repo, { annotationId: annotation.id, target: 'ctv', recipe: { ...ctvRecipe, sources: ['mandible'] }, expectedVersion: v1, author }))).toBe('DLN_RT_RECIPE_INVALID');
    expect(await code(deriveStructureRevision(db, repo, { annotationId: annotation.id, target: 'ctv', recipe: { ...ctvRecipe, sources: ['ctv'] }, expectedVersion: v1, author }))).toBe('DLN_RT_RECIPE_INVALID');
    expect((await repo.get(annotation.id)).headVersion).toBe(v1);
    expect(await listDerivedStructures(db, annotation.id)).toEqual([]);
  });

  it('flags an edited structure stale when its source changes after the edit, never overwriting it', async () => {
    const { db, repo, annotation, author, draw, read } = await setup();
    const v1 = await draw(new Uint8Array(N).fill(GTV, 18, 23), 0);
    const ctv = await deriveStructureRevision(db, repo, { annotationId: annotation.id, target: 'ctv', recipe: ctvRecipe, expectedVersion: v1, author });
    const edited = await read(ctv.revision.version);
    edited[30] = CTV;
    const v3 = await draw(edited, ctv.revision.version);
    expect((await refreshAfterSave(db, repo, { annotationId: annotation.id, savedVersion: v3, author, source: 'human' }))?.structures).toEqual([{ target: 'ctv', state: 'edited' }]);
    // The GTV grows after the edit: the CTV is flagged stale and kept as drawn.
    const grown = await read(v3);
    grown.fill(GTV, 23, 25);
    const v4 = await draw(grown, v3);
    const after = await refreshAfterSave(db, repo, { annotationId: annotation.id, savedVersion: v4, author, source: 'human' });
    expect(after).toEqual({ revision: null, structures: [{ target: 'ctv', state: 'stale' }] });
    expect((await listDerivedStructures(db, annotation.id)).map((s) => [s.editedVersion, s.staleVersion])).toEqual([[v3, v4]]);
    expect(runs(await read((await repo.get(annotation.id)).headVersion))).toBe(runs(grown));
    // Deriving again with the same recipe clears the flags and keeps the recipe version; another recipe is version 2.
    const again = await deriveStructureRevision(db, repo, { annotationId: annotation.id, target: 'ctv', recipe: ctvRecipe, expectedVersion: v4, author });
    expect([again.structure.recipeVersion, again.structure.editedVersion, again.structure.staleVersion]).toEqual([1, null, null]);
    const wider = await deriveStructureRevision(db, repo, { annotationId: annotation.id, target: 'ctv', recipe: { ...ctvRecipe, margin: margin(4) }, expectedVersion: again.revision.version, author });
    expect(wider.structure.recipeVersion).toBe(2);
  });

  it('refreshes after a save only while derived structures are attached; a detached one is drawn by hand', async () => {
    const { db, repo, annotation, author, draw, read } = await setup();
    const v1 = await draw(new Uint8Array(N).fill(GTV, 18, 23), 0);
    expect(await refreshAfterSave(db, repo, { annotationId: annotation.id, savedVersion: v1, author, source: 'human' })).toBeNull();
    const ctv = await deriveStructureRevision(db, repo, { annotationId: annotation.id, target: 'ctv', recipe: ctvRecipe, expectedVersion: v1, author });
    const grown = await read(ctv.revision.version);
    grown.fill(GTV, 10, 18);
    const v3 = await draw(grown, ctv.revision.version);
    const refreshed = await refreshAfterSave(db, repo, { annotationId: annotation.id, savedVersion: v3, author, source: 'human' });
    expect(refreshed?.revision?.version).toBe(v3 + 1);
    expect(runs(await read(v3 + 1))).toBe(`0×7 ${CTV}×3 ${GTV}×13 ${CTV}×3 0×15`);
    // A stale If-Match (someone saved after) is not the save's failure: nothing is written.
    expect(await refreshAfterSave(db, repo, { annotationId: annotation.id, savedVersion: v3, author, source: 'human' })).toBeNull();

    const detached = await detachDerivedStructure(db, repo, { annotationId: annotation.id, target: 'ctv' });
    expect(detached.detachedVersion).toBe(v3 + 1);
    const more = await read(v3 + 1);
    more.fill(GTV, 5, 7);
    const v5 = await draw(more, v3 + 1);
    expect(await refreshAfterSave(db, repo, { annotationId: annotation.id, savedVersion: v5, author, source: 'human' })).toBeNull();
    expect((await repo.get(annotation.id)).headVersion).toBe(v5);
    const code = await detachDerivedStructure(db, repo, { annotationId: annotation.id, target: 'ptv' }).then(() => 'ok', (e: unknown) => (e instanceof DelineateError ? e.code : String(e)));
    expect(code).toBe('DLN_RT_DERIVED_NOT_FOUND');
  });
});
