import type { Cell, Label, SlideRegion, TaskField } from '@delineate/schema';
import { cocoRle, type CocoRle } from './coco-rle';

/**
 * Exports of a pathology task (issue 17 §5). GeoJSON as QuPath reads it: a FeatureCollection
 * in full-resolution pixel coordinates (y down), each feature's `properties.objectType`
 * (`annotation` for the region and points, `detection` for nuclei) and `classification`
 * ({ name, color: [r, g, b] }, QuPath's key); the pixel size is stated on the collection and on
 * the region. COCO: one image per field, one RLE annotation per label present in it.
 */

const rgb = (hex: string): [number, number, number] => [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
const ring = (points: ReadonlyArray<readonly [number, number]>) => [...points.map(([x, y]) => [x, y]), [points[0]![0], points[0]![1]]];

export function regionGeoJson(region: SlideRegion, cells: readonly Cell[]) {
  const classes = new Map(region.template.cellClasses.map((c) => [c.key, c]));
  const pixelSize = { pixelWidthMicrons: region.slideMpp, pixelHeightMicrons: region.slideMpp };
  return {
    type: 'FeatureCollection' as const,
    properties: { ...pixelSize, coordinates: 'full-resolution pixels, origin top-left, y down', regionId: region.id, magnification: region.template.magnification },
    features: [
      {
        type: 'Feature' as const,
        id: region.id,
        geometry: { type: 'Polygon' as const, coordinates: [ring(region.polygon)] },
        properties: { objectType: 'annotation', name: `Region (${region.template.magnification}× task)`, isLocked: true, ...pixelSize },
      },
      ...cells.map((cell) => {
        const cls = classes.get(cell.classKey);
        const classification = { name: cls?.name ?? cell.classKey, color: rgb(cls?.colour ?? '#808080') };
        const provenance = {
          delineateCellId: cell.id,
          classKey: cell.classKey,
          source: cell.source.kind === 'person' ? 'person' : `${cell.source.model} ${cell.source.version}`,
          authorId: cell.authorId,
          reviewStatus: cell.reviewStatus,
        };
        return cell.polygon
          ? { type: 'Feature' as const, geometry: { type: 'Polygon' as const, coordinates: [ring(cell.polygon)] }, properties: { objectType: 'detection', classification, ...provenance } }
          : { type: 'Feature' as const, geometry: { type: 'Point' as const, coordinates: [cell.x, cell.y] }, properties: { objectType: 'annotation', classification, ...provenance } };
      }),
    ],
  };
}

export interface CocoFieldExport {
  info: { description: string; pixelWidthMicrons: number };
  images: Array<{ id: number; width: number; height: number; file_name: string; delineate_field: { index: number; x: number; y: number } }>;
  categories: Array<{ id: number; name: string; supercategory: string }>;
  annotations: Array<{ id: number; image_id: number; category_id: number; segmentation: CocoRle; area: number; bbox: [number, number, number, number]; iscrowd: 1 }>;
}

/** `mask` is the region item's label image (bounds.width × bounds.height, origin at the bounds' corner). */
export function cocoPerField(region: SlideRegion, fields: ReadonlyArray<Pick<TaskField, 'index' | 'box'>>, labels: readonly Label[], mask: Uint8Array): CocoFieldExport {
  const out: CocoFieldExport = {
    info: { description: `Delineate region ${region.id}: one image per field, COCO RLE per label`, pixelWidthMicrons: region.slideMpp },
    images: [],
    categories: labels.map((l) => ({ id: l.value, name: l.name, supercategory: 'tissue' })),
    annotations: [],
  };
  const W = region.bounds.width;
  for (const field of fields) {
    const { x, y, width, height } = field.box;
    const crop = new Uint8Array(width * height);
    for (let r = 0; r < height; r++) {
      const from = (y - region.bounds.y + r) * W + (x - region.bounds.x);
      crop.set(mask.subarray(from, from + width), r * width);
    }
    const image = { id: field.index + 1, width, height, file_name: `field-${field.index}.png`, delineate_field: { index: field.index, x, y } };
    out.images.push(image);
    for (const label of labels) {
      let area = 0, x0 = Infinity, y0 = Infinity, x1 = -1, y1 = -1;
      for (let i = 0; i < crop.length; i++) {
        if (crop[i] !== label.value) continue;
        area++;
        const cx = i % width, cy = Math.floor(i / width);
        x0 = Math.min(x0, cx);
        x1 = Math.max(x1, cx);
        y0 = Math.min(y0, cy);
        y1 = Math.max(y1, cy);
      }
      if (area === 0) continue;
      out.annotations.push({
        id: out.annotations.length + 1,
        image_id: image.id,
        category_id: label.value,
        segmentation: cocoRle(crop, width, height, (v) => v === label.value),
        area,
        bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1],
        iscrowd: 1,
      });
    }
  }
  return out;
}
