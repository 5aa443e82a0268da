import { keyedHash } from './crypto-keys';

const DAY_MS = 86_400_000;
/** Offsets fall in [-MAX_OFFSET_DAYS, -1]: always into the past, never zero. */
export const MAX_OFFSET_DAYS = 3650;

/** One offset (in days) per patient pseudonym, derived from the project secret. */
export function dateOffsetDays(secret: Uint8Array, pseudonym: string): number {
  return -(1 + (keyedHash(secret, 'date-offset', pseudonym).readUInt32BE(0) % MAX_OFFSET_DAYS));
}

function shiftYmd(ymd: string, days: number): string | undefined {
  if (!/^\d{8}$/.test(ymd)) return undefined;
  const year = Number(ymd.slice(0, 4));
  const month = Number(ymd.slice(4, 6));
  const day = Number(ymd.slice(6, 8));
  const time = Date.UTC(year, month - 1, day);
  const check = new Date(time);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  const shifted = new Date(time + days * DAY_MS);
  const y = shifted.getUTCFullYear();
  if (y < 1) return undefined;
  return `${String(y).padStart(4, '0')}${String(shifted.getUTCMonth() + 1).padStart(2, '0')}${String(shifted.getUTCDate()).padStart(2, '0')}`;
}

/** Shifts one DA value (or a range "A-B"); returns '' when the value is not a valid date. */
export function shiftDate(value: string, days: number): string {
  return value
    .split('\\')
    .map((single) =>
      single
        .trim()
        .split('-')
        .map((part) => (part === '' ? '' : (shiftYmd(part, days) ?? '')))
        .join('-'),
    )
    .join('\\');
}

/**
 * Shifts one DT value, keeping its precision, time and offset suffix. A value with less than a
 * full date (YYYY or YYYYMM) is shifted as the first day of that period and cut back to the same
 * precision, so it stays valid for the VR.
 */
export function shiftDateTime(value: string, days: number): string {
  return value
    .split('\\')
    .map((single) =>
      single
        .trim()
        .split(/(?<=\d)-(?=\d{4})/)
        .map((part) => shiftOneDateTime(part, days))
        .join('-'),
    )
    .join('\\');
}

function shiftOneDateTime(part: string, days: number): string {
  const match = /^(\d{4})(\d{2})?(\d{2})?(.*)$/.exec(part.trim());
  if (!match) return '';
  const [, year = '', month, day, rest = ''] = match;
  const shifted = shiftYmd(`${year}${month ?? '01'}${day ?? '01'}`, days);
  if (!shifted) return '';
  const precision = 4 + (month ? 2 : 0) + (day ? 2 : 0);
  return precision < 8 ? shifted.slice(0, precision) : `${shifted}${rest}`;
}

/** Caps ages above 89 years at "090Y" (HIPAA Safe Harbor aggregation; PS3.15 leaves the method open). */
export function capAge(value: string): string {
  const match = /^(\d{3})([DWMY])$/.exec(value.trim());
  if (!match) return '';
  const [, amount = '0', unit = 'Y'] = match;
  const n = Number(amount);
  const years = unit === 'Y' ? n : unit === 'M' ? n / 12 : unit === 'W' ? n / 52 : n / 365;
  return years > 89 ? '090Y' : value.trim();
}
