import { useEffect, useState } from 'react';
import { labelVolumes, type LabelVolume } from '../viewer/measure';

/**
 * Each label's volume in the shown label volume, counted again a moment after the labels stop
 * changing: one pass over the volume per pause, not one per brush step.
 */
export function useLabelVolumes(shown: Uint8Array | null, version: number, spacing: readonly [number, number, number] | null): ReadonlyMap<number, LabelVolume> | null {
  const [volumes, setVolumes] = useState<ReadonlyMap<number, LabelVolume> | null>(null);
  useEffect(() => {
    if (!shown || !spacing) return;
    const timer = window.setTimeout(() => setVolumes(labelVolumes(shown, spacing)), 150);
    return () => window.clearTimeout(timer);
  }, [shown, version, spacing]);
  return volumes;
}
