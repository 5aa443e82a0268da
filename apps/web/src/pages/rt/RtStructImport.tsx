import { useState } from 'react';
import type { Label } from '@delineate/schema';
import { json } from '../../api';
import { ErrorBox } from '../../ui/ErrorBox';

interface RoiMatch {
  roiNumber: number;
  name: string;
  labelKey: string | null;
}

/**
 * Importing an RT Structure Set of this item's series into the annotation (issue 23), with a
 * review step: every ROI with its proposed structure (by code, name or type), a choice for those
 * nothing matched, then the import as a new revision (source import).
 */
export function RtStructImport(props: { annotationId: string; labels: readonly Label[]; savedVersion: () => Promise<number | null>; onHead: (version: number, text: string) => Promise<void> }) {
  const [file, setFile] = useState<Uint8Array | null>(null);
  const [rois, setRois] = useState<RoiMatch[] | null>(null);
  const [chosen, setChosen] = useState<Map<number, string>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const send = (url: string, bytes: Uint8Array, headers: Record<string, string> = {}) =>
    json<{ rois: RoiMatch[] } & { revision?: { version: number } }>(url, { method: 'POST', headers: { 'content-type': 'application/dicom', ...headers }, body: bytes as unknown as BodyInit });
  const review = async (f: File) => {
    setError(null);
    setRois(null);
    try {
      const bytes = new Uint8Array(await f.arrayBuffer());
      const answer = await send(`/api/annotations/${props.annotationId}/import/rtstruct-review`, bytes);
      setFile(bytes);
      setRois(answer.rois);
      setChosen(new Map(answer.rois.flatMap((r) => (r.labelKey ? [[r.roiNumber, r.labelKey] as const] : []))));
    } catch (e) {
      setError(e);
    }
  };
  const missing = (rois ?? []).filter((r) => !chosen.has(r.roiNumber));
  const importNow = async () => {
    if (!file || missing.length) return;
    setBusy(true);
    setError(null);
    try {
      const version = await props.savedVersion();
      if (version === null) return;
      const pairs = [...chosen].map(([n, k]) => `${n}:${k}`).join(',');
      const done = await send(`/api/annotations/${props.annotationId}/import?roiLabels=${pairs}`, file, { 'If-Match': `"${version}"` });
      setRois(null);
      setFile(null);
      await props.onHead(done.revision!.version, `Imported the structure set as version ${done.revision!.version}.`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section data-testid="rtstruct-import" aria-label="Import an RT Structure Set">
      <h3>Import an RT Structure Set</h3>
      <input type="file" accept=".dcm,application/dicom" onChange={(e) => e.target.files?.[0] && void review(e.target.files[0])} data-testid="rtstruct-file" />
      <ErrorBox error={error} />
      {rois && (
        <>
          <table className="tasks" aria-label="Structures in the file">
            <thead>
              <tr>
                <th>In the file</th>
                <th>Becomes</th>
              </tr>
            </thead>
            <tbody>
              {rois.map((r) => (
                <tr key={r.roiNumber} data-testid="rtstruct-roi">
                  <td>{r.name || `structure ${r.roiNumber}`}</td>
                  <td>
                    <select value={chosen.get(r.roiNumber) ?? ''} onChange={(e) => setChosen((m) => new Map(m).set(r.roiNumber, e.target.value))}>
                      <option value="" disabled>
                        choose a structure…
                      </option>
                      {props.labels.map((l) => (
                        <option key={l.key} value={l.key}>
                          {l.name}
                        </option>
                      ))}
                    </select>
                    {r.labelKey === null && <span className="muted"> (no match by code, name or type)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {missing.length > 0 && <p className="muted">Choose a structure for each one nothing matched.</p>}
          <button type="button" disabled={busy || missing.length > 0} onClick={() => void importNow()} data-testid="rtstruct-import-now">
            Import as a new version
          </button>
        </>
      )}
    </section>
  );
}
