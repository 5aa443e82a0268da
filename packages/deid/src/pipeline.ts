import { createHash } from 'node:crypto';
import {
  assertDecodable,
  declaredPixelBytes,
  decodeString,
  DicomDataset,
  encodeUint32,
  getNumber,
  getString,
  readDicomFile,
  setString,
  tagHex,
  walkDatasets,
  writeDicomFile,
  type DicomFile,
} from '@delineate/formats';
import { isDelineateError } from '@delineate/schema';
import type { DeidOption } from './options';
import { deidentifyDataset, PATIENT_ID, PATIENT_NAME, type AttributeAction } from './engine';
import { collectIdentifyingValues } from './identifying';
import { extractComposition } from './composition';
import { dateOffsetDays } from './dates';
import { MARKER_PATHS, writeMarkers } from './markers';
import { UidMapper } from './uids';
import type { PseudonymMap } from './pseudonyms';
import { defaultSafePrivate, type SafePrivateRule } from './safe-lists';
import type { IodValidator } from './dciodvfy';
import { verifyOutput } from './verifier';
import { isSlideLabelOrOverview, slideCompositionFromDicom } from './slides/dicom-slide';
import { scrubTiffSlide } from './slides/tiff-slide';
import type { DeidFinding, DeidRecord } from './record';
import type { PixelDataPayload, PixelImageView, PixelRegion, PixelStage, PixelStageResult } from './pipeline-types';

export interface DeidConfig {
  /** The project secret: keys UID remapping, date offsets and pseudonym derivation. */
  readonly secret: Uint8Array;
  readonly options: ReadonlySet<DeidOption>;
  readonly pseudonyms: PseudonymMap;
  /** Defaults to {@link quarantinePixelStage}: files that need a pixel check are quarantined. */
  readonly pixelStage?: PixelStage;
  /** dciodvfy (createDciodvfyValidator) or none. */
  readonly validator?: IodValidator;
  /** Private elements kept under retain-safe-private (default: defaultSafePrivate). */
  readonly safePrivate?: readonly SafePrivateRule[];
  /** Share one mapper across a batch (a cache; results are the same without it). */
  readonly uids?: UidMapper;
}

export interface DeidFileResult {
  readonly record: DeidRecord;
  /** The de-identified bytes (present for passed and quarantined files, absent for rejected). */
  readonly output?: Uint8Array;
}

const DICOMDIR_CLASS = '1.2.840.10008.1.3.10';
const KEPT_META = new Set([0x00020001, 0x00020002, 0x00020003, 0x00020010, 0x00020012, 0x00020013]);
const IMPLEMENTATION_CLASS_UID = '2.25.241775485133305069853236526343512618418';
const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
/** VL Photographic Image and Video Photographic Image Storage: photographs can show faces. */
const VL_PHOTOGRAPHIC = '1.2.840.10008.5.1.4.1.1.77.1.4';
const PIXEL_MODALITIES = new Set(['US', 'XA', 'DX', 'CR', 'SC', 'OT', 'IO', 'PX', 'ES', 'XC', 'GM', 'MG', 'RF', 'DOC']);

export const quarantinePixelStage: PixelStage = {
  name: 'none (quarantine)',
  process: async () => ({
    status: 'quarantine',
    regions: [],
    findings: [{ kind: 'pixel-check-unavailable' }],
    burnedInTextRemoved: false,
  }),
};

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Whether an image must go through the pixel stage (burned-in text or visual features possible). */
export function needsPixelCheck(dataset: DicomDataset, options: ReadonlySet<DeidOption>): boolean {
  if (!dataset.has(0x7fe00010)) return false;
  if (options.has('clean-pixel-data') || options.has('clean-recognizable-visual-features')) return true;
  const modality = getString(dataset, 0x00080060)?.toUpperCase() ?? '';
  const sopClass = getString(dataset, 0x00080016) ?? '';
  return (
    PIXEL_MODALITIES.has(modality) ||
    sopClass === SECONDARY_CAPTURE ||
    sopClass.startsWith(`${SECONDARY_CAPTURE}.`) ||
    sopClass.startsWith(VL_PHOTOGRAPHIC) ||
    getString(dataset, 0x00280301)?.toUpperCase() === 'YES' ||
    getString(dataset, 0x00280302)?.toUpperCase() === 'YES'
  );
}

function pixelPayload(dataset: DicomDataset, frames: number): PixelDataPayload | undefined {
  const element = dataset.get(0x7fe00010);
  if (!element) return undefined;
  if (!element.fragments) return { encapsulated: false, bytes: element.value ?? new Uint8Array(0) };
  const [table = new Uint8Array(0), ...fragments] = element.fragments;
  if (frames <= 1) return { encapsulated: true, frames: [Buffer.concat(fragments)] };
  if (fragments.length === frames) return { encapsulated: true, frames: fragments };
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const offsets = Array.from({ length: Math.floor(table.length / 4) }, (_, i) => view.getUint32(i * 4, true));
  // Each frame's fragments are joined once: joining fragment by fragment costs the square of
  // their number, and a small hostile file can hold hundreds of thousands.
  const grouped: Uint8Array[][] = offsets.map(() => []);
  let position = 0;
  let index = 0;
  for (const fragment of fragments) {
    while (index + 1 < offsets.length && (offsets[index + 1] ?? 0) <= position) index += 1;
    grouped[index]?.push(fragment);
    position += fragment.length + 8;
  }
  return { encapsulated: true, frames: grouped.map((parts) => Buffer.concat(parts)) };
}

function strings(dataset: DicomDataset, tag: number): string[] {
  return (getString(dataset, tag) ?? '').split('\\').filter((part) => part.length > 0);
}

function imageView(file: DicomFile, input: DicomDataset): PixelImageView {
  const ds = file.dataset;
  const num = (tag: number, fallback: number) => getNumber(ds, tag) ?? fallback;
  const frames = num(0x00280008, 1);
  const optionalString = (key: string, value: string | undefined) => (value ? { [key]: value } : {});
  const payload = pixelPayload(ds, frames);
  return {
    transferSyntaxUid: file.transferSyntaxUid,
    sopClassUid: getString(ds, 0x00080016) ?? '',
    ...optionalString('modality', getString(ds, 0x00080060)),
    rows: num(0x00280010, 0),
    columns: num(0x00280011, 0),
    numberOfFrames: frames,
    samplesPerPixel: num(0x00280002, 1),
    bitsAllocated: num(0x00280100, 8),
    bitsStored: num(0x00280101, num(0x00280100, 8)),
    highBit: num(0x00280102, num(0x00280101, 8) - 1),
    pixelRepresentation: num(0x00280103, 0),
    photometricInterpretation: getString(ds, 0x00280004) ?? 'MONOCHROME2',
    planarConfiguration: num(0x00280006, 0),
    ...optionalString('burnedInAnnotation', getString(ds, 0x00280301)),
    ...optionalString('recognizableVisualFeatures', getString(ds, 0x00280302)),
    signature: {
      ...optionalString('manufacturer', getString(input, 0x00080070)),
      ...optionalString('model', getString(input, 0x00081090)),
      ...optionalString('modality', getString(input, 0x00080060)),
      ...optionalString('sopClassUid', getString(input, 0x00080016)),
      rows: getNumber(input, 0x00280010) ?? 0,
      columns: getNumber(input, 0x00280011) ?? 0,
      imageType: strings(input, 0x00080008),
    },
    ...(payload ? { pixelData: payload } : {}),
    getString: (tag: string) => getString(ds, Number.parseInt(tag, 16)),
  };
}

function applyPixelResult(file: DicomFile, result: PixelStageResult): void {
  const ds = file.dataset;
  const replacement = result.replacement;
  if (replacement) {
    const pixel = replacement.pixelData;
    if (pixel.encapsulated) ds.set({ tag: 0x7fe00010, vr: 'OB', fragments: [new Uint8Array(0), ...pixel.frames] });
    else ds.set({ tag: 0x7fe00010, vr: (getNumber(ds, 0x00280100) ?? 8) > 8 ? 'OW' : 'OB', value: pixel.bytes });
    file.transferSyntaxUid = replacement.transferSyntaxUid;
    setString(file.meta, 0x00020010, 'UI', replacement.transferSyntaxUid);
    if (replacement.photometricInterpretation) setString(ds, 0x00280004, 'CS', replacement.photometricInterpretation);
    if (replacement.planarConfiguration !== undefined) {
      ds.set({ tag: 0x00280006, vr: 'US', value: Uint8Array.of(replacement.planarConfiguration & 0xff, 0) });
    }
    if (replacement.lossy) {
      setString(ds, 0x00282110, 'CS', '01');
      const ratios = [...strings(ds, 0x00282112), ...(replacement.lossyRatio ? [replacement.lossyRatio.toFixed(2)] : [])];
      const methods = [...strings(ds, 0x00282114), ...(replacement.lossyMethod ? [replacement.lossyMethod] : [])];
      if (ratios.length > 0) setString(ds, 0x00282112, 'DS', ratios.join('\\'));
      if (methods.length > 0) setString(ds, 0x00282114, 'CS', methods.join('\\'));
    }
  }
  if (result.burnedInTextRemoved && ds.has(0x00280301)) setString(ds, 0x00280301, 'CS', 'NO');
}

function cleanMeta(file: DicomFile, sopInstanceUid: string): void {
  const meta = file.meta;
  // Files without a meta group (bare data sets) get a complete one.
  const sopClass = getString(meta, 0x00020002) ?? getString(file.dataset, 0x00080016);
  if (sopClass) setString(meta, 0x00020002, 'UI', sopClass);
  setString(meta, 0x00020010, 'UI', file.transferSyntaxUid);
  setString(meta, 0x00020003, 'UI', sopInstanceUid);
  setString(meta, 0x00020012, 'UI', IMPLEMENTATION_CLASS_UID);
  setString(meta, 0x00020013, 'SH', 'DELINEATE_0_1');
  meta.set({ tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) });
  // Only the structural meta elements stay: AE titles, presentation addresses and private
  // information could all identify the source.
  for (const tag of [...meta.elements.keys()]) if (!KEPT_META.has(tag)) meta.delete(tag);
}

function isSlide(dataset: DicomDataset): boolean {
  return getString(dataset, 0x00080016) === '1.2.840.10008.5.1.4.1.1.77.1.6' || getString(dataset, 0x00080060)?.toUpperCase() === 'SM';
}

/**
 * An image whose declared geometry (rows × columns × frames × samples × bits) exceeds the decode
 * ceiling is refused whole: nothing downstream (pixel stage, viewer, item grid) could read it.
 */
function assertDeclaredImageFits(dataset: DicomDataset): void {
  if (!dataset.has(0x7fe00010)) return;
  const bytes = declaredPixelBytes({
    rows: getNumber(dataset, 0x00280010) ?? 0,
    columns: getNumber(dataset, 0x00280011) ?? 0,
    numberOfFrames: getNumber(dataset, 0x00280008) ?? 1,
    samplesPerPixel: getNumber(dataset, 0x00280002) ?? 1,
    bitsAllocated: getNumber(dataset, 0x00280100) ?? 8,
  });
  assertDecodable(bytes, 'The declared image');
}

const INTEGER_STRING = /^\s*[+-]?\d+\s*$/;
const DECIMAL_STRING = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/**
 * IS and DS values that are not numbers (e.g. NumberOfFrames "1A") make the object ambiguous to
 * every reader after us: such input is rejected as malformed rather than passed on.
 */
function hasMalformedNumber(dataset: DicomDataset): boolean {
  for (const ds of walkDatasets(dataset)) {
    for (const element of ds.elements.values()) {
      if ((element.vr !== 'IS' && element.vr !== 'DS') || !element.value || element.value.length === 0) continue;
      const pattern = element.vr === 'IS' ? INTEGER_STRING : DECIMAL_STRING;
      for (const part of decodeString(element.value).split('\\')) if (part.trim() !== '' && !pattern.test(part)) return true;
    }
  }
  return false;
}

/** The record of a file the gate refused whole (malformed, too large…): its DLN_ code, no output. */
export function rejectedFile(bytes: Uint8Array, options: ReadonlySet<DeidOption>, code: string): DeidFileResult {
  return rejected(sha256(bytes), [...options].sort(), code);
}

/** What takes one file through the gate: {@link deidentifyDicom} here, or the same in an isolated thread. */
export type DeidGate = (bytes: Uint8Array, config: DeidConfig, stewardRegions?: readonly PixelRegion[]) => Promise<DeidFileResult>;

function rejected(
  sourceSha256: string,
  options: readonly DeidOption[],
  code: string,
  kind: 'malformed' | 'slide-label-or-overview' = 'malformed',
): DeidFileResult {
  return {
    record: {
      sourceSha256,
      profile: 'dicom-ps3.15-e1-basic',
      options,
      actions: [],
      pixelRegions: [],
      findings: [{ stage: 'input', kind, code }],
      status: 'rejected',
      kind: 'image',
    },
  };
}

/**
 * TIFF ("II*\0", "MM\0*") or BigTIFF ("II+\0", "MM\0+") signature: SVS and other TIFF-based
 * slides. A DICOM file may carry a TIFF header in its preamble (dual-format files): "DICM" at
 * offset 128 makes it DICOM.
 */
export function isTiff(bytes: Uint8Array): boolean {
  const [a, b, c, d] = bytes;
  const dicm = bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
  if (dicm) return false;
  return (a === 0x49 && b === 0x49 && (c === 0x2a || c === 0x2b) && d === 0) || (a === 0x4d && b === 0x4d && c === 0 && (d === 0x2a || d === 0x2b));
}

/**
 * A TIFF-based slide through the slide scrubber (slides/): label and macro images removed,
 * metadata scrubbed in every IFD, the output re-read and checked. Named by a keyed hash of the
 * source, since a slide has no SOP Instance UID.
 */
export function deidentifySlide(bytes: Uint8Array, config: DeidConfig): DeidFileResult {
  const sourceSha256 = sha256(bytes);
  const options = [...config.options].sort();
  let result: ReturnType<typeof scrubTiffSlide>;
  try {
    result = scrubTiffSlide(bytes);
  } catch (error) {
    return rejected(sourceSha256, options, isDelineateError(error) ? error.code : 'DLN_DEID_FAILED');
  }
  const uids = config.uids ?? new UidMapper(config.secret);
  const outputName = `${uids.map(`slide:${sourceSha256}`)}.${result.format === 'aperio-svs' ? 'svs' : 'tiff'}`;
  return {
    output: result.bytes,
    record: {
      sourceSha256,
      outputSha256: sha256(result.bytes),
      outputName,
      profile: 'dicom-ps3.15-e1-basic',
      options,
      actions: [
        ...result.removedImages.map((image) => ({ path: `ifd[${image.index}]`, action: `X-${image.kind}` })),
        ...result.metadataActions.map((entry) => ({ path: `ifd[${entry.image}].${entry.tag}`, action: entry.action === 'removed' ? 'X' : 'C' })),
      ],
      pixelRegions: [],
      findings: result.findings.map((finding) => ({ stage: 'slide', kind: finding.kind, count: finding.count, ...(finding.where ? { where: finding.where } : {}) })),
      status: result.status,
      composition: result.composition,
      kind: 'slide',
    },
  };
}

/**
 * Takes one DICOM file through the gate: attribute de-identification, pixel stage, markers,
 * write, verification. Malformed input is rejected with its DLN_ code, never thrown. TIFF-based
 * slides go to {@link deidentifySlide}.
 */
export async function deidentifyDicom(
  bytes: Uint8Array,
  config: DeidConfig,
  stewardRegions: readonly PixelRegion[] = [],
): Promise<DeidFileResult> {
  if (isTiff(bytes)) return deidentifySlide(bytes, config);
  const sourceSha256 = sha256(bytes);
  const options = [...config.options].sort();
  let file: DicomFile;
  try {
    file = readDicomFile(bytes);
  } catch (error) {
    return rejected(sourceSha256, options, isDelineateError(error) ? error.code : 'DLN_DICOM_INVALID');
  }
  if (hasMalformedNumber(file.dataset)) return rejected(sourceSha256, options, 'DLN_DICOM_INVALID');
  try {
    assertDeclaredImageFits(file.dataset);
  } catch (error) {
    return rejected(sourceSha256, options, isDelineateError(error) ? error.code : 'DLN_DICOM_TOO_LARGE');
  }
  // Slide label and overview images show handwriting and barcodes: dropped, never de-identified.
  if (isSlideLabelOrOverview(file.dataset)) return rejected(sourceSha256, options, 'DLN_DEID_QUARANTINED', 'slide-label-or-overview');
  const uids = config.uids ?? new UidMapper(config.secret);
  const isDicomdir = getString(file.meta, 0x00020002) === DICOMDIR_CLASS || file.dataset.has(0x00041220);
  const identifying = collectIdentifyingValues(file.dataset, config.options);
  const metaTags = config.options.has('retain-uids') ? [0x00020016, 0x00020017, 0x00020018] : [0x00020003, 0x00020016, 0x00020017, 0x00020018];
  for (const tag of metaTags) {
    const value = getString(file.meta, tag)?.toLowerCase();
    if (value && value.length >= 3 && !identifying.includes(value)) identifying.push(value);
  }
  const actions: AttributeAction[] = [];
  const findings: DeidFinding[] = [];
  // Paths of the values the gate writes (dummies, pseudonyms, remapped UIDs, shifted dates,
  // markers, the rebuilt meta group): the verifier leaves them out of its search.
  const written = new Set<string>(['meta.00020003', 'meta.00020012', 'meta.00020013', ...MARKER_PATHS]);
  let pixelRegions: readonly PixelRegion[] = [];
  let pixelStageName: string | undefined;
  // Pixel findings are informational unless the stage asked for quarantine.
  let pixelQuarantine = false;
  let pseudonym: string | undefined;
  let composition;
  let itemOffsets: Map<DicomDataset, number> | undefined;

  try {
    if (isDicomdir) {
      await deidentifyDicomdir(file, config, uids, identifying, actions, written);
    } else {
      const input = file.dataset;
      composition = { ...extractComposition(input), ...(isSlide(input) ? slideCompositionFromDicom(input) : {}) };
      const inputView = new DicomDataset(input.littleEndian);
      for (const element of input.elements.values()) inputView.set({ ...element });
      pseudonym = await config.pseudonyms.pseudonymFor({
        patientId: getString(input, PATIENT_ID) ?? '',
        issuerOfPatientId: getString(input, 0x00100021) ?? '',
        patientName: getString(input, PATIENT_NAME) ?? '',
      });
      deidentifyDataset(input, { ...engineContext(config, uids, pseudonym, identifying), written }, actions);
      if (actions.some((a) => a.action === 'overlay-bits-in-encapsulated-pixel-data')) {
        findings.push({ stage: 'attributes', kind: 'overlay-in-compressed-pixel-data', where: '7fe00010 PixelData' });
      }
      writeMarkers(input, config.options);
      if (needsPixelCheck(input, config.options)) {
        const stage = config.pixelStage ?? quarantinePixelStage;
        pixelStageName = stage.name;
        const result = await stage.process(imageView(file, inputView), { options: config.options, stewardRegions });
        pixelRegions = result.regions;
        for (const finding of result.findings) findings.push({ stage: 'pixel', ...finding });
        if (result.status === 'quarantine') {
          pixelQuarantine = true;
          if (result.findings.length === 0) findings.push({ stage: 'pixel', kind: 'burned-in-text' });
        }
        applyPixelResult(file, result);
      }
    }
  } catch (error) {
    return rejected(sourceSha256, options, isDelineateError(error) ? error.code : 'DLN_DEID_FAILED');
  }

  const sopInstanceUid = isDicomdir ? uids.map(getString(file.meta, 0x00020003) ?? '') : (getString(file.dataset, 0x00080018) ?? '');
  cleanMeta(file, sopInstanceUid || uids.map(sourceSha256));
  let output: Uint8Array;
  if (isDicomdir) {
    itemOffsets = new Map();
    output = writeDicomFile(file, { itemOffsets });
    relinkDicomdir(file.dataset, itemOffsets);
    output = writeDicomFile(file);
  } else {
    output = writeDicomFile(file);
  }
  const outputName = `${getString(file.meta, 0x00020003) ?? sourceSha256}.dcm`;
  const verification = await verifyOutput({
    output,
    outputName,
    identifying,
    written,
    ...(config.validator ? { validator: config.validator, input: bytes } : {}),
  });
  for (const finding of verification) findings.push({ stage: 'verifier', ...finding });
  const status = pixelQuarantine || findings.some((f) => f.stage !== 'pixel') ? 'quarantined' : 'passed';
  return {
    output,
    record: {
      sourceSha256,
      outputSha256: sha256(output),
      outputName,
      profile: 'dicom-ps3.15-e1-basic',
      options,
      ...(pseudonym ? { subjectPseudonym: pseudonym } : {}),
      actions,
      ...(pixelStageName ? { pixelStage: pixelStageName } : {}),
      pixelRegions,
      findings,
      status,
      ...(composition ? { composition } : {}),
      kind: isDicomdir ? 'dicomdir' : 'image',
    },
  };
}

function engineContext(config: DeidConfig, uids: UidMapper, pseudonym: string, identifying: readonly string[]) {
  return {
    options: config.options,
    uids,
    dateOffsetDays: config.options.has('modified-dates') ? dateOffsetDays(config.secret, pseudonym) : undefined,
    pseudonym,
    safePrivate: config.safePrivate ?? defaultSafePrivate,
    identifying,
  };
}

const RECORD_SEQUENCE = 0x00041220;
const NEXT_RECORD = 0x00041400;
const LOWER_RECORD = 0x00041420;
const FIRST_ROOT = 0x00041200;
const LAST_ROOT = 0x00041202;
const RECORD_TYPE = 0x00041430;
const REFERENCED_FILE_ID = 0x00041500;
const REFERENCED_INSTANCE = 0x00041511;

/**
 * DICOMDIR: every directory record goes through the table with the pseudonym and date offset of
 * the patient it belongs to (following the record links from the root); the referenced file IDs
 * point at the new file names; record offsets are rewritten after the records change size.
 */
async function deidentifyDicomdir(
  file: DicomFile,
  config: DeidConfig,
  uids: UidMapper,
  identifying: readonly string[],
  actions: AttributeAction[],
  written: Set<string>,
): Promise<void> {
  const ds = file.dataset;
  const records = ds.get(RECORD_SEQUENCE)?.items ?? [];
  const byOffset = new Map<number, DicomDataset>();
  for (const record of records) if (record.sourceOffset !== undefined) byOffset.set(record.sourceOffset, record);
  const owner = new Map<DicomDataset, string>();
  const visit = async (offset: number, patient: string | undefined, depth: number): Promise<void> => {
    let current = byOffset.get(offset);
    while (current && depth < 16 && !owner.has(current)) {
      let thisPatient = patient;
      if (getString(current, RECORD_TYPE)?.trim() === 'PATIENT') {
        thisPatient = await config.pseudonyms.pseudonymFor({
          patientId: getString(current, PATIENT_ID) ?? '',
          issuerOfPatientId: getString(current, 0x00100021) ?? '',
          patientName: getString(current, PATIENT_NAME) ?? '',
        });
      }
      owner.set(current, thisPatient ?? 'UNKNOWN');
      const lower = getNumber(current, LOWER_RECORD);
      if (lower) await visit(lower, thisPatient, depth + 1);
      const next = getNumber(current, NEXT_RECORD);
      current = next ? byOffset.get(next) : undefined;
    }
  };
  await visit(getNumber(ds, FIRST_ROOT) ?? records[0]?.sourceOffset ?? 0, undefined, 0);
  const links = [NEXT_RECORD, LOWER_RECORD, 0x00041410];
  records.forEach((record, index) => {
    const saved = links.map((tag) => record.get(tag)).filter((element) => element !== undefined);
    const referenced = getString(record, REFERENCED_INSTANCE);
    const pseudonym = owner.get(record) ?? 'UNKNOWN';
    deidentifyDataset(record, { ...engineContext(config, uids, pseudonym, identifying), zeroAsDummy: true, written }, actions, `${tagHex(RECORD_SEQUENCE)}[${index}].`);
    for (const element of saved) record.set(element);
    // Source paths carry identifiers (folders named by patient ID) and the outputs are renamed to
    // their new SOP Instance UID, which a CS file ID cannot hold: the reference is dropped and the
    // record keeps ReferencedSOPInstanceUIDInFile (remapped) to find its file.
    if (record.delete(REFERENCED_FILE_ID)) actions.push({ path: `${tagHex(RECORD_SEQUENCE)}[${index}].${tagHex(REFERENCED_FILE_ID)}`, action: 'X' });
    void referenced;
  });
  writeMarkers(ds, config.options);
  ds.delete(0x00280303);
}

function relinkDicomdir(ds: DicomDataset, itemOffsets: Map<DicomDataset, number>): void {
  const records = ds.get(RECORD_SEQUENCE)?.items ?? [];
  const newOffset = new Map<number, number>();
  for (const record of records) {
    const written = itemOffsets.get(record);
    if (record.sourceOffset !== undefined && written !== undefined) newOffset.set(record.sourceOffset, written);
  }
  const relink = (target: DicomDataset, tag: number) => {
    const old = getNumber(target, tag);
    if (old === undefined) return;
    target.set({ tag, vr: 'UL', value: encodeUint32(old === 0 ? 0 : (newOffset.get(old) ?? 0), target.littleEndian) });
  };
  relink(ds, FIRST_ROOT);
  relink(ds, LAST_ROOT);
  for (const record of records) for (const tag of [NEXT_RECORD, LOWER_RECORD]) relink(record, tag);
}

