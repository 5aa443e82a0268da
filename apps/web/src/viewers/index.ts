/**
 * The viewers, by the kind of item they open. The workspace shell puts the matching one in its
 * viewer slot; slides, OCT, fundus, cine and video register here as they are built.
 */
import type { ViewerRegistration } from '../workspace/viewer-contract';
import { RadiologyViewer } from './radiology/RadiologyViewer';
import { prefetchFirstSlice } from './radiology/volume-loader';

export const viewers: readonly ViewerRegistration[] = [
  { kinds: ['series_volume'], name: 'Radiology volume', component: RadiologyViewer, prefetch: (item) => prefetchFirstSlice(item.id, item.grid.slices) },
];
