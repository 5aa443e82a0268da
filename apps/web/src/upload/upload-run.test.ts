import { describe, expect, it } from 'vitest';
import { fileKey } from './resume-store';
import { overallProgress, type FileProgress } from './upload-run';

const progress = (size: number, sent: number, refused = false): FileProgress => ({
  key: `f${size}`,
  path: `f${size}`,
  size,
  sent,
  resumedFrom: 0,
  uploadId: null,
  refusal: refused ? { code: 'DLN_UPLOAD_KIND_UNSUPPORTED', text: 'Videos are not accepted by this server yet' } : null,
  done: refused,
});

describe('upload progress', () => {
  it('sums the bytes sent, a refused file counting as done so the bar can fill', () => {
    expect(overallProgress([progress(100, 40), progress(50, 50), progress(30, 0, true)])).toEqual({ sent: 120, total: 180 });
    expect(overallProgress([])).toEqual({ sent: 0, total: 0 });
  });

  it('knows a file dropped again by its path, size and modification time', () => {
    const a = { path: 'study/IM1.dcm', size: 10, lastModified: 5 };
    expect(fileKey(a)).toBe(fileKey({ ...a }));
    expect(fileKey(a)).not.toBe(fileKey({ ...a, lastModified: 6 }));
    expect(fileKey(a)).not.toBe(fileKey({ ...a, path: 'other/IM1.dcm' }));
  });
});
