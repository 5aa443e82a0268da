import { ctBody, ctBone, ctLung, RegionGrowing, regionMask, thresholdInBox, type VolumeDims } from '@delineate/core';
import { DelineateError, exhaustiveSwitchError } from '@delineate/schema';
import { promptRegion, type PreannotationRuntime, type RuntimeInput, type RuntimeOutput } from './runtime';

/**
 * The classical pre-annotators (no weights): CT body, lung and bone over the volume (laid into
 * the prompt's slice or box), click-seeded region growing, and threshold inside a box. Each
 * draws the manifest's first output index. Region growing keeps its buffers for the last grid it
 * grew on: clicks on one item follow each other, and a grower that has run before allocates nothing.
 */
export function builtinRuntime(): PreannotationRuntime {
  let grower: RegionGrowing | null = null;
  const growerFor = (dims: VolumeDims) => (grower && grower.dims.every((n, i) => n === dims[i]) ? grower : (grower = new RegionGrowing(dims)));
  return {
    kind: 'builtin',
    async run(input: RuntimeInput): Promise<RuntimeOutput> {
      const { manifest, geometry: g, hu, prompt } = input;
      if (manifest.runtime.kind !== 'builtin') throw new DelineateError('DLN_MODEL_MANIFEST_INVALID', 'Not a built-in model');
      const dims: VolumeDims = [g.columns, g.rows, g.slices];
      const region = promptRegion(prompt, g);
      const index = manifest.outputs[0]!.index;
      const preannotator = manifest.runtime.preannotator;
      let mask: Uint8Array;
      switch (preannotator) {
        case 'ct_body':
          mask = ctBody(hu, dims);
          break;
        case 'ct_lung':
          mask = ctLung(hu, dims);
          break;
        case 'ct_bone':
          mask = ctBone(hu, dims);
          break;
        case 'region_grow':
          if (prompt.kind !== 'click') throw new DelineateError('DLN_MODEL_PROMPT_INVALID', 'Region growing starts from a click');
          mask = regionMask(growerFor(dims).grow(hu, prompt.point, { tolerance: prompt.toleranceHu }), hu.length);
          break;
        case 'box_threshold':
          if (prompt.kind !== 'box' || !prompt.window) throw new DelineateError('DLN_MODEL_PROMPT_INVALID', 'Threshold in a box needs a box and an HU window');
          mask = thresholdInBox(hu, dims, { min: prompt.min, max: prompt.max }, prompt.window);
          break;
        default:
          return exhaustiveSwitchError(preannotator);
      }
      for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) mask[i] = index;
      return { indices: mask, region };
    },
  };
}
