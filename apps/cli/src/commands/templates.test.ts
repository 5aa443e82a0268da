import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelSchemaTemplates } from '@delineate/schema';
import { LabelSchemaRepository, openDatabase } from '@delineate/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main';
import { templateListing } from './templates';

describe('delineate templates', () => {
  let dataDir = '';
  const saved = process.env.DELINEATE_DATA;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'delineate-templates-'));
    process.env.DELINEATE_DATA = dataDir;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.DELINEATE_DATA;
    else process.env.DELINEATE_DATA = saved;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('lists every template version with its label count', () => {
    const text = templateListing(labelSchemaTemplates());
    expect(text).toContain('rt-head-neck@1\t');
    expect(text).toContain('brats-subregions@1\t3 labels\t');
    expect(text.trim().split('\n')).toHaveLength(labelSchemaTemplates().length);
  });

  it('creates a schema from a template in the database, recording the template, and refuses unknown ones', { timeout: 300_000 }, async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['templates', 'create', 'rt-thorax', '--name', 'Lung SBRT'])).toBe(0);
      const printed = JSON.parse(String(out.mock.calls.at(-1)?.[0])) as { id: string; template: unknown };
      expect(printed.template).toEqual({ id: 'rt-thorax', version: 2 });
      expect(await main(['templates', 'create', 'rt-nowhere'])).not.toBe(0);
      expect(String(err.mock.calls.at(-1)?.[0])).toMatch(/template/i);
      const database = await openDatabase({ dataDir });
      try {
        const schema = await new LabelSchemaRepository(database.db).get(printed.id);
        expect([schema.name, schema.template]).toEqual(['Lung SBRT', { id: 'rt-thorax', version: 2 }]);
      } finally {
        await database.close();
      }
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
  });
});
