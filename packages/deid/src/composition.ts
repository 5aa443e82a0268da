import { getNumber, getString, type DicomDataset } from '@delineate/formats';

/** Coarse, non-identifying attributes kept with the item for the composition document. */
export interface CompositionAttributes {
  readonly ageBand?: string;
  readonly sex?: 'F' | 'M' | 'O';
  readonly modality?: string;
  readonly manufacturer?: string;
  readonly model?: string;
  readonly fieldStrengthT?: number;
  readonly sliceThicknessMm?: number;
  readonly kvp?: number;
  readonly bodyPart?: string;
  /** Slides (supplied by the slide scrubber). */
  readonly stain?: string;
  readonly scanner?: string;
}

function ageYears(dataset: DicomDataset): number | undefined {
  const age = /^(\d{3})([DWMY])$/.exec(getString(dataset, 0x00101010) ?? '');
  if (age) {
    const n = Number(age[1]);
    return age[2] === 'Y' ? n : age[2] === 'M' ? n / 12 : age[2] === 'W' ? n / 52 : n / 365;
  }
  const birth = /^(\d{4})(\d{2})(\d{2})$/.exec(getString(dataset, 0x00100030) ?? '');
  const study = /^(\d{4})(\d{2})(\d{2})$/.exec(getString(dataset, 0x00080020) ?? getString(dataset, 0x00080023) ?? '');
  if (!birth || !study) return undefined;
  const years = Number(study[1]) - Number(birth[1]);
  const beforeBirthday = Number(`${study[2]}${study[3]}`) < Number(`${birth[2]}${birth[3]}`);
  const result = years - (beforeBirthday ? 1 : 0);
  return result >= 0 && result < 150 ? result : undefined;
}

/** Age bands of ten years, with 0–17 and 90+ grouped (no exact age above 89 is ever kept). */
export function ageBand(years: number): string {
  if (years < 18) return '0-17';
  if (years >= 90) return '90+';
  if (years < 30) return '18-29';
  const low = Math.floor(years / 10) * 10;
  return `${low}-${low + 9}`;
}

function text(dataset: DicomDataset, tag: number): string | undefined {
  const value = getString(dataset, tag)?.trim();
  return value ? value : undefined;
}

/** Extracts composition attributes from the INPUT data set, before anything is removed. */
export function extractComposition(dataset: DicomDataset): CompositionAttributes {
  const years = ageYears(dataset);
  const sex = text(dataset, 0x00100040)?.toUpperCase();
  return {
    ...(years === undefined ? {} : { ageBand: ageBand(years) }),
    ...(sex === 'F' || sex === 'M' || sex === 'O' ? { sex } : {}),
    ...optional('modality', text(dataset, 0x00080060)),
    ...optional('manufacturer', text(dataset, 0x00080070)),
    ...optional('model', text(dataset, 0x00081090)),
    ...optional('fieldStrengthT', getNumber(dataset, 0x00180087)),
    ...optional('sliceThicknessMm', getNumber(dataset, 0x00180050)),
    ...optional('kvp', getNumber(dataset, 0x00180060)),
    ...optional('bodyPart', text(dataset, 0x00180015)?.toUpperCase()),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
