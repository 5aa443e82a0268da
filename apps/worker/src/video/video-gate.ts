import { burnedInTextFinding, defaultPixelPolicy, findBurnedInWords, type BurnedInWordPolicy, type DeidFinding, type OcrEngine } from '@delineate/deid';
import { runTool } from './ffmpeg';

/**
 * Metadata a playable copy may carry: the brand atoms and the muxer's and handler's names. Anything
 * else (titles, comments, dates, locations, a device's serial) is a finding.
 */
const allowedProxyTags = new Set(['format.major_brand', 'format.minor_version', 'format.compatible_brands', 'format.encoder', 'stream.language', 'stream.handler_name', 'stream.vendor_id', 'stream.encoder']);

/** Tags left on the proxy that are not on the allowed list (names only; the values may be PHI). */
export async function proxyMetadataFindings(proxyPath: string): Promise<DeidFinding[]> {
  const { stdout } = await runTool('ffprobe', ['-v', 'error', '-show_entries', 'format_tags:stream_tags', '-of', 'json', proxyPath]);
  const json = JSON.parse(stdout) as { format?: { tags?: Record<string, string> }; streams?: { tags?: Record<string, string> }[] };
  const names = [...Object.keys(json.format?.tags ?? {}).map((n) => `format.${n}`), ...(json.streams ?? []).flatMap((s) => Object.keys(s.tags ?? {}).map((n) => `stream.${n}`))];
  return names.filter((n) => !allowedProxyTags.has(n)).map((name): DeidFinding => ({ stage: 'verifier', kind: 'residual-identifier', where: `container tag ${name}` }));
}

export interface GreyFrame {
  readonly frameIndex: number;
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/**
 * The OCR stage on sampled frames, deciding each word and writing its finding as the DICOM
 * pixel stage does (`isBurnedInWord`: confidence, length and glyph contrast; the frame and box,
 * never the text). A video has no device rules, so no region is allowed text.
 */
export async function burnedInTextFindings(ocr: OcrEngine, samples: readonly GreyFrame[], policy: BurnedInWordPolicy = defaultPixelPolicy): Promise<DeidFinding[]> {
  const findings: DeidFinding[] = [];
  for (const sample of samples) {
    for (const word of await findBurnedInWords(ocr, sample, policy)) findings.push({ stage: 'pixel', ...burnedInTextFinding(word, sample.frameIndex) });
  }
  return findings;
}
