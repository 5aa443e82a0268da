/**
 * Plain words for what held a file in quarantine, from the gate's steward findings (stage, kind,
 * where: an attribute path or a pixel region, never a value). Kept free of React so it is tested
 * in Node; a finding of a kind this version does not know still reads as a sentence.
 */

export interface StewardFinding {
  stage: string;
  kind: string;
  where: string;
  code?: string;
  frame?: number;
  region?: { x: number; y: number; width: number; height: number; frame?: number };
}

const kindWords: Record<string, string> = {
  'burned-in-text': 'Text burned into the image',
  'burned-in-annotation-flag': 'The file says it has burned-in annotation',
  'secondary-capture-without-rule': 'A screen capture from a device with no known text layout, which may show burned-in text',
  'recognizable-visual-features': 'A colour photograph that may show a face',
  'pixel-check-unavailable': 'The image could not be checked for burned-in text',
  'residual-identifier': 'An identifying value is still in the file',
  'residual-identifying-value': 'An identifying value is still in the slide',
  'identifier-in-file-name': 'The file name holds an identifying value',
  'new-iod-error': 'De-identification left the file invalid as DICOM',
  'output-unreadable': 'The de-identified file could not be read back',
  'overlay-in-compressed-pixel-data': 'An overlay inside compressed pixel data cannot be removed',
  malformed: 'The file is damaged or not valid DICOM',
  'slide-label-or-overview': 'A slide label or overview image, which is never kept',
  'residual-associated-image': 'The slide still holds a label or overview image',
  'no-image-left': 'Nothing of the slide is left once its identifying parts are removed',
  'duplicate-instance': 'The same image came twice',
  'sop-instance-conflict': 'Another image has the same identifier',
};

const stageWords: Record<string, string> = {
  pixel: 'image check',
  verifier: 'final check',
  attributes: 'attribute check',
  input: 'file check',
  batch: 'batch check',
  slide: 'slide check',
};

/** "0040a730[0].0040a160 TextValue" → "Text Value (inside a sequence)"; a bare path stays a tag. */
export function attributeName(where: string): string | null {
  const m = /^((?:[0-9a-f]{8}(?:\[\d+\])?\.)*)([0-9a-f]{8})(?: ([A-Za-z0-9]+))?$/.exec(where);
  if (!m) return null;
  const tag = m[2]!;
  const name = m[3] ? m[3].replace(/([a-z])([A-Z])/g, '$1 $2') : `(${tag.slice(0, 4).toUpperCase()},${tag.slice(4).toUpperCase()})`;
  return m[1] ? `${name} (inside a sequence)` : name;
}

/** One finding as a sentence a steward reads: what, then where (attribute name or frame and place). */
export function describeFinding(f: StewardFinding): string {
  const what = kindWords[f.kind] ?? `Held by the ${stageWords[f.stage] ?? 'gate'}`;
  const frame = f.frame ?? f.region?.frame;
  if (f.stage === 'pixel' && f.kind === 'burned-in-text') {
    const place = f.region ? ` at ${f.region.x}, ${f.region.y} (${f.region.width} × ${f.region.height} pixels)` : '';
    return `${what}${frame !== undefined ? ` in frame ${frame + 1}` : ''}${place}`;
  }
  if (f.kind === 'new-iod-error') {
    const module = /Module=<([A-Za-z]+)>/.exec(f.where)?.[1];
    return module ? `${what} (${module.replace(/([a-z])([A-Z])/g, '$1 $2')} module)` : what;
  }
  if (f.stage === 'verifier' || f.stage === 'attributes') {
    if (f.where === 'output') return `${what}, outside any attribute`;
    const name = attributeName(f.where);
    return name ? `${what}: ${name}` : what;
  }
  return what;
}

/** The reasons of a file, each once, in the order the gate gave them. */
export function reasonsOf(findings: readonly StewardFinding[]): string[] {
  return [...new Set(findings.map(describeFinding))];
}

/** The short reason a queue row shows: each kind of reason once (text regions counted per frame). */
export function shortReason(findings: readonly StewardFinding[]): string {
  if (findings.length === 0) return 'Held by the gate';
  const counted = new Map<string, number>();
  for (const f of findings) {
    const { region: _place, ...withoutPlace } = f;
    const summary = describeFinding(withoutPlace);
    counted.set(summary, (counted.get(summary) ?? 0) + 1);
  }
  return [...counted].map(([summary, n]) => (n > 1 ? `${summary} (${n} places)` : summary)).join(' · ');
}

const modalityWords: Record<string, string> = {
  US: 'Ultrasound',
  CT: 'CT',
  MR: 'MR',
  CR: 'Radiograph',
  DX: 'Radiograph',
  MG: 'Mammogram',
  XA: 'X-ray angiogram',
  OT: 'Image',
  SC: 'Screen capture',
  ES: 'Endoscopy image',
  OP: 'Eye photograph',
  OPT: 'Retinal OCT volume',
  SM: 'Slide',
  XC: 'Photograph',
};

/** What the file is, in words: "Ultrasound, 1024 × 768, 1 frame". */
export function describeImage(image: { rows: number; columns: number; frames: number; modality: string | null } | null): string {
  if (!image) return 'A file without an image';
  const kind = (image.modality && modalityWords[image.modality]) ?? 'Image';
  return `${kind}, ${image.columns} × ${image.rows}, ${image.frames} frame${image.frames === 1 ? '' : 's'}`;
}

/** Frames of a rectangle in words (1-based): "every frame", "frame 2", "frames 1, 3", "frames 3 to 9" for a run. */
export function framesInWords(frames: readonly number[] | null): string {
  if (frames === null) return 'every frame';
  const parts: string[] = [];
  for (let i = 0; i < frames.length; ) {
    let j = i;
    while (j + 1 < frames.length && frames[j + 1] === frames[j]! + 1) j++;
    parts.push(j - i >= 2 ? `${frames[i]! + 1} to ${frames[j]! + 1}` : frames.slice(i, j + 1).map((f) => String(f + 1)).join(', '));
    i = j + 1;
  }
  return `${frames.length === 1 ? 'frame' : 'frames'} ${parts.join(', ')}`;
}
