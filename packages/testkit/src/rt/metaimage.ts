import { inflateSync } from 'node:zlib';

/**
 * MetaImage (`.mha`, header and voxels in one file) as plastimatch and ITK read and write it:
 * enough to hand a mask to `plastimatch` and read its answer back in the RT tests.
 */
export interface MetaImage {
  readonly dims: readonly [number, number, number];
  readonly spacing: readonly [number, number, number];
  readonly offset: readonly [number, number, number];
  /** Voxel values, x fastest. */
  readonly values: Float64Array;
}

export function writeMetaImageMask(dims: readonly number[], spacing: readonly number[], offset: readonly number[], data: Uint8Array): Uint8Array {
  const header = [
    'ObjectType = Image',
    'NDims = 3',
    'BinaryData = True',
    'BinaryDataByteOrderMSB = False',
    'CompressedData = False',
    'TransformMatrix = 1 0 0 0 1 0 0 0 1',
    `Offset = ${offset.join(' ')}`,
    `ElementSpacing = ${spacing.join(' ')}`,
    `DimSize = ${dims.join(' ')}`,
    'ElementType = MET_UCHAR',
    'ElementDataFile = LOCAL',
    '',
  ].join('\n');
  const head = new TextEncoder().encode(header);
  const out = new Uint8Array(head.length + data.length);
  out.set(head);
  out.set(data, head.length);
  return out;
}

export function readMetaImage(bytes: Uint8Array): MetaImage {
  const marker = 'ElementDataFile = LOCAL\n';
  const text = Buffer.from(bytes).toString('latin1');
  const end = text.indexOf(marker);
  if (end < 0) throw new Error('not a MetaImage with local data');
  const fields = new Map(
    text
      .slice(0, end)
      .split('\n')
      .map((line) => line.split(' = ') as [string, string]),
  );
  const triple = (key: string) => (fields.get(key) ?? '').split(' ').map(Number) as unknown as [number, number, number];
  let raw = bytes.subarray(end + marker.length);
  if (fields.get('CompressedData') === 'True') raw = inflateSync(raw);
  const dims = triple('DimSize');
  const n = dims[0] * dims[1] * dims[2];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const values = new Float64Array(n);
  const type = fields.get('ElementType');
  for (let i = 0; i < n; i++) {
    if (type === 'MET_UCHAR') values[i] = raw[i] ?? 0;
    else if (type === 'MET_FLOAT') values[i] = view.getFloat32(i * 4, true);
    else if (type === 'MET_UINT') values[i] = view.getUint32(i * 4, true);
    else if (type === 'MET_SHORT') values[i] = view.getInt16(i * 2, true);
    else throw new Error(`MetaImage element type ${type} not handled`);
  }
  return { dims, spacing: triple('ElementSpacing'), offset: triple('Offset'), values };
}
