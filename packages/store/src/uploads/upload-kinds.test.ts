import { describe, expect, it } from 'vitest';
import { checkUploadContent, checkUploadName, isVideoContainer, isZipArchive } from './upload-kinds';

const ascii = (text: string, at = 0, size = 512) => {
  const bytes = new Uint8Array(size);
  bytes.set(new TextEncoder().encode(text), at);
  return bytes;
};

describe('what an upload accepts', () => {
  it('refuses video other than MP4 and MOV by name, in words, and takes slides, NIfTI label maps and MP4/MOV clips', () => {
    expect(() => checkUploadName('colonoscopy.avi')).toThrow('Only MP4 and MOV videos are accepted');
    for (const name of ['colonoscopy.mov', 'scope.mp4', 't1.nii.gz', 'labels.nii', 'IM0001', 'DICOMDIR', 'study.zip', 'ct/slice.dcm', 'case 12/slide.SVS', 'he.ndpi', 'scan.mrxs', 'boxes.tiff']) expect(() => checkUploadName(name)).not.toThrow();
  });

  it('refuses other video by content too, whatever the name, and takes MP4/MOV, a NIfTI header and a TIFF or BigTIFF slide', () => {
    const avi = ascii('RIFF');
    avi.set(new TextEncoder().encode('AVI '), 8);
    expect(() => checkUploadContent(avi)).toThrow(expect.objectContaining({ code: 'DLN_UPLOAD_KIND_UNSUPPORTED', message: 'Only MP4 and MOV videos are accepted' }));
    expect(() => checkUploadContent(ascii('ftypisom', 4))).not.toThrow();
    expect(isVideoContainer(ascii('ftypqt  ', 4))).toBe(true);
    expect(isVideoContainer(ascii('DICM', 128))).toBe(false);
    expect(() => checkUploadContent(ascii('n+1\0', 344))).not.toThrow();
    expect(() => checkUploadContent(Uint8Array.of(0x49, 0x49, 0x2a, 0, 8, 0, 0, 0))).not.toThrow();
    expect(() => checkUploadContent(Uint8Array.of(0x4d, 0x4d, 0, 0x2b, 0, 8, 0, 0))).not.toThrow();
  });

  it('takes a DICOM file whose preamble holds a TIFF header, and knows a zip', () => {
    const dual = ascii('DICM', 128);
    dual.set([0x49, 0x49, 0x2a, 0]);
    expect(() => checkUploadContent(dual)).not.toThrow();
    expect(isZipArchive(ascii('PK\x03\x04'))).toBe(true);
    expect(isZipArchive(ascii('DICM', 128))).toBe(false);
  });
});
