/**
 * The viewers, by the kind of item they open. The workspace shell puts the matching one in its
 * viewer slot; OCT, fundus, cine and video register here as they are built.
 */
import type { ViewerRegistration } from '../workspace/viewer-contract';
import { CineViewer } from './cine/CineViewer';
import { OctViewer } from './oct/OctViewer';
import { octClaimedKeys } from './oct/oct-words';
import { RadiologyViewer } from './radiology/RadiologyViewer';
import { prefetchFirstSlice } from './radiology/volume-loader';
import { FundusViewer } from './fundus/FundusViewer';
import { SlideViewer } from './slide/SlideViewer';
import { slideInfo } from './slide/slide-view';
import { VideoViewer } from './video/VideoViewer';

export const viewers: readonly ViewerRegistration[] = [
  // Before the radiology volume: an Ophthalmic Tomography series is a volume too, with an `oct_volumes` row.
  { kinds: ['series_volume'], matches: (item) => item.modality === 'OPT', name: 'OCT volume', component: OctViewer, claimsKeys: octClaimedKeys },
  { kinds: ['series_volume'], name: 'Radiology volume', component: RadiologyViewer, prefetch: (item) => prefetchFirstSlice(item.id, item.grid.slices) },
  { kinds: ['frame_range'], name: 'Endoscopy video', labels: 'tiles', saves: 'viewer', component: VideoViewer },
  { kinds: ['slide_region'], name: 'Whole-slide image', labels: 'tiles', component: SlideViewer, prefetch: (item) => void slideInfo(item.id).catch(() => undefined) },
  { kinds: ['photo'], name: 'Fundus photograph', component: FundusViewer },
  { kinds: ['cine_volume'], name: 'Cardiac cine', saves: 'viewer', component: CineViewer },
];
