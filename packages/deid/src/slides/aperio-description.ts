/**
 * Aperio (SVS) ImageDescription: a header (library version and geometry lines, older headers
 * chained with ';'), then `|key = value` fields. The header keeps only lines that match the
 * known shapes; fields are kept only when the key is allowlisted and the value is a number.
 * Everything removed is returned so the verifier can look for it in the output.
 */
const keptKeys = new Set(
  [
    'AppMag',
    'MPP',
    'StripeWidth',
    'OriginalWidth',
    'OriginalHeight',
    'Originalheight',
    'OriginalTiffWidth',
    'OriginalTiffHeight',
    'Filtered',
    'Exposure Time',
    'Exposure Scale',
    'Gamma',
    'Focus Offset',
    'LineCameraSkew',
    'LineAreaXOffset',
    'LineAreaYOffset',
    'Left',
    'Top',
  ].map((k) => k.toLowerCase()),
);

const headerLine = [
  /^Aperio Image Library v?[\d.]+ ?$/,
  /^Aperio Image Format$/,
  /^\d+x\d+( \[\d+,\d+ \d+x\d+\])?( \(\d+x\d+\))?( -> \d+x\d+)?( -)?( [A-Z0-9]+\/[A-Z0-9]+)?( Q=\d+)?( R=[\d.]+)? ?$/,
  /^(label|macro|thumbnail) \d+x\d+ ?$/i,
];

const numeric = /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/;

export interface ScrubbedDescription {
  readonly text: string;
  /** Values taken out (never logged; used only to verify their absence). */
  readonly removedValues: readonly string[];
  readonly removedKeys: readonly string[];
  /** Values read before removal for the composition record. */
  readonly stain: string | undefined;
}

export function isAperioDescription(description: string): boolean {
  return description.startsWith('Aperio');
}

export function scrubAperioDescription(description: string): ScrubbedDescription {
  const [header = '', ...fields] = description.split('|');
  const removedValues: string[] = [];
  const removedKeys: string[] = [];
  const keptHeader = header
    .split(/(\r?\n|;)/)
    .map((part) => {
      if (part === ';' || /^\r?\n$/.test(part) || part.length === 0) return part;
      if (headerLine.some((re) => re.test(part))) return part;
      removedValues.push(part.trim());
      return '';
    })
    .join('');
  let stain: string | undefined;
  const keptFields: string[] = [];
  for (const field of fields) {
    const eq = field.indexOf('=');
    const key = (eq >= 0 ? field.slice(0, eq) : field).trim();
    const value = eq >= 0 ? field.slice(eq + 1).trim() : '';
    if (/^stain$/i.test(key) && /^[A-Za-z0-9&+\- ]{1,32}$/.test(value)) stain = value;
    if (keptKeys.has(key.toLowerCase()) && numeric.test(value)) {
      keptFields.push(`${key} = ${value}`);
      continue;
    }
    removedKeys.push(key);
    if (value.length > 0) removedValues.push(value);
  }
  return { text: [keptHeader, ...keptFields].join('|'), removedValues, removedKeys, stain };
}
