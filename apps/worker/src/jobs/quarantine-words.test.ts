import { describe, expect, it } from 'vitest';
import { quarantineWords } from './quarantine-words';

describe('quarantine reasons in words', () => {
  it('turns the gate’s finding kinds into a sentence, once each, without codes or element paths', () => {
    const text = quarantineWords('burned-in-annotation-flag:00280301 BurnedInAnnotation; burned-in-text:7fe00010 PixelData frame 0; burned-in-text:7fe00010 PixelData frame 1');
    expect(text).toBe('Held for a data steward: the file says its image carries burned-in annotation; text was found burned into the image');
    expect(quarantineWords('something-new:output')).toBe('Held for a data steward: the gate could not clear it');
  });

  it('reads the slide gate’s reasons in words, not as a general hold', () => {
    const text = quarantineWords('slide:residual-associated-image:pyramid ifd[2]; slide:residual-identifying-value:pyramid ifd[0]');
    expect(text).toBe('Held for a data steward: a label or macro image remained in the slide after de-identification; an identifying value remained in the slide after de-identification');
    expect(quarantineWords('slide:something-new:pyramid')).toBe('Held for a data steward: the slide gate could not clear it');
  });
});
