import { DicomDataset, encodeString, setString } from '@delineate/formats';
import { basicProfileCode, deidOptions, optionCodes, type DeidOption } from './options';

/** The DeidentificationMethod text: one LO value per applied profile/option (each ≤ 64 characters). */
export function methodText(options: ReadonlySet<DeidOption>): string {
  return ['DELINEATE PS3.15 E.1 BASIC PROFILE', ...deidOptions.filter((o) => options.has(o)).map((o) => o.toUpperCase())].join('\\');
}

function codeItem(value: string, meaning: string): DicomDataset {
  const item = new DicomDataset(true);
  setString(item, 0x00080100, 'SH', value);
  setString(item, 0x00080102, 'SH', 'DCM');
  setString(item, 0x00080104, 'LO', meaning);
  return item;
}

/** Where writeMarkers writes (a sequence path covers its items): values of the gate, not the source. */
export const MARKER_PATHS: readonly string[] = ['00120062', '00120063', '00120064', '00280303'];

/**
 * PatientIdentityRemoved, DeidentificationMethod, DeidentificationMethodCodeSequence (CID 7050:
 * the basic profile and every option applied) and LongitudinalTemporalInformationModified.
 */
export function writeMarkers(dataset: DicomDataset, options: ReadonlySet<DeidOption>): void {
  setString(dataset, 0x00120062, 'CS', 'YES');
  setString(dataset, 0x00120063, 'LO', methodText(options));
  const items = [codeItem(basicProfileCode.value, basicProfileCode.meaning)];
  const applied = deidOptions.filter((option) => options.has(option)).map((option) => optionCodes[option]);
  for (const code of applied.sort((a, b) => a.value.localeCompare(b.value))) items.push(codeItem(code.value, code.meaning));
  dataset.set({ tag: 0x00120064, vr: 'SQ', items });
  const temporal = options.has('modified-dates') ? 'MODIFIED' : options.has('retain-longitudinal-full-dates') ? 'UNMODIFIED' : 'REMOVED';
  dataset.set({ tag: 0x00280303, vr: 'CS', value: encodeString(temporal, 'CS') });
}
