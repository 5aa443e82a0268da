import { decodeString, dictionaryKeyword, encodeString, tagHex, type DicomDataset, type DicomElement } from '@delineate/formats';
import type { DeidOption } from './options';
import { profileRowFor, resolveAction, type ResolvedAction } from './table';
import { classUidKeywords, safeUnlistedTextKeywords, type SafePrivateRule } from './safe-lists';
import { capAge, shiftDate, shiftDateTime } from './dates';
import type { UidMapper } from './uids';

export const PATIENT_NAME = 0x00100010;
export const PATIENT_ID = 0x00100020;

const TEXT_VRS = new Set(['LO', 'SH', 'ST', 'LT', 'UT', 'UC', 'UR', 'AE', 'PN']);
const TEMPORAL_VRS = new Set(['DA', 'DT', 'TM']);

export interface EngineContext {
  readonly options: ReadonlySet<DeidOption>;
  readonly uids: UidMapper;
  /** Set under Modified Dates: the patient's offset in days. */
  readonly dateOffsetDays: number | undefined;
  readonly pseudonym: string;
  readonly safePrivate: readonly SafePrivateRule[];
  /** Identifying values of the input (lower case), removed from text kept under a C action. */
  readonly identifying: readonly string[];
  /** DICOMDIR records: Type 1 keys (StudyDate, StudyTime…) get a dummy instead of an empty value. */
  readonly zeroAsDummy?: boolean;
  /**
   * Receives the path of every value the gate wrote itself (dummies, pseudonyms, remapped UIDs,
   * shifted dates, capped ages): the verifier must not take them for a surviving source value
   * when they happen to equal one (a source birth date of 19000101 and the dummy date).
   */
  readonly written?: Set<string>;
}

/** What was done to one attribute, by path ("0040a730[0].0040a160"); never a value. */
export interface AttributeAction {
  readonly path: string;
  readonly action: string;
}

/**
 * Applies the confidentiality profile to a data set in place, recursing into every sequence.
 * Returns nothing; every decision is appended to `actions`.
 */
export function deidentifyDataset(
  dataset: DicomDataset,
  context: EngineContext,
  actions: AttributeAction[],
  path = '',
  cleaning = false,
): void {
  const privateKept = new Set<number>();
  let sawPrivate = false;
  const removedGroups = removeRepeatingGroups(dataset, context, actions, path);
  for (const element of dataset.sorted()) {
    const here = `${path}${tagHex(element.tag)}`;
    const group = element.tag >>> 16;
    if (removedGroups.has(group)) continue;
    if (group % 2 === 1) {
      sawPrivate = true;
      handlePrivate(dataset, element, context, actions, here, privateKept);
      continue;
    }
    // Group lengths are recomputed on write; meta elements have no place inside a data set.
    if (group === 0x0002 || (element.tag & 0xffff) === 0) {
      dataset.delete(element.tag);
      actions.push({ path: here, action: 'X' });
      continue;
    }
    if (element.tag === PATIENT_NAME || element.tag === PATIENT_ID) {
      element.value = encodeString(context.pseudonym, element.vr === 'PN' ? 'PN' : 'LO');
      actions.push({ path: here, action: 'pseudonym' });
      context.written?.add(here);
      continue;
    }
    const row = profileRowFor(element.tag);
    const action = row ? resolveAction(row, context.options, element.items !== undefined) : unlistedAction(element, context, cleaning);
    apply(dataset, element, action, context, actions, here, cleaning);
  }
  // Private creators stay only when an element of their block was kept.
  if (!sawPrivate) return;
  for (const element of dataset.sorted()) {
    const group = element.tag >>> 16;
    const low = element.tag & 0xffff;
    if (group % 2 === 1 && low >= 0x10 && low <= 0xff) {
      const block = (group << 8) | low;
      if (!privateKept.has(block)) {
        dataset.delete(element.tag);
        actions.push({ path: `${path}${tagHex(element.tag)}`, action: 'X' });
      }
    }
  }
}

const PIXEL_DATA = 0x7fe00010;

/** Even groups 5000–501E (curves) and 6000–601E (overlays): each a module repeated per plane. */
function repeatingGroupKind(group: number): 'curve' | 'overlay' | undefined {
  if (group % 2 === 1) return undefined;
  if (group >= 0x5000 && group <= 0x501e) return 'curve';
  if (group >= 0x6000 && group <= 0x601e) return 'overlay';
  return undefined;
}

/**
 * Curves and overlays are decided per group, not per element: Table E.1-1 removes their data
 * (50xx,xxxx; 60xx,3000) and comments (60xx,4000), and a plane left with its rows, origin and
 * type but without its data fails the IOD (Overlay Data is Type 1 in the Overlay Plane module).
 * So a group goes whole unless the options keep its data (K); none of PS3.15's options does,
 * and under Clean Graphics (C) the bitmap cannot be cleaned here, so it goes too. An overlay
 * held in unused high bits of the pixel data (the retired form, no 60xx,3000) goes with its
 * group: those bits are cleared, so what the group drew does not survive in the pixels.
 */
function removeRepeatingGroups(dataset: DicomDataset, context: EngineContext, actions: AttributeAction[], path: string): Set<number> {
  const groups = new Map<number, 'curve' | 'overlay'>();
  for (const tag of dataset.elements.keys()) {
    const kind = repeatingGroupKind(tag >>> 16);
    if (kind) groups.set(tag >>> 16, kind);
  }
  const removed = new Set<number>();
  for (const [group, kind] of groups) {
    const dataTag = ((group << 16) | 0x3000) >>> 0;
    const row = profileRowFor(dataTag);
    if (row && resolveAction(row, context.options) === 'K') continue;
    if (kind === 'overlay' && !dataset.has(dataTag)) clearOverlayBits(dataset, group, actions, path);
    for (const element of dataset.sorted()) {
      if (element.tag >>> 16 !== group) continue;
      dataset.delete(element.tag);
      actions.push({ path: `${path}${tagHex(element.tag)}`, action: `X-${kind}-group` });
    }
    removed.add(group);
  }
  return removed;
}

function uint16(dataset: DicomDataset, tag: number): number | undefined {
  const value = dataset.get(tag)?.value;
  if (!value || value.length < 2) return undefined;
  return dataset.littleEndian ? (value[0] as number) | ((value[1] as number) << 8) : ((value[0] as number) << 8) | (value[1] as number);
}

/** Clears the overlay's bit (60xx,0102) in every native pixel sample when it lies outside the stored bits. */
function clearOverlayBits(dataset: DicomDataset, group: number, actions: AttributeAction[], path: string): void {
  const bit = uint16(dataset, ((group << 16) | 0x0102) >>> 0);
  const allocated = uint16(dataset, 0x00280100);
  const pixels = dataset.get(PIXEL_DATA);
  if (bit === undefined || allocated === undefined || !pixels || (allocated !== 8 && allocated !== 16) || bit >= allocated) return;
  const stored = uint16(dataset, 0x00280101) ?? allocated;
  const high = uint16(dataset, 0x00280102) ?? stored - 1;
  if (bit <= high && bit > high - stored) return; // inside the image's own bits: nothing separate to clear
  if (!pixels.value) {
    // Compressed pixel data cannot have one bit cleared without decoding: the pipeline quarantines.
    actions.push({ path: `${path}${tagHex(PIXEL_DATA)}`, action: 'overlay-bits-in-encapsulated-pixel-data' });
    return;
  }
  const bytes = Uint8Array.from(pixels.value); // the value may view the caller's input
  if (allocated === 8) {
    const mask = ~(1 << bit) & 0xff;
    for (let i = 0; i < bytes.length; i += 1) bytes[i] = (bytes[i] as number) & mask;
  } else {
    const index = (bit >= 8) === dataset.littleEndian ? 1 : 0;
    const mask = ~(1 << (bit % 8)) & 0xff;
    for (let i = index; i < bytes.length; i += 2) bytes[i] = (bytes[i] as number) & mask;
  }
  pixels.value = bytes;
  const here = `${path}${tagHex(PIXEL_DATA)}`;
  if (!actions.some((a) => a.path === here && a.action === 'C-overlay-bits')) actions.push({ path: here, action: 'C-overlay-bits' });
}

function handlePrivate(
  dataset: DicomDataset,
  element: DicomElement,
  context: EngineContext,
  actions: AttributeAction[],
  here: string,
  privateKept: Set<number>,
): void {
  const group = element.tag >>> 16;
  const low = element.tag & 0xffff;
  if (low >= 0x10 && low <= 0xff) return; // creators are decided after their blocks
  if (low >= 0x1000 && context.options.has('retain-safe-private')) {
    const blockLow = low >>> 8;
    const creatorElement = dataset.get(((group << 16) | blockLow) >>> 0);
    const creator = decodeString(creatorElement?.value).trim();
    const safe = context.safePrivate.some((rule) => rule.group === group && rule.creator === creator && rule.element === (low & 0xff));
    if (safe) {
      privateKept.add((group << 8) | blockLow);
      actions.push({ path: here, action: 'K-safe-private' });
      if (element.items) recurse(element, context, actions, here, false);
      return;
    }
  }
  dataset.delete(element.tag);
  actions.push({ path: here, action: 'X' });
}

type Action = ResolvedAction | 'Z-unlisted' | 'D-unlisted' | 'K-unlisted' | 'U-unlisted' | 'C-unlisted';

function unlistedAction(element: DicomElement, context: EngineContext, cleaning: boolean): Action {
  if (element.items) return 'K-unlisted';
  const keyword = dictionaryKeyword(element.tag);
  if (element.vr === 'UI') {
    if (keyword && classUidKeywords.has(keyword)) return 'K-unlisted';
    return 'U-unlisted';
  }
  if (keyword === undefined && element.vr === 'UN') return 'Z-unlisted';
  if (TEXT_VRS.has(element.vr)) {
    if (element.vr !== 'PN' && keyword && safeUnlistedTextKeywords.has(keyword)) return 'K-unlisted';
    if (cleaning) return 'C-unlisted';
    return element.value && element.value.length > 0 ? 'D-unlisted' : 'K-unlisted';
  }
  if (TEMPORAL_VRS.has(element.vr)) {
    if (context.options.has('retain-longitudinal-full-dates')) return 'K-unlisted';
    if (context.options.has('modified-dates')) return 'C-unlisted';
    return 'Z-unlisted';
  }
  if (element.vr === 'AS') return 'C-unlisted';
  return 'K-unlisted';
}

function apply(
  dataset: DicomDataset,
  element: DicomElement,
  action: Action,
  context: EngineContext,
  actions: AttributeAction[],
  here: string,
  cleaning: boolean,
): void {
  // Directory records need their keys present: removal becomes an empty value there.
  const base = (context.zeroAsDummy && action === 'X' && !element.items ? 'Z' : action.charAt(0)) as ResolvedAction;
  actions.push({ path: here, action });
  switch (base) {
    case 'X':
      dataset.delete(element.tag);
      return;
    case 'Z':
      if (context.zeroAsDummy && !element.items && element.value && element.value.length > 0) {
        element.value = dummyValue(element.vr);
        context.written?.add(here);
      } else if (element.items) element.items = [];
      else if (element.fragments) dataset.delete(element.tag);
      else element.value = new Uint8Array(0);
      return;
    case 'K':
      if (element.items) recurse(element, context, actions, here, cleaning);
      else if (element.vr === 'AS' && element.value) {
        const before = decodeString(element.value);
        const capped = capAge(before);
        element.value = encodeString(capped, 'AS');
        if (capped !== before.trim()) context.written?.add(here);
      }
      return;
    case 'D':
      if (element.items) recurse(element, context, actions, here, cleaning);
      else {
        element.value = dummyValue(element.vr);
        context.written?.add(here);
      }
      return;
    case 'U':
      if (element.items) recurse(element, context, actions, here, cleaning);
      else if (element.vr === 'UI' && element.value) {
        if (context.options.has('retain-uids')) return;
        element.value = encodeString(context.uids.mapValue(decodeString(element.value)), 'UI');
        context.written?.add(here);
      } else if (element.value && element.value.length > 0) {
        element.value = dummyValue(element.vr);
        context.written?.add(here);
      }
      return;
    case 'C':
      clean(dataset, element, context, actions, here);
      return;
  }
}

function recurse(element: DicomElement, context: EngineContext, actions: AttributeAction[], here: string, cleaning: boolean): void {
  (element.items ?? []).forEach((item, index) => deidentifyDataset(item, context, actions, `${here}[${index}].`, cleaning));
}

/**
 * C: keep the value with identifying information removed. Dates are shifted by the patient's
 * offset (times stay: whole-day offsets leave them valid and unchanged), ages above 89 are
 * capped, sequences are cleaned recursively (unlisted free text inside is cleaned, not emptied),
 * and text keeps its words minus any identifying value of this input. Binary values (overlay,
 * curve data) cannot be cleaned here and are removed.
 */
function clean(dataset: DicomDataset, element: DicomElement, context: EngineContext, actions: AttributeAction[], here: string): void {
  if (element.items) {
    recurse(element, context, actions, here, true);
    return;
  }
  const text = decodeString(element.value);
  switch (element.vr) {
    case 'DA':
    case 'DT':
      if (context.dateOffsetDays === undefined) {
        element.value = encodeString(text, element.vr);
        return;
      }
      element.value = encodeString(element.vr === 'DA' ? shiftDate(text, context.dateOffsetDays) : shiftDateTime(text, context.dateOffsetDays), element.vr);
      context.written?.add(here);
      return;
    case 'TM':
      return;
    case 'AS': {
      const capped = capAge(text);
      element.value = encodeString(capped, 'AS');
      if (capped !== text.trim()) context.written?.add(here);
      return;
    }
    case 'PN':
      element.value = new Uint8Array(0);
      return;
    default:
      if (TEXT_VRS.has(element.vr) || element.vr === 'CS') {
        element.value = encodeString(scrubText(text, context.identifying), element.vr);
        return;
      }
      if (['OB', 'OW', 'OF', 'OD', 'OL', 'OV', 'UN'].includes(element.vr)) {
        dataset.delete(element.tag);
        return;
      }
  }
}

/** Removes every identifying value (case-insensitive) from free text. */
export function scrubText(text: string, identifying: readonly string[]): string {
  let result = text;
  const lower = () => result.toLowerCase();
  for (const value of identifying) {
    if (value.length < 3) continue;
    let at = lower().indexOf(value);
    while (at >= 0) {
      result = `${result.slice(0, at)}${'*'.repeat(value.length)}${result.slice(at + value.length)}`;
      at = lower().indexOf(value, at + value.length);
    }
  }
  return result;
}

/** A dummy value valid for its VR (D): fixed, never derived from the original. */
export function dummyValue(vr: string): Uint8Array {
  switch (vr) {
    case 'DA':
      return encodeString('19000101', vr);
    case 'DT':
      return encodeString('19000101000000', vr);
    case 'TM':
      return encodeString('000000', vr);
    case 'DS':
    case 'IS':
      return encodeString('0', vr);
    case 'AS':
      return encodeString('000Y', vr);
    case 'PN':
      return encodeString('ANONYMIZED', vr);
    case 'UI':
      return encodeString('2.25.0', vr);
    case 'UR':
      return encodeString('urn:anonymized', vr);
    case 'CS':
    case 'AE':
    case 'LO':
    case 'SH':
    case 'ST':
    case 'LT':
    case 'UT':
    case 'UC':
      return encodeString('ANONYMIZED', vr);
    case 'US':
    case 'SS':
      return new Uint8Array(2);
    case 'UL':
    case 'SL':
    case 'FL':
    case 'AT':
      return new Uint8Array(4);
    case 'FD':
    case 'SV':
    case 'UV':
      return new Uint8Array(8);
    default:
      return new Uint8Array(0);
  }
}
