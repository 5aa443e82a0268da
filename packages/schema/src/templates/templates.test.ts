import { describe, expect, it } from 'vitest';
import { Label, LabelSchemaInput } from '../label-schema';
import { labelSchemaTemplate, labelSchemaTemplates, schemaFromTemplate } from './templates';

/** Verhoeff check digit (SNOMED CT identifiers end in one). */
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];
function verhoeffValid(digits: string): boolean {
  let c = 0;
  [...digits].reverse().forEach((ch, i) => {
    c = D[c]?.[P[i % 8]?.[Number(ch)] ?? 0] ?? 0;
  });
  return c === 0;
}

/** A SNOMED CT concept id: 6 to 18 digits, partition 00 or 10 (concept), Verhoeff check digit. */
function wellFormedSct(value: string): boolean {
  return /^[1-9][0-9]{5,17}$/.test(value) && ['00', '10'].includes(value.slice(-3, -1)) && verhoeffValid(value);
}

describe('label-schema templates', () => {
  const templates = labelSchemaTemplates();

  it('ships the radiotherapy library and the demo liver schema, each parsing as a label schema', () => {
    expect(templates.map((t) => `${t.id}@${t.version}`)).toEqual([
      'rt-target-volumes@1',
      'rt-head-neck@1',
      'rt-head-neck@2',
      'rt-thorax@1',
      'rt-thorax@2',
      'rt-pelvis-male@1',
      'rt-pelvis-male@2',
      'rt-pelvis-female@1',
      'rt-pelvis-female@2',
      'brats-subregions@1',
      'liver-ct@1',
      'cardiac-cine-acdc@1',
      'cardiac-cine-mnms@1',
    ]);
    for (const t of templates) expect(LabelSchemaInput.safeParse(schemaFromTemplate(t)).success).toBe(true);
  });

  it('writes every code well formed in its coding scheme', () => {
    for (const t of templates)
      for (const label of t.labels)
        for (const code of [label.concept, label.category]) {
          const where = `${t.id} ${label.key} ${code.value}`;
          if (code.scheme === 'SCT') expect(wellFormedSct(code.value), where).toBe(true);
          else if (code.scheme === 'DCM') expect(code.value, where).toMatch(/^1[0-9]{5}$/);
          else expect(code.scheme === 'LOCAL' && /^[A-Z0-9]+(-[A-Z0-9]+)*$/.test(code.value), where).toBe(true);
        }
  });

  it('catches a mistyped SNOMED CT code', () => {
    expect(wellFormedSct('228791009')).toBe(true);
    expect(wellFormedSct('228791008')).toBe(false);
    expect(wellFormedSct('228719009')).toBe(false);
  });

  it('gives every label a definition, rules, a cited guideline and, in RT templates, an RT ROI type', () => {
    for (const t of templates)
      for (const label of t.labels) {
        expect(label.definition.length, label.key).toBeGreaterThan(20);
        expect(label.inclusion.length + label.exclusion.length, label.key).toBeGreaterThan(0);
        expect(label.referenceStandard.citation, label.key).toMatch(/\d{4}/);
        if (t.id.startsWith('rt-')) expect(label.rtRoiInterpretedType, label.key).toBeDefined();
      }
    const targets = labelSchemaTemplate('rt-target-volumes').labels.map((l) => [l.key, l.rtRoiInterpretedType, l.concept.value]);
    expect(targets).toEqual([
      ['gtv_primary', 'GTV', '130052'],
      ['gtv_nodal', 'GTV', '130051'],
      ['ctv', 'CTV', '228792002'],
      ['itv', 'ITV', '130056'],
      ['ptv', 'PTV', '228793007'],
    ]);
  });

  it('records the template and version in the schema it creates, and refuses unknown templates', () => {
    const input = schemaFromTemplate(labelSchemaTemplate('rt-head-neck', 1), 'H&N study');
    expect(input.template).toEqual({ id: 'rt-head-neck', version: 1 });
    expect(labelSchemaTemplate('rt-head-neck').version).toBe(2);
    expect(input.name).toBe('H&N study');
    expect(() => labelSchemaTemplate('rt-head-neck', 9)).toThrow(expect.objectContaining({ code: 'DLN_TEMPLATE_NOT_FOUND' }));
  });

  it('gives organs at risk in version 2 the FMA identifier beside their SNOMED CT code, only where known for certain', () => {
    const fmaOf = (id: string) => Object.fromEntries(labelSchemaTemplate(id, 2).labels.filter((l) => l.fma).map((l) => [l.key, l.fma!.id]));
    expect(fmaOf('rt-thorax')).toEqual({
      lung_left: 'FMA:7310',
      lung_right: 'FMA:7309',
      heart: 'FMA:7088',
      esophagus: 'FMA:7131',
      spinal_cord: 'FMA:7647',
      trachea: 'FMA:7394',
      brachial_plexus: 'FMA:5906',
    });
    expect(fmaOf('rt-head-neck')).toMatchObject({ brainstem: 'FMA:79876', mandible: 'FMA:52748', parotid_left: 'FMA:59790', optic_chiasm: 'FMA:62045', cochlea_right: 'FMA:60201' });
    expect(fmaOf('rt-pelvis-male')).toMatchObject({ bladder: 'FMA:15900', rectum: 'FMA:14544', prostate: 'FMA:9600', seminal_vesicles: 'FMA:19386' });
    // Organs left without one (no identifier we could verify): listed, so a reviewer can add them in a later version.
    const without = ['rt-head-neck', 'rt-thorax', 'rt-pelvis-male', 'rt-pelvis-female'].flatMap((id) =>
      labelSchemaTemplate(id, 2).labels.filter((l) => l.rtRoiInterpretedType === 'ORGAN' && !l.fma).map((l) => `${id}:${l.key}`),
    );
    expect(without).toEqual([
      'rt-head-neck:eye_left',
      'rt-head-neck:eye_right',
      'rt-head-neck:pharyngeal_constrictors',
      'rt-thorax:proximal_bronchial_tree',
      'rt-pelvis-male:bowel_bag',
      'rt-pelvis-male:femoral_head_left',
      'rt-pelvis-male:femoral_head_right',
      'rt-pelvis-male:penile_bulb',
      'rt-pelvis-female:bowel_bag',
      'rt-pelvis-female:femoral_head_left',
      'rt-pelvis-female:femoral_head_right',
    ]);
    // Version 2 changes nothing else: the same structures, codes and colours as version 1.
    for (const id of ['rt-head-neck', 'rt-thorax', 'rt-pelvis-male', 'rt-pelvis-female']) {
      const strip = (v: number) => labelSchemaTemplate(id, v).labels.map(({ fma: _fma, ...rest }) => rest);
      expect(strip(2), id).toEqual(strip(1));
    }
  });

  it('refuses a malformed FMA identifier', () => {
    const label = labelSchemaTemplate('rt-thorax', 2).labels.find((l) => l.key === 'heart')!;
    expect(Label.safeParse({ ...label, fma: { id: 'FMA:7088', name: 'Heart' } }).success).toBe(true);
    for (const id of ['7088', 'FMA:', 'FMA:07088', 'fma:7088', 'FMA:12345678']) expect(Label.safeParse({ ...label, fma: { id, name: 'Heart' } }).success, id).toBe(false);
  });
});
