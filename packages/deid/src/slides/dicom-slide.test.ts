import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDicomFile, setString } from '@delineate/formats';
import { requireTestData } from '@delineate/testkit';
import { isSlideLabelOrOverview, slideCompositionFromDicom } from './dicom-slide';

const load = () => readDicomFile(new Uint8Array(readFileSync(requireTestData('dicom/highdicom/sm_image.dcm'))));

describe('DICOM whole-slide images', () => {
  it('keeps VOLUME instances and drops LABEL and OVERVIEW instances', () => {
    const file = load();
    expect(isSlideLabelOrOverview(file.dataset)).toBe(false);
    for (const type of ['LABEL', 'OVERVIEW']) {
      setString(file.dataset, 0x00080008, 'CS', `ORIGINAL\\PRIMARY\\${type}\\NONE`);
      expect(isSlideLabelOrOverview(file.dataset)).toBe(true);
    }
  });

  it('drops a volume whose specimen label is in the image, and never treats a CT as a slide', () => {
    const file = load();
    setString(file.dataset, 0x00480010, 'CS', 'YES');
    expect(isSlideLabelOrOverview(file.dataset)).toBe(true);
    const ct = readDicomFile(new Uint8Array(readFileSync(requireTestData('dicom/highdicom/ct_image.dcm'))));
    setString(ct.dataset, 0x00080008, 'CS', 'ORIGINAL\\PRIMARY\\LABEL');
    expect(isSlideLabelOrOverview(ct.dataset)).toBe(false);
  });

  it('reads stain (the coded substances of the staining steps) and scanner before de-identification', () => {
    expect(slideCompositionFromDicom(load().dataset)).toEqual({ stain: 'Hematoxylin stain + Water soluble eosin stain', scanner: 'Test Manufacturer Test Model' });
  });
});
