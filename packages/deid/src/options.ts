import { deidOptionNames } from '@delineate/schema';

/**
 * The closed vocabulary of PS3.15 Annex E options (Table E.1-1 columns plus the pixel and
 * visual-feature options of E.3) and the one normaliser from their CLI spelling. The spelling
 * lives in the schema, where project settings are validated against it.
 */
export const deidOptions = deidOptionNames;

export type DeidOption = (typeof deidOptions)[number];

/** CID 7050 code (scheme DCM) for the basic profile and each option. */
export const basicProfileCode = { value: '113100', meaning: 'Basic Application Confidentiality Profile' } as const;

export const optionCodes: Readonly<Record<DeidOption, { readonly value: string; readonly meaning: string }>> = {
  'clean-pixel-data': { value: '113101', meaning: 'Clean Pixel Data Option' },
  'clean-recognizable-visual-features': { value: '113102', meaning: 'Clean Recognizable Visual Features Option' },
  'clean-graphics': { value: '113103', meaning: 'Clean Graphics Option' },
  'clean-structured-content': { value: '113104', meaning: 'Clean Structured Content Option' },
  'clean-descriptors': { value: '113105', meaning: 'Clean Descriptors Option' },
  'retain-longitudinal-full-dates': { value: '113106', meaning: 'Retain Longitudinal Temporal Information Full Dates Option' },
  'modified-dates': { value: '113107', meaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
  'retain-patient-characteristics': { value: '113108', meaning: 'Retain Patient Characteristics Option' },
  'retain-device-identity': { value: '113109', meaning: 'Retain Device Identity Option' },
  'retain-uids': { value: '113110', meaning: 'Retain UIDs Option' },
  'retain-safe-private': { value: '113111', meaning: 'Retain Safe Private Option' },
  'retain-institution-identity': { value: '113112', meaning: 'Retain Institution Identity Option' },
};

const aliases: Readonly<Record<string, DeidOption>> = {
  'retain-longitudinal-modified-dates': 'modified-dates',
  'full-dates': 'retain-longitudinal-full-dates',
};

/**
 * Accepts the CLI spelling (`retain-uids`), the standard's name (`Retain UIDs Option`) or the
 * camel case key; returns undefined for anything else so callers report a usage error.
 */
export function normaliseDeidOption(input: string): DeidOption | undefined {
  const key = input
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/\boption\b/g, '')
    .replace(/[^a-z]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .replace(/^retain-longitudinal-temporal-information-/, 'retain-longitudinal-');
  if ((deidOptions as readonly string[]).includes(key)) return key as DeidOption;
  return aliases[key];
}

/** Parses a comma-separated list; unknown names are returned separately (no partial success). */
export function parseDeidOptions(list: string): { options: DeidOption[]; unknown: string[] } {
  const options: DeidOption[] = [];
  const unknown: string[] = [];
  for (const part of list.split(',').map((p) => p.trim()).filter((p) => p.length > 0)) {
    const option = normaliseDeidOption(part);
    if (option === undefined) unknown.push(part);
    else if (!options.includes(option)) options.push(option);
  }
  return { options, unknown };
}
