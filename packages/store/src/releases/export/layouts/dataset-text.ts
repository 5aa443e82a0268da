import type { Release, ReleaseManifestV2 } from '@delineate/schema';
import type { ArchiveFile } from '../tar';

export const jsonFile = (path: string, value: unknown): ArchiveFile => ({ path, bytes: new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`) });

/** Label name → value, background 0 first, then the schema's labels by key (nnU-Net's form). */
export function layoutLabels(manifest: ReleaseManifestV2): Record<string, number> {
  return Object.fromEntries([['background', 0], ...[...manifest.labels].sort((a, b) => a.value - b.value).map((l) => [l.key, l.value])]);
}

/** The words every layout's description starts with: what the release is, never a person or patient. */
export function datasetDescription(release: Release, manifest: ReleaseManifestV2): string {
  const labels = [...manifest.labels].sort((a, b) => a.value - b.value).map((l) => `${l.value} ${l.name}`).join(', ');
  return `Delineate release "${release.name}" (manifest ${release.manifestHash}), ${manifest.items.length} case(s), labels: ${labels}. Case identifiers are the subject's pseudonym and the item id.`;
}
