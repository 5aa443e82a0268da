import { describe, expect, it } from 'vitest';
import type { RegionAgreement } from '../../pathology/agreement';
import { pathologySection } from './variability';

describe('the variability document: slide regions', () => {
  it('shows detection F1, count ICC and tissue Dice per reader pair in words', () => {
    const region: RegionAgreement = {
      regionId: '00000000-0000-4000-8000-000000000001',
      itemId: '00000000-0000-4000-8000-000000000002',
      readers: [{ taskId: 't1', readerId: 'u1' }, { taskId: 't2', readerId: 'u2' }],
      cells: [{ classKey: 'mitotic_figure', className: 'Mitotic figure', radiusUm: 4, pairs: [{ a: 0, b: 1, matched: 2, countA: 4, countB: 4, precision: 0.5, recall: 0.5, f1: 0.5 }], countIcc: 1, consensus: [{ x: 1, y: 2, votes: 2 }] }],
      tissue: [{ labelKey: 'tumour', labelName: 'Tumour', magnification: 40, pairs: [{ a: 0, b: 1, dice: null }] }],
    };
    const section = pathologySection([region]);
    expect(section.heading).toBe('Slide regions: cells and tissue');
    const [, cells, tissue] = section.blocks;
    expect(cells).toMatchObject({ kind: 'table', rows: [['Region 1', 'Mitotic figure', '4.0', 'Reader 1 / Reader 2', '2', '0.500', '0.500', '0.500', '1.000', '1']] });
    expect(tissue).toMatchObject({ kind: 'table', rows: [['Region 1', 'Tumour', '40×', 'Reader 1 / Reader 2', '—']] });
  });
});
