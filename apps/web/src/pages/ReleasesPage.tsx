import { useState } from 'react';
import { isManifestV2, type ReleaseBuildRequest, type ReleaseExclusionReason, type ReleaseFilter, type ReleasePreview, type ReleaseSplit } from '@delineate/schema';
import type { Session } from '../api';
import { getRouteApi } from '@tanstack/react-router';
import { useItemName } from '../data/projects';
import { useSignedInSession } from '../data/session';
import { ErrorBox } from '../ui/ErrorBox';
import { isTrainingLayout, TrainingLayoutExport } from './TrainingLayoutExport';
import {
  documentUrl,
  exportDownloadUrl,
  useBuildRelease,
  useExportRelease,
  useFreezeRelease,
  usePreviewRelease,
  useRelease,
  useReleaseExports,
  useReleases,
  useVerifyRelease,
} from '../data/releases';
import { useSendToPacs } from '../data/pacs';

const reasonWords: Record<ReleaseExclusionReason, string> = {
  not_a_volume: 'not an image volume (slides and videos are exported on their own)',
  not_gated: 'not past the de-identification gate',
  not_annotated: 'not annotated',
  unreviewed: 'work not reviewed and signed',
  modality: 'another modality',
  label_absent: 'a chosen label is absent',
  task_status: 'annotation tasks in another state',
  agreement_sample: 'outside the chosen agreement sample',
};
const splitWords: Record<ReleaseSplit, string> = { train: 'Training', validation: 'Validation', test: 'Test' };
const unreviewedWords = { free_annotation: 'a free annotation (never reviewed)', not_signed: 'work without an accepted, signed review' } as const;
const methodWords = { staple: 'STAPLE per label', multi_label_staple: 'multi-label STAPLE', majority_vote: 'majority vote' } as const;
const exportStatusWords = { queued: 'waiting', running: 'running', succeeded: 'ready', failed: 'failed' } as const;
const splits: ReleaseSplit[] = ['train', 'validation', 'test'];
const documentWords: Record<string, string> = {
  annotation_protocol: 'Annotation protocol',
  inter_observer_variability: 'Inter-observer variability',
  dataset_composition: 'Dataset composition',
  qa_results: 'QA results',
};
const formatWords: Record<string, string> = { html: 'HTML', pdf: 'PDF', json: 'JSON' };
/** HTML first (shown in the frame), then the downloads. */
const formatOrder = ['html', 'pdf', 'json'];

/**
 * Releases of a project: project admins build one from a filter (seeing which items are left out
 * and why), assign splits, freeze, export and download; auditors read releases and verify them.
 */
const route = getRouteApi('/projects/$projectId/releases');

/** The page at `/projects/$projectId/releases`: the signed-in session and the project from the address. */
export function ReleasesRoutePage() {
  const { projectId } = route.useParams();
  const session = useSignedInSession();
  return <ReleasesPage key={projectId} session={session} projectId={projectId} />;
}

export function ReleasesPage({ session, projectId }: { session: Session; projectId: string }) {
  const admin = session.roles.some((r) => r.projectId === projectId && r.role === 'project_admin');
  const releases = useReleases(projectId);
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <div className="page config" data-testid="releases-page">
      <h2>Releases</h2>
      <p className="muted">
        <a href={`#/projects/${projectId}/settings`}>Project configuration</a> · <a href="#/projects">All projects</a>
      </p>
      {!admin && <div className="notice" data-testid="read-only">You can read releases and verify them; only a project administrator builds, freezes and exports.</div>}
      <ErrorBox error={releases.error} />
      <table>
        <thead>
          <tr><th>Name</th><th>State</th><th>Items</th><th>Left out</th><th>Frozen</th><th>Manifest SHA-256</th></tr>
        </thead>
        <tbody>
          {(releases.data ?? []).map((r) => (
            <tr key={r.id} data-testid="release-row" onClick={() => setSelected(r.id)} style={{ cursor: 'pointer', fontWeight: r.id === selected ? 'bold' : undefined }}>
              <td>{r.name}</td>
              <td>{r.status === 'frozen' ? 'Frozen' : 'Draft'}</td>
              <td>{r.items}</td>
              <td>{r.excluded}</td>
              <td>{r.frozenAt ? new Date(r.frozenAt).toLocaleString() : '—'}</td>
              <td><code>{r.manifestHash ? `${r.manifestHash.slice(0, 16)}…` : '—'}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
      {selected && <ReleaseDetail projectId={projectId} releaseId={selected} admin={admin} />}
      {admin && <BuildForm projectId={projectId} onBuilt={setSelected} />}
    </div>
  );
}

function BuildForm({ projectId, onBuilt }: { projectId: string; onBuilt: (id: string) => void }) {
  const [name, setName] = useState('');
  const [filter, setFilter] = useState<ReleaseFilter>({});
  const [defaultSplit, setDefaultSplit] = useState<ReleaseSplit>('train');
  const [itemSplits, setItemSplits] = useState<Record<string, ReleaseSplit>>({});
  const [excludeUnreviewed, setExcludeUnreviewed] = useState(false);
  const [crossValidation, setCrossValidation] = useState(false);
  const [licence, setLicence] = useState('');
  const preview = usePreviewRelease(projectId);
  const build = useBuildRelease(projectId);
  const itemName = useItemName(projectId);
  const request = (): ReleaseBuildRequest => ({ name: name || 'release', filter, defaultSplit, excludeUnreviewed, crossValidation, ...(licence.trim() ? { licence: licence.trim() } : {}), splits: Object.entries(itemSplits).map(([itemId, split]) => ({ itemId, split })) });
  const p: ReleasePreview | undefined = preview.data;
  return (
    <section data-testid="release-build" style={{ display: 'grid', gap: 6, maxWidth: 720 }}>
      <h3>Build a release</h3>
      <label>Name <input data-testid="release-name" value={name} onChange={(e) => setName(e.target.value)} /></label>
      <label>Modality <select value={filter.modality ?? ''} onChange={(e) => setFilter({ ...filter, modality: (e.target.value || undefined) as ReleaseFilter['modality'] })}>
        <option value="">any</option>{['CT', 'MR', 'PT', 'US', 'SM'].map((m) => <option key={m} value={m}>{m}</option>)}
      </select></label>
      {p && (
        <fieldset>
          <legend>Labels that must be present</legend>
          {p.labels.map((l) => (
            <label key={l.key}>
              <input type="checkbox" checked={filter.labelKeys?.includes(l.key) ?? false} onChange={(e) => {
                const keys = (filter.labelKeys ?? []).filter((k) => k !== l.key).concat(e.target.checked ? [l.key] : []);
                setFilter({ ...filter, labelKeys: keys.length ? keys : undefined });
              }} /> {l.name}
            </label>
          ))}
        </fieldset>
      )}
      <label>Annotation tasks <select value={filter.taskStatus ?? ''} onChange={(e) => setFilter({ ...filter, taskStatus: (e.target.value || undefined) as ReleaseFilter['taskStatus'] })}>
        <option value="">in any state</option><option value="done">all done</option>
      </select></label>
      <label>Agreement sample <select value={filter.agreementSample ?? ''} onChange={(e) => setFilter({ ...filter, agreementSample: (e.target.value || undefined) as ReleaseFilter['agreementSample'] })}>
        <option value="">all items</option><option value="sampled">multi-reader items only</option><option value="not_sampled">single-reader items only</option>
      </select></label>
      <label>Split of items not assigned below <select data-testid="default-split" value={defaultSplit} onChange={(e) => setDefaultSplit(e.target.value as ReleaseSplit)}>
        {splits.map((s) => <option key={s} value={s}>{splitWords[s]}</option>)}
      </select></label>
      <label><input type="checkbox" checked={excludeUnreviewed} onChange={(e) => setExcludeUnreviewed(e.target.checked)} data-testid="exclude-unreviewed" /> Leave out items with unreviewed work (instead of refusing)</label>
      <label><input type="checkbox" checked={crossValidation} onChange={(e) => setCrossValidation(e.target.checked)} data-testid="cross-validation" /> Five cross-validation folds grouped by subject (training and validation items)</label>
      <label>Licence <input data-testid="release-licence" value={licence} onChange={(e) => setLicence(e.target.value)} placeholder="e.g. CC BY-NC 4.0" /></label>
      <div style={{ display: 'flex', gap: 8 }}>
        <button data-testid="release-preview" onClick={() => preview.mutate(request())}>Preview</button>
        <button data-testid="release-build-submit" disabled={build.isPending} onClick={() => build.mutate(request(), { onSuccess: (r) => onBuilt(r.id) })}>Build draft</button>
      </div>
      <ErrorBox error={preview.error ?? build.error} />
      {p && (
        <div data-testid="release-preview-result">
          <p>{p.items.length} item(s) would be released; multi-reader items combined by {methodWords[p.consensusMethod]}.</p>
          {p.sharedSubjects.length > 0 && <div className="error" data-testid="shared-subjects">Subjects with items in more than one split: {p.sharedSubjects.map((s) => `${s.subjectPseudonym} (${s.splits.map((x) => splitWords[x]).join(', ')})`).join('; ')}</div>}
          {p.unreviewed.length > 0 && <div className="notice" data-testid="unreviewed">Unreviewed work: {p.unreviewed.map((u) => `${itemName(u.itemId)} (${unreviewedWords[u.reason]})`).join('; ')}</div>}
          <table>
            <thead><tr><th>Item</th><th>Subject</th><th>Readers</th><th>Labels</th><th>Split</th></tr></thead>
            <tbody>
              {p.items.map((i) => (
                <tr key={i.itemId} data-testid="preview-item">
                  <td>{itemName(i.itemId)}</td><td>{i.subjectPseudonym}</td><td>{i.readers}</td><td>{i.labelKeys.map((k) => p.labels.find((l) => l.key === k)?.name ?? k).join(', ')}</td>
                  <td><select value={itemSplits[i.itemId] ?? i.split ?? defaultSplit} onChange={(e) => setItemSplits({ ...itemSplits, [i.itemId]: e.target.value as ReleaseSplit })}>
                    {splits.map((s) => <option key={s} value={s}>{splitWords[s]}</option>)}
                  </select></td>
                </tr>
              ))}
            </tbody>
          </table>
          <ExcludedList excluded={p.excluded} itemName={itemName} />
        </div>
      )}
    </section>
  );
}

function ExcludedList({ excluded, itemName }: { excluded: { itemId: string; reason: ReleaseExclusionReason }[]; itemName: (itemId: string) => string }) {
  if (excluded.length === 0) return null;
  return (
    <div data-testid="excluded">
      <h4>Left out</h4>
      <ul>{excluded.map((e) => <li key={e.itemId} data-testid="excluded-item">{itemName(e.itemId)}: {reasonWords[e.reason]}</li>)}</ul>
    </div>
  );
}

function ReleaseDetail({ projectId, releaseId, admin }: { projectId: string; releaseId: string; admin: boolean }) {
  const release = useRelease(projectId, releaseId);
  const exports = useReleaseExports(projectId, releaseId, admin && release.data?.status === 'frozen');
  const freeze = useFreezeRelease(projectId);
  const exporter = useExportRelease(projectId);
  const verify = useVerifyRelease(projectId);
  const sendToPacs = useSendToPacs(projectId);
  const itemName = useItemName(projectId);
  const r = release.data;
  if (!r) return <ErrorBox error={release.error} />;
  const manifest = isManifestV2(r.manifest) ? r.manifest : null;
  return (
    <section data-testid="release-detail">
      <h3>{r.name} <span className="muted">({r.status === 'frozen' ? 'frozen' : 'draft'})</span></h3>
      {r.manifestHash && <p>Manifest SHA-256 (identifies this release): <code data-testid="manifest-hash">{r.manifestHash}</code></p>}
      {manifest && (
        <p>
          {splits.map((s) => `${splitWords[s]}: ${manifest.items.filter((i) => i.split === s).length}`).join(' · ')} · label schema version {manifest.labelSchema.version} · review protocol version{' '}
          {manifest.reviewProtocol.version} · consensus {methodWords[manifest.consensusMethod]}
        </p>
      )}
      {manifest && <ExcludedList excluded={manifest.excluded} itemName={itemName} />}
      <div style={{ display: 'flex', gap: 8 }}>
        {admin && r.status === 'draft' && <button data-testid="release-freeze" onClick={() => freeze.mutate(r.id)}>Freeze</button>}
        {r.status === 'frozen' && <button data-testid="release-verify" onClick={() => verify.mutate(r.id)}>Verify</button>}
        {admin && r.status === 'frozen' && (exports.data?.formats ?? []).filter((f) => !isTrainingLayout(f.key)).map((f) => (
          <button key={f.key} data-testid={`export-${f.key}`} onClick={() => exporter.mutate({ releaseId: r.id, format: f.key })}>Export: {f.title}</button>
        ))}
        {admin && r.status === 'frozen' && <TrainingLayoutExport available={(exports.data?.formats ?? []).map((f) => f.key)} pending={exporter.isPending} onExport={(format) => exporter.mutate({ releaseId: r.id, format })} />}
      </div>
      <ErrorBox error={freeze.error ?? exporter.error ?? verify.error ?? exports.error ?? sendToPacs.error} />
      {verify.data && (
        <div className={verify.data.ok ? 'notice' : 'error'} data-testid="verify-result">
          {verify.data.ok ? `Verified: ${verify.data.checked} files match the manifest.` : `Differs from the manifest: ${verify.data.problems.map((p) => `${p.what} (${p.problem === 'missing' ? 'missing' : 'changed'})`).join('; ')}`}
        </div>
      )}
      {admin && (exports.data?.exports.length ?? 0) > 0 && (
        <table>
          <thead><tr><th>Export</th><th>State</th><th>Progress</th><th /></tr></thead>
          <tbody>
            {exports.data!.exports.map((e) => (
              <tr key={e.id} data-testid="export-row">
                <td>{exports.data!.formats.find((f) => f.key === e.format)?.title ?? e.format}</td><td data-testid="export-status">{exportStatusWords[e.status]}</td><td>{e.progress.done} of {e.progress.total} items</td>
                <td>{e.status === 'succeeded' && <a href={exportDownloadUrl(r.id, e.id)} download data-testid="export-download">Download ({Math.ceil((e.archiveBytes ?? 0) / 1024)} KB)</a>}
                  {e.status === 'succeeded' && e.format.startsWith('seg-') && (
                    <>
                      {' '}
                      <button data-testid="export-send-pacs" disabled={sendToPacs.isPending} onClick={() => sendToPacs.mutate({ source: 'release', releaseId: r.id, exportId: e.id })}>Send to PACS</button>
                      {sendToPacs.data && sendToPacs.variables?.source === 'release' && sendToPacs.variables.exportId === e.id && <span data-testid="export-sent-pacs"> {sendToPacs.data.stored} of {sendToPacs.data.instances} stored by the PACS</span>}
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ReleaseDocuments releaseId={r.id} documents={r.documents} />
    </section>
  );
}

/**
 * The four documents generated at freeze, each as HTML, PDF and JSON with its recorded SHA-256;
 * the HTML is shown in a sandboxed frame (no scripts, no same-origin access; the server also
 * sends it with a sandboxing policy).
 */
function ReleaseDocuments({ releaseId, documents }: { releaseId: string; documents: { kind: string; hash: string }[] }) {
  const [shown, setShown] = useState<string | null>(null);
  const byKind = new Map<string, { format: string; file: string; hash: string }[]>();
  for (const d of documents) {
    const dot = d.kind.lastIndexOf('.');
    const kind = dot > 0 ? d.kind.slice(0, dot) : d.kind;
    byKind.set(kind, [...(byKind.get(kind) ?? []), { format: d.kind.slice(dot + 1), file: d.kind, hash: d.hash }]);
  }
  return (
    <div data-testid="documents">
      <h4>Documents</h4>
      {byKind.size === 0 ? <p className="muted">No documents: they are generated when the release is frozen.</p> : (
        <table>
          <thead><tr><th>Document</th><th>Files</th></tr></thead>
          <tbody>
            {[...byKind.entries()].map(([kind, files]) => (
              <tr key={kind} data-testid="document-row">
                <td>{documentWords[kind] ?? kind.replace(/[_-]/g, ' ')}</td>
                <td style={{ display: 'flex', gap: 8 }}>
                  {[...files].sort((a, b) => formatOrder.indexOf(a.format) - formatOrder.indexOf(b.format)).map((f) => f.format === 'html'
                    ? <button key={f.file} data-testid={`document-view-${kind}`} title={`SHA-256 ${f.hash}`} onClick={() => setShown(f.file)}>View</button>
                    : <a key={f.file} href={documentUrl(releaseId, f.file)} download title={`SHA-256 ${f.hash}`} data-testid={`document-download-${kind}-${f.format}`}>{formatWords[f.format] ?? f.format}</a>)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {shown && <iframe data-testid="document-frame" title={documentWords[shown.slice(0, shown.lastIndexOf('.'))] ?? 'Document'} sandbox="" src={documentUrl(releaseId, shown)} style={{ width: '100%', height: 600, border: '1px solid #ccc', background: '#fff' }} />}
    </div>
  );
}
