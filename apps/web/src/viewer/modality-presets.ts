import { windowPresets, type WindowLevel } from './render';

/** A window the viewer offers, with the words shown for it. */
export interface WindowPreset {
  readonly key: string;
  readonly label: string;
  readonly window: WindowLevel;
}

/**
 * How the viewer shows an item of a modality: the unit of its values and the windows it offers.
 * Only CT values are Hounsfield units, so only CT gets HU and the CT windows (lung, bone…);
 * MR signal and other modalities' pixel values have no fixed scale, so their windows come from
 * the item's own values.
 */
export interface ModalityDisplay {
  readonly modality: string;
  /** `HU` for CT; null when the values have no physical unit. */
  readonly unit: 'HU' | null;
  /** What a value is called on screen, e.g. "HU" or "signal intensity". */
  readonly valueLabel: string;
  readonly presets: readonly WindowPreset[];
  /** The window shown first. */
  readonly initial: WindowLevel;
}

const ctLabels: Readonly<Record<string, string>> = {
  lung: 'Lung',
  mediastinum: 'Mediastinum',
  abdomen: 'Abdomen',
  liver: 'Liver',
  bone: 'Bone',
  brain: 'Brain',
};

const valueLabels: Readonly<Record<string, string>> = {
  MR: 'signal intensity',
  PT: 'uptake value',
};

/** The distribution of an item's values the windows of non-CT modalities are made from. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
  /** The 1st and 99th percentiles: a window that ignores the few extreme voxels. */
  readonly p1: number;
  readonly p99: number;
}

/** Min, max and the 1st/99th percentiles of the values (a histogram over int16, no sorting). */
export function valueRange(values: Int16Array): ValueRange {
  if (values.length === 0) return { min: 0, max: 0, p1: 0, p99: 0 };
  const counts = new Uint32Array(65536);
  for (let i = 0; i < values.length; i++) counts[values[i]! + 32768]! += 1;
  const at = (fraction: number): number => {
    const target = Math.max(1, Math.ceil(fraction * values.length));
    let seen = 0;
    for (let v = 0; v < 65536; v++) {
      seen += counts[v]!;
      if (seen >= target) return v - 32768;
    }
    return 32767;
  };
  return { min: at(0), max: at(1), p1: at(0.01), p99: at(0.99) };
}

function windowBetween(low: number, high: number): WindowLevel {
  const width = Math.max(1, high - low);
  return { width, centre: low + width / 2 };
}

/**
 * The display of an item: CT with HU and the CT windows; any other modality with no unit and two
 * windows from its values (the contrast window between the 1st and 99th percentiles, shown first,
 * and the whole range). Without values yet, a non-CT item gets a placeholder full int16 window.
 */
export function modalityDisplay(modality: string, range?: ValueRange): ModalityDisplay {
  if (modality === 'CT') {
    return {
      modality,
      unit: 'HU',
      valueLabel: 'HU',
      presets: Object.entries(windowPresets).map(([key, window]) => ({ key, label: ctLabels[key] ?? key, window })),
      initial: windowPresets.abdomen!,
    };
  }
  const contrast = range ? windowBetween(range.p1, range.p99) : windowBetween(-32768, 32767);
  const whole = range ? windowBetween(range.min, range.max) : contrast;
  return {
    modality,
    unit: null,
    valueLabel: valueLabels[modality] ?? 'pixel value',
    presets: [
      { key: 'contrast', label: 'Contrast (1st–99th percentile)', window: contrast },
      { key: 'full', label: 'Full range', window: whole },
    ],
    initial: contrast,
  };
}

/** A value with its unit for the status line: "-40 HU" for CT, "812 (signal intensity)" otherwise. */
export function formatValue(display: ModalityDisplay, value: number): string {
  return display.unit ? `${value} ${display.unit}` : `${value} (${display.valueLabel})`;
}
