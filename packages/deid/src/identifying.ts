import { decodeString, dictionaryKeyword, type DicomDataset } from '@delineate/formats';
import { profileRowFor, resolveAction } from './table';
import { classUidKeywords, safeUnlistedTextKeywords } from './safe-lists';
import { isWellKnownUid } from './uids';
import type { DeidOption } from './options';

const CANDIDATE_VRS = new Set(['PN', 'LO', 'SH', 'ST', 'LT', 'UT', 'UC', 'UR', 'AE', 'DA', 'DT', 'UI']);
const KEPT_VRS = new Set([...CANDIDATE_VRS, 'CS', 'DS', 'IS', 'AS', 'TM']);
/** Short numbers (study IDs, counters) occur inside every UID and number: not evidence of a leak. */
const SHORT_NUMBER = /^[\d.\s+-]{1,7}$/;
/** Our own dummy and marker vocabulary never counts as a leak. */
const IGNORED = new Set(['anonymized', 'anonymous', 'yes', 'no', 'none', 'unknown', 'dcm', 'delineate']);

/** ASCII-only lower case (the same folding the verifier applies to output bytes). */
export function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/**
 * The identifying values of an input, collected before de-identification: every value of a
 * text, date or UID attribute that the profile (under these options) does not keep — standard
 * attributes acted on by the table, unlisted free text, all private text — at every depth.
 * Person names contribute their components (split at ^ and =) too. Values that the profile
 * keeps elsewhere in the same input (e.g. a body part also named in a description, or a vendor
 * name inside the kept Manufacturer) are dropped, since finding them in the output proves
 * nothing; so are numbers shorter than 8 characters, which occur inside any UID.
 */
export function collectIdentifyingValues(dataset: DicomDataset, options: ReadonlySet<DeidOption>): string[] {
  const found = new Set<string>();
  const kept = new Set<string>();
  const visit = (ds: DicomDataset, cleaning: boolean): void => {
    for (const element of ds.elements.values()) {
      if (element.items) {
        // Inside a sequence the profile cleans (C), unlisted free text is cleaned, not emptied.
        const row = (element.tag >>> 16) % 2 === 0 ? profileRowFor(element.tag) : undefined;
        const cleans = cleaning || (row !== undefined && resolveAction(row, options, true) === 'C');
        for (const item of element.items) visit(item, cleans);
        continue;
      }
      if (!element.value || element.fragments) continue;
      const isPrivate = (element.tag >>> 16) % 2 === 1;
      const vr = isPrivate && element.vr === 'UN' ? 'LO' : element.vr;
      if (!KEPT_VRS.has(vr)) continue;
      const text = decodeString(element.value);
      if (!text) continue;
      const role = CANDIDATE_VRS.has(vr) ? classify(element.tag, vr, text, isPrivate, options, cleaning) : 'kept';
      if (role === 'cleaned') continue;
      for (const value of text.split('\\')) addValue(role === 'identifying' ? found : kept, value, vr);
    }
  };
  visit(dataset, false);
  const keptText = [...kept].join('\u0000');
  return [...found]
    .filter((value) => !IGNORED.has(value) && !keptText.includes(value) && !SHORT_NUMBER.test(value))
    .sort((a, b) => b.length - a.length);
}

/**
 * 'identifying': the profile removes or replaces the value; 'kept': the profile keeps it as is;
 * 'cleaned': the profile keeps the text minus identifying values (a C action), so it is neither
 * evidence of a leak nor a reason to ignore one.
 */
function classify(
  tag: number,
  vr: string,
  text: string,
  isPrivate: boolean,
  options: ReadonlySet<DeidOption>,
  cleaning: boolean,
): 'identifying' | 'kept' | 'cleaned' {
  const yes = (flag: boolean) => (flag ? 'identifying' : 'kept');
  if (isPrivate) return yes((tag & 0xffff) > 0xff); // creator strings name vendors, not people
  if (tag === 0x00100010 || tag === 0x00100020) return 'identifying';
  const row = profileRowFor(tag);
  if (row) {
    const action = resolveAction(row, options);
    if (action === 'K') return 'kept';
    if (action === 'U') return yes(!isWellKnownUid(text));
    if (action === 'C') {
      if (vr === 'DA' || vr === 'DT') return yes(options.has('modified-dates'));
      return 'cleaned';
    }
    return 'identifying';
  }
  const keyword = dictionaryKeyword(tag);
  if (vr === 'UI') return yes(!(keyword && classUidKeywords.has(keyword)) && !isWellKnownUid(text) && !options.has('retain-uids'));
  if (vr === 'DA' || vr === 'DT') return yes(!options.has('retain-longitudinal-full-dates'));
  if (keyword && safeUnlistedTextKeywords.has(keyword)) return 'kept';
  return cleaning && vr !== 'PN' ? 'cleaned' : 'identifying';
}

function addValue(sink: Set<string>, raw: string, vr: string): void {
  const value = asciiLower(raw.trim());
  if (value.length >= 3) sink.add(value);
  if (vr === 'PN') {
    for (const component of value.split(/[\^=]/)) {
      const part = component.trim();
      if (part.length >= 3) sink.add(part);
      for (const word of part.split(/\s+/)) if (word.length >= 4) sink.add(word);
    }
  }
  if (vr === 'DT' && value.length >= 8) sink.add(value.slice(0, 8));
}
