import type { Measurement } from '../../tools';
import type { ModalityDisplay } from '../../viewer/modality-presets';

/** A measurement in words: "42.5 mm"; "mean 48.2 ± 9.7 HU · 310 mm²" (the unit only where there is one). */
export function measurementText(m: Measurement, display: ModalityDisplay): string {
  if (m.kind === 'ruler') return `${m.lengthMm.toFixed(1)} mm`;
  if (!m.stats) return '';
  const unit = display.unit ? ` ${display.unit}` : '';
  return `mean ${m.stats.mean.toFixed(1)} ± ${m.stats.sd.toFixed(1)}${unit} (SD) · ${Math.round(m.stats.areaMm2)} mm²`;
}
