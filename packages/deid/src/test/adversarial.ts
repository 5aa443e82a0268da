import { DicomDataset, encodeString, setString, writeDicomFile, type DicomFile } from '@delineate/formats';

/** Identifying values planted in the adversarial fixture; none may survive the gate. */
export const planted = {
  patientName: 'Zebulon^Quixote^Marchbanks',
  patientId: 'MRN-77441929',
  birthDate: '19410317',
  accession: 'ACC99812377',
  institution: 'Saint Wolfgang Clinic Ravensburg',
  physician: 'Drummond^Evangeline',
  address: '17 Larkspur Crescent',
  privateText: 'Quixote private note 5512',
  unText: 'Marchbanks hidden in UN',
  unPublicName: 'Persimmon^Algernon',
  nestedName: 'Ottoline^Featherstonehaugh',
  srText: 'Patient Zebulon Quixote seen at Larkspur',
  overlayComment: 'Operator Featherstonehaugh marked this',
  studyUid: '1.2.826.0.1.3680043.9.7777.1.1',
  seriesUid: '1.2.826.0.1.3680043.9.7777.1.2',
  sopUid: '1.2.826.0.1.3680043.9.7777.1.3',
  frameOfReferenceUid: '1.2.826.0.1.3680043.9.7777.1.4',
  studyDate: '20190612',
} as const;

function item(build: (ds: DicomDataset) => void): DicomDataset {
  const ds = new DicomDataset(true);
  build(ds);
  return ds;
}

/** Encodes a data set as implicit VR little endian bytes (the payload of a UN-encoded sequence). */
function implicitItemBytes(values: readonly [number, string][]): Uint8Array {
  const parts: number[] = [];
  const push32 = (v: number) => parts.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff);
  const body: number[] = [];
  for (const [t, text] of values) {
    const value = encodeString(text, 'LO');
    body.push((t >>> 16) & 0xff, (t >>> 24) & 0xff, t & 0xff, (t >>> 8) & 0xff);
    body.push(value.length & 0xff, (value.length >>> 8) & 0xff, 0, 0, ...value);
  }
  parts.push(0xfe, 0xff, 0x00, 0xe0);
  push32(body.length);
  parts.push(...body);
  return Uint8Array.from(parts);
}

/**
 * A small CT image with PHI planted everywhere the gate must look: standard tags, private tags
 * (with and without a creator), a private sequence, a UN-encoded sequence, three-deep nested
 * sequences, an SR-style content sequence, overlay data and comments, and references by UID.
 */
export function adversarialCt(modality = 'CT', burnedInAnnotation?: 'YES' | 'NO'): Uint8Array {
  const ds = new DicomDataset(true);
  const s = (t: number, vr: string, v: string) => setString(ds, t, vr, v);
  s(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.2');
  s(0x00080018, 'UI', planted.sopUid);
  s(0x00080020, 'DA', planted.studyDate);
  s(0x00080030, 'TM', '101500');
  s(0x00080050, 'SH', planted.accession);
  s(0x00080060, 'CS', modality);
  if (burnedInAnnotation) s(0x00280301, 'CS', burnedInAnnotation);
  s(0x00080070, 'LO', 'ACME');
  s(0x00080080, 'LO', planted.institution);
  s(0x00080081, 'ST', planted.address);
  s(0x00080090, 'PN', planted.physician);
  s(0x00081090, 'LO', 'Scanmaster 9000');
  s(0x00100010, 'PN', planted.patientName);
  s(0x00100020, 'LO', planted.patientId);
  s(0x00100030, 'DA', planted.birthDate);
  s(0x00100040, 'CS', 'F');
  s(0x00101010, 'AS', '093Y');
  s(0x00180050, 'DS', '1.25');
  s(0x00180060, 'DS', '120');
  s(0x0020000d, 'UI', planted.studyUid);
  s(0x0020000e, 'UI', planted.seriesUid);
  s(0x00200052, 'UI', planted.frameOfReferenceUid);
  s(0x00200010, 'SH', 'S1');
  // Referenced image sequence → nested request attributes → person three levels down.
  ds.set({
    tag: 0x00081140,
    vr: 'SQ',
    items: [
      item((i) => {
        setString(i, 0x00081150, 'UI', '1.2.840.10008.5.1.4.1.1.2');
        setString(i, 0x00081155, 'UI', planted.sopUid);
        i.set({
          tag: 0x00400275,
          vr: 'SQ',
          items: [
            item((j) => {
              setString(j, 0x00400009, 'SH', planted.accession);
              j.set({ tag: 0x00081120, vr: 'SQ', items: [item((k) => setString(k, 0x00100010, 'PN', planted.nestedName))] });
            }),
          ],
        });
      }),
    ],
  });
  // SR-like content with free text and a person name.
  ds.set({
    tag: 0x0040a730,
    vr: 'SQ',
    items: [
      item((i) => {
        setString(i, 0x0040a040, 'CS', 'TEXT');
        setString(i, 0x0040a160, 'UT', planted.srText);
        setString(i, 0x0040a123, 'PN', planted.nestedName);
      }),
    ],
  });
  // Private block with creator, a private sequence, and an element without a creator.
  s(0x00110010, 'LO', 'ACME PRIVATE');
  s(0x00111001, 'LT', planted.privateText);
  ds.set({ tag: 0x00111002, vr: 'SQ', items: [item((i) => setString(i, 0x00100010, 'PN', planted.patientName))] });
  ds.set({ tag: 0x00131001, vr: 'LO', value: encodeString(planted.patientId, 'LO') });
  // A UN-encoded private sequence (implicit VR items inside an explicit UN element).
  s(0x00150010, 'LO', 'ACME UN');
  ds.set({ tag: 0x00151001, vr: 'UN', value: implicitItemBytes([[0x00100010, planted.unText]]) });
  // A standard sequence that arrived UN-encoded (implicit VR items), with a person name inside.
  ds.set({ tag: 0x0040a043, vr: 'UN', value: implicitItemBytes([[0x0040a123, planted.unPublicName]]) });
  // Overlay plane with comments and data.
  ds.set({ tag: 0x60000010, vr: 'US', value: Uint8Array.of(4, 0) });
  ds.set({ tag: 0x60000011, vr: 'US', value: Uint8Array.of(4, 0) });
  s(0x60004000, 'LT', planted.overlayComment);
  ds.set({ tag: 0x60003000, vr: 'OW', value: new Uint8Array(2) });
  // 4x4 16-bit image.
  ds.set({ tag: 0x00280002, vr: 'US', value: Uint8Array.of(1, 0) });
  s(0x00280004, 'CS', 'MONOCHROME2');
  ds.set({ tag: 0x00280010, vr: 'US', value: Uint8Array.of(4, 0) });
  ds.set({ tag: 0x00280011, vr: 'US', value: Uint8Array.of(4, 0) });
  ds.set({ tag: 0x00280100, vr: 'US', value: Uint8Array.of(16, 0) });
  ds.set({ tag: 0x00280101, vr: 'US', value: Uint8Array.of(12, 0) });
  ds.set({ tag: 0x00280102, vr: 'US', value: Uint8Array.of(11, 0) });
  ds.set({ tag: 0x00280103, vr: 'US', value: Uint8Array.of(0, 0) });
  ds.set({ tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(32) });

  const meta = new DicomDataset(true);
  meta.set({ tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) });
  setString(meta, 0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.2');
  setString(meta, 0x00020003, 'UI', planted.sopUid);
  setString(meta, 0x00020010, 'UI', '1.2.840.10008.1.2.1');
  setString(meta, 0x00020012, 'UI', '1.2.826.0.1.3680043.9.7777');
  setString(meta, 0x00020016, 'AE', 'WOLFGANGCT');
  const file: DicomFile = { meta, dataset: ds, transferSyntaxUid: '1.2.840.10008.1.2.1', hadPreamble: true };
  return writeDicomFile(file);
}
