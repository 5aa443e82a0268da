import { DicomDataset, encodeString, getNumber, readDicomFile, setString, writeDicomFile, type DicomFile } from '@delineate/formats';

/** A DICOM whole-slide series made from a TILED_FULL instance: its TILED_SPARSE twin and a label instance. */
export interface SparseDicomSlide {
  /** The same tiles stored in reverse frame order, each placed by its Plane Position (Slide). */
  readonly sparse: Uint8Array;
  /** A LABEL instance of the same series (its pixels are the slide's, standing for a label photograph). */
  readonly label: Uint8Array;
  /** Identifying values planted in both instances. */
  readonly phi: { readonly patientName: string; readonly patientId: string; readonly accession: string; readonly container: string };
}

const tags = {
  imageType: 0x00080008,
  sopInstanceUid: 0x00080018,
  accession: 0x00080050,
  patientName: 0x00100010,
  patientId: 0x00100020,
  containerId: 0x00400512,
  dimensionOrganizationType: 0x00209311,
  rows: 0x00280010,
  columns: 0x00280011,
  frames: 0x00280008,
  totalColumns: 0x00480006,
  perFrameGroups: 0x52009230,
  planePositionSlide: 0x0048021a,
  columnPosition: 0x0048021e,
  rowPosition: 0x0048021f,
  pixelData: 0x7fe00010,
} as const;

function plant(file: DicomFile, phi: SparseDicomSlide['phi']): void {
  setString(file.dataset, tags.patientName, 'PN', phi.patientName);
  setString(file.dataset, tags.patientId, 'LO', phi.patientId);
  setString(file.dataset, tags.accession, 'SH', phi.accession);
  setString(file.dataset, tags.containerId, 'LO', phi.container);
}

function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, true);
  return out;
}

/**
 * From a TILED_FULL instance with native (uncompressed) pixels: the sparse twin lists its frames
 * last to first, each with its position in the total pixel matrix, so a reader that placed
 * frames in storage order would draw a different slide.
 */
export function sparseDicomSlide(tiledFull: Uint8Array): SparseDicomSlide {
  const phi = { patientName: 'SPARSE^PLANTED^NAME', patientId: 'PLANTED-ID-4242', accession: 'ACC-PLANTED-99', container: 'CONTAINER-PLANTED-7' };
  const file = readDicomFile(tiledFull);
  const d = file.dataset;
  const rows = getNumber(d, tags.rows)!;
  const columns = getNumber(d, tags.columns)!;
  const frames = getNumber(d, tags.frames)!;
  const across = Math.ceil(getNumber(d, tags.totalColumns)! / columns);
  const pixels = d.get(tags.pixelData)!.value!;
  const frameBytes = rows * columns * 3;
  const reversed = new Uint8Array(pixels.length);
  const positions: DicomDataset[] = [];
  for (let k = 0; k < frames; k++) {
    const original = frames - 1 - k;
    reversed.set(pixels.subarray(original * frameBytes, (original + 1) * frameBytes), k * frameBytes);
    const position = new DicomDataset();
    position.set({ tag: tags.columnPosition, vr: 'SL', value: uint32((original % across) * columns + 1) });
    position.set({ tag: tags.rowPosition, vr: 'SL', value: uint32(Math.floor(original / across) * rows + 1) });
    const group = new DicomDataset();
    group.set({ tag: tags.planePositionSlide, vr: 'SQ', items: [position] });
    positions.push(group);
  }
  d.set({ tag: tags.pixelData, vr: 'OB', value: reversed });
  d.set({ tag: tags.perFrameGroups, vr: 'SQ', items: positions });
  setString(d, tags.dimensionOrganizationType, 'CS', 'TILED_SPARSE');
  plant(file, phi);
  const sparse = writeDicomFile(file);

  const label = readDicomFile(tiledFull);
  label.dataset.set({ tag: tags.imageType, vr: 'CS', value: encodeString('ORIGINAL\\PRIMARY\\LABEL\\NONE', 'CS') });
  setString(label.dataset, tags.sopInstanceUid, 'UI', `${getSop(label)}.9`);
  setString(label.meta, 0x00020003, 'UI', `${getSop(label)}`);
  plant(label, phi);
  return { sparse, label: writeDicomFile(label), phi };
}

function getSop(file: DicomFile): string {
  const value = file.dataset.get(tags.sopInstanceUid)?.value;
  return value ? new TextDecoder().decode(value).replace(/[\0 ]+$/, '') : '1.2.3';
}
