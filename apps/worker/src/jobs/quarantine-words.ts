/**
 * The gate's quarantine reasons ("burned-in-text:7fe00010 PixelData frame 0") in words for the
 * person who uploaded the file. The kinds come from the deid package's findings; an unknown kind
 * reads as a general hold, and the steward's queue keeps the exact findings.
 */
const kindWords: Readonly<Record<string, string>> = {
  'burned-in-text': 'text was found burned into the image',
  'burned-in-annotation-flag': 'the file says its image carries burned-in annotation',
  'recognizable-visual-features': 'the image may show a recognisable face',
  'secondary-capture-without-rule': 'a secondary-capture image needs a person to check its pixels',
  'unsupported-transfer-syntax': 'the image’s compression cannot be checked for burned-in text',
  'pixel-check-unavailable': 'the check for burned-in text could not run',
  'pixel-decode-failed': 'the image could not be decoded to check it for burned-in text',
  'residual-identifying-value': 'an identifying value remained after de-identification',
  'residual-identifier': 'an identifier remained after de-identification',
  'overlay-in-compressed-pixel-data': 'an overlay is embedded in compressed pixel data',
  'new-iod-error': 'de-identification left the file failing the DICOM standard’s checks',
  'output-unreadable': 'the de-identified file could not be read back',
  'identifier-in-file-name': 'the file name carries an identifier',
};

/** The slide gate's kinds (its reasons read "slide:<kind>:<where>"). */
const slideKindWords: Readonly<Record<string, string>> = {
  'residual-identifying-value': 'an identifying value remained in the slide after de-identification',
  'residual-associated-image': 'a label or macro image remained in the slide after de-identification',
  'no-image-left': 'no image of the slide remained once its label and macro were removed',
};

function words(reason: string): string {
  const [first, second] = reason.split(':');
  if (first === 'slide') return slideKindWords[second ?? ''] ?? 'the slide gate could not clear it';
  return kindWords[first ?? ''] ?? 'the gate could not clear it';
}

/** "a; b" reasons from the gate's report, as one sentence. */
export function quarantineWords(reasons: string): string {
  const text = [...new Set(reasons.split('; ').map(words))].join('; ');
  return `Held for a data steward: ${text}`;
}
