import { describe, expect, it } from 'vitest';
import { attributeName, describeFinding, describeImage, framesInWords, shortReason } from './quarantine-words';

describe('quarantine reasons in words', () => {
  it('names the attribute, the frame and the place, never a code alone', () => {
    expect(describeFinding({ stage: 'pixel', kind: 'burned-in-text', where: '7fe00010 PixelData frame 0', frame: 0, region: { x: 4, y: 8, width: 100, height: 20, frame: 0 } })).toBe(
      'Text burned into the image in frame 1 at 4, 8 (100 × 20 pixels)',
    );
    expect(describeFinding({ stage: 'verifier', kind: 'residual-identifier', where: '0040a730[0].0040a160 TextValue' })).toBe('An identifying value is still in the file: Text Value (inside a sequence)');
    expect(describeFinding({ stage: 'verifier', kind: 'residual-identifier', where: 'output' })).toBe('An identifying value is still in the file, outside any attribute');
    expect(describeFinding({ stage: 'verifier', kind: 'new-iod-error', where: 'Error - </OverlayData(6000,3000)> - Missing attribute - Module=<OverlayPlane>' })).toBe(
      'De-identification left the file invalid as DICOM (Overlay Plane module)',
    );
    expect(describeFinding({ stage: 'pixel', kind: 'burned-in-annotation-flag', where: '00280301 BurnedInAnnotation' })).toBe('The file says it has burned-in annotation');
    expect(describeFinding({ stage: 'verifier', kind: 'something-new', where: 'x' })).toBe('Held by the final check');
  });

  it('reads an attribute without a keyword as its tag', () => {
    expect(attributeName('00331013')).toBe('(0033,1013)');
    expect(attributeName('not a path')).toBeNull();
  });

  it('shortens a row to each kind of reason once, text regions counted per frame', () => {
    const text = (x: number) => ({ stage: 'pixel', kind: 'burned-in-text', where: 'p', frame: 0, region: { x, y: 0, width: 4, height: 4, frame: 0 } });
    expect(shortReason([{ stage: 'pixel', kind: 'burned-in-annotation-flag', where: 'x' }, text(0), text(10)])).toBe(
      'The file says it has burned-in annotation · Text burned into the image in frame 1 (2 places)',
    );
    expect(shortReason([])).toBe('Held by the gate');
  });

  it('describes the image and frames in words', () => {
    expect(describeImage({ rows: 768, columns: 1024, frames: 1, modality: 'US' })).toBe('Ultrasound, 1024 × 768, 1 frame');
    expect(describeImage(null)).toBe('A file without an image');
    expect(framesInWords(null)).toBe('every frame');
    expect(framesInWords([0, 2])).toBe('frames 1, 3');
    expect(framesInWords([0, 1, 4, 5, 6, 7, 9])).toBe('frames 1, 2, 5 to 8, 10');
  });
});
