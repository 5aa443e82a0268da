import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireTestData } from '@delineate/testkit';
import { decodeString, getString, readDicomFile, setString, walkDatasets, writeDicomFile } from '@delineate/formats';
import { deidentifyDicom, type DeidConfig, type DeidFileResult } from './pipeline';
import { DerivedPseudonymMap } from './pseudonyms';
import { UidMapper } from './uids';
import { createDciodvfyValidator } from './dciodvfy';
import type { DeidOption } from './options';

const secret = Buffer.from('shared-data-test-secret-000111');
const root = requireTestData('dicom');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

function newConfig(options: DeidOption[], validate: boolean): DeidConfig {
  return {
    secret,
    options: new Set(options),
    pseudonyms: new DerivedPseudonymMap(secret),
    uids: new UidMapper(secret),
    ...(validate ? { validator: createDciodvfyValidator() } : {}),
  };
}

async function runAll(files: readonly string[], config: DeidConfig): Promise<Map<string, DeidFileResult>> {
  const results = new Map<string, DeidFileResult>();
  const queue = [...files];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let path = queue.shift(); path; path = queue.shift()) results.set(path, await deidentifyDicom(readFileSync(path), config));
    }),
  );
  return results;
}

/** Person names and IDs of an input, read independently of the gate (every depth, every component ≥ 5 chars). */
function personValues(bytes: Uint8Array): string[] {
  const values = new Set<string>();
  try {
    const file = readDicomFile(bytes);
    for (const ds of walkDatasets(file.dataset)) {
      for (const e of ds.elements.values()) {
        if (!e.value) continue;
        const text = decodeString(e.value).toLowerCase();
        if (e.vr === 'PN') for (const part of text.split(/[\^=\\]/)) if (part.trim().length >= 5) values.add(part.trim());
        if ([0x00100020, 0x00080050, 0x00080080, 0x00080081].includes(e.tag) && text.length >= 6) values.add(text);
      }
    }
    // The device vocabulary is kept on purpose (composition): a name equal to it is not a leak.
    const device = `${getString(file.dataset, 0x00080070) ?? ''} ${getString(file.dataset, 0x00081090) ?? ''}`.toLowerCase();
    for (const value of values) if (device.includes(value)) values.delete(value);
  } catch {
    // malformed input: nothing to compare
  }
  return [...values];
}

describe('every shared DICOM file through the gate (with dciodvfy)', () => {
  const files = filesUnder(root);
  let results = new Map<string, DeidFileResult>();
  beforeAll(async () => {
    results = await runAll(files, newConfig(['modified-dates'], true));
  }, 120_000);

  it('passes, quarantines with a reason, or rejects with a DLN_ code', () => {
    expect(results.size).toBe(files.length);
    for (const [path, { record, output }] of results) {
      const name = relative(root, path);
      if (record.status === 'rejected') {
        expect(record.findings, name).toEqual([{ stage: 'input', kind: expect.any(String), code: expect.stringMatching(/^DLN_/) }]);
        expect(output, name).toBeUndefined();
      } else if (record.status === 'quarantined') {
        expect(record.findings.length, name).toBeGreaterThan(0);
      } else {
        expect(record.findings, name).toEqual([]);
      }
    }
    const rejected = [...results].filter(([, r]) => r.record.status === 'rejected').map(([p]) => relative(root, p));
    expect(rejected.sort()).toEqual([
      'pydicom/MR_truncated.dcm',
      'pydicom/badVR.dcm', // NumberOfFrames "1A"
      'pydicom/dicomdirtests/DICOMDIR-nooffset', // an item runs past its sequence
      'pydicom/dicomdirtests/README.txt',
      'pydicom/dicomdirtests/TINY_ALPHA/README',
    ]);
    // The ultrasound with a burned-in banner never passes without a pixel stage.
    expect(results.get(join(root, 'deid-data/GREYSCALE_IMAGE.dcm'))?.record.status).toBe('quarantined');
    expect(results.get(join(root, 'pydicom-data/OT-PAL-8-face.dcm'))?.record.status).toBe('quarantined');
    // The whole-slide image keeps its stain and scanner as composition attributes.
    expect(results.get(join(root, 'highdicom/sm_image.dcm'))?.record.composition).toMatchObject({ stain: expect.any(String), scanner: expect.any(String) });
  });

  it('leaves no residual identifying value in any output, passed or quarantined', () => {
    for (const [path, { record, output }] of results) {
      expect(record.findings.filter((f) => f.stage === 'verifier' && f.kind === 'residual-identifier'), relative(root, path)).toEqual([]);
      if (!output) continue;
      const text = Buffer.from(output).toString('latin1').toLowerCase();
      const leaked = personValues(readFileSync(path)).filter((v) => text.includes(v));
      expect(leaked, relative(root, path)).toEqual([]);
    }
    const ct = results.get(join(root, 'deid-data/ctbrain1.dcm'))?.output ?? new Uint8Array();
    const text = Buffer.from(ct).toString('latin1').toLowerCase();
    for (const planted of ['simpson', 'hibbard', 'riveria', 'springfield', 'evergreen', '999887722', '00007041776', 'seizure', '20200704']) {
      expect(text, planted).not.toContain(planted);
    }
  });

  it('introduces no dciodvfy error on files dciodvfy could read before', () => {
    const newErrors = [...results]
      .filter(([, r]) => r.record.kind === 'image')
      .flatMap(([p, r]) => r.record.findings.filter((f) => f.stage === 'verifier' && f.kind === 'new-iod-error').map(() => relative(root, p)));
    // nested_priv_SQ.dcm cannot be read by dciodvfy at all before de-identification, so any
    // error it reports on the (readable) output is new by construction.
    expect([...new Set(newErrors)].filter((name) => name !== 'pydicom/nested_priv_SQ.dcm')).toEqual([]);
  });

  it('makes references follow: the SEG objects point at the remapped instances and frame of reference', () => {
    const outputOf = (name: string) => readDicomFile(results.get(join(root, name))?.output ?? new Uint8Array());
    const referencedIn = (ds: ReturnType<typeof readDicomFile>['dataset']) => {
      const referenced = new Set<string>();
      for (const item of walkDatasets(ds)) {
        const value = item.get(0x00081155)?.value;
        if (value) referenced.add(decodeString(value));
      }
      return referenced;
    };
    const mapper = new UidMapper(secret);
    for (const seg of ['highdicom/seg_image_ct_binary.dcm', 'highdicom/seg_image_ct_true_fractional.dcm']) {
      const file = outputOf(seg);
      const input = readDicomFile(readFileSync(join(root, seg))).dataset;
      const original = referencedIn(input);
      expect(original.size, seg).toBeGreaterThan(0);
      expect(referencedIn(file.dataset), seg).toEqual(new Set([...original].map((uid) => mapper.map(uid))));
      expect(getString(file.dataset, 0x00200052), seg).toBe(mapper.map(getString(input, 0x00200052) ?? ''));
    }
  });

  it('names outputs by their new SOP Instance UID', () => {
    for (const [path, { record, output }] of results) {
      if (!output || record.kind !== 'image') continue;
      const file = readDicomFile(output);
      expect(record.outputName).toMatch(/^2\.25\.\d+\.dcm$/);
      expect(record.outputName).toBe(`${getString(file.meta, 0x00020003)}.dcm`);
      if (file.dataset.has(0x00080018)) expect(getString(file.meta, 0x00020003), relative(root, path)).toBe(getString(file.dataset, 0x00080018));
    }
  });
});

describe('the DICOMDIR batch', () => {
  const dir = join(root, 'pydicom/dicomdirtests');
  const files = filesUnder(dir).filter((f) => !f.endsWith('README') && !f.endsWith('.txt'));
  let first = new Map<string, DeidFileResult>();
  let second = new Map<string, DeidFileResult>();
  beforeAll(async () => {
    first = await runAll(files, newConfig(['modified-dates'], false));
    second = await runAll(files, newConfig(['modified-dates'], false));
  }, 120_000);

  it('is byte-identical across two runs with the same secret', () => {
    for (const path of files) {
      const a = first.get(path)?.output;
      const b = second.get(path)?.output;
      expect(a === undefined ? undefined : Buffer.from(a).toString('base64'), relative(dir, path)).toBe(b === undefined ? undefined : Buffer.from(b).toString('base64'));
    }
  });

  it('keeps patients, studies and references consistent between the DICOMDIR and its images', () => {
    const dicomdir = readDicomFile(first.get(join(dir, 'DICOMDIR'))?.output ?? new Uint8Array());
    const records = dicomdir.dataset.get(0x00041220)?.items ?? [];
    const imageByName = new Map<string, ReturnType<typeof readDicomFile>>();
    for (const [, result] of first) {
      if (result.output && result.record.kind === 'image' && result.record.outputName) imageByName.set(result.record.outputName, readDicomFile(result.output));
    }
    let patient = '';
    let study = '';
    let checked = 0;
    for (const record of records) {
      const type = getString(record, 0x00041430)?.trim();
      if (type === 'PATIENT') patient = getString(record, 0x00100020) ?? '';
      if (type === 'STUDY') study = getString(record, 0x0020000d) ?? '';
      if (type !== 'IMAGE') continue;
      const image = imageByName.get(`${getString(record, 0x00041511)}.dcm`);
      expect(image, 'referenced image output').toBeDefined();
      if (!image) continue;
      expect(getString(image.dataset, 0x00100020)).toBe(patient);
      expect(getString(image.dataset, 0x00100010)).toBe(patient);
      expect(getString(image.dataset, 0x0020000d)).toBe(study);
      checked += 1;
    }
    expect(checked).toBeGreaterThan(20);
    expect(new Set([...imageByName.values()].map((f) => getString(f.dataset, 0x00100020))).size).toBeGreaterThanOrEqual(2);
  });
});

describe('whole-slide label and overview instances', () => {
  it('are dropped, not de-identified', async () => {
    const file = readDicomFile(readFileSync(join(root, 'highdicom/sm_image.dcm')));
    setString(file.dataset, 0x00080008, 'CS', 'ORIGINAL\\PRIMARY\\LABEL\\NONE');
    const result = await deidentifyDicom(writeDicomFile(file), newConfig([], false));
    expect(result.output).toBeUndefined();
    expect(result.record.status).toBe('rejected');
    expect(result.record.findings).toEqual([{ stage: 'input', kind: 'slide-label-or-overview', code: 'DLN_DEID_QUARANTINED' }]);
  });
});

describe('TIFF-based slides through the same gate', () => {
  it('routes an SVS to the slide scrubber and leaves no scanner metadata', async () => {
    const bytes = readFileSync(requireTestData('wsi/small.svs'));
    const result = await deidentifyDicom(bytes, newConfig([], false));
    expect(result.record.kind).toBe('slide');
    expect(result.record.status).toBe('passed');
    expect(result.record.outputName).toMatch(/^2\.25\.\d+\.svs$/);
    const text = Buffer.from(result.output ?? new Uint8Array()).toString('latin1');
    for (const value of ['CPAPERIOCS', 'CMU-1', '12/29/09', '09:59:15', 'b414003d-95c6-48b0-9369-8010ed517ba7']) expect(text).not.toContain(value);
    const again = await deidentifyDicom(bytes, newConfig([], false));
    expect(again.record.outputName).toBe(result.record.outputName);
  });

  it('keeps a DICOM file whose preamble holds a TIFF header on the DICOM path', async () => {
    const bytes = readFileSync(join(root, 'pydicom/CT_small.dcm'));
    expect(bytes.subarray(0, 2).toString('latin1')).toBe('II');
    const result = await deidentifyDicom(bytes, newConfig([], false));
    expect(result.record.kind).toBe('image');
    expect(result.record.status).toBe('passed');
  });
});
