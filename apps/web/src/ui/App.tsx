import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, type MyTask, type Session, type SignInNotice } from '../api';
import { qrModules, qrPath } from '../totp-qr';
import { ProjectSettingsPage, ProjectsPage, QualityDashboardPage } from './ProjectPages';
import { stageNames, workflowApi, type WorkflowTask } from '../workflow-api';
import { Workspace } from './Workspace';
import { ReleasesPage } from '../pages/ReleasesPage';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const { code, text } = describeError(error);
  return (
    <div className="error" role="alert" data-testid="error">
      {text} <code>{code}</code>
    </div>
  );
}

type Route =
  | { page: 'list' }
  | { page: 'item'; itemId: string; taskId: string | null; annotationId: string | null }
  | { page: 'projects' }
  | { page: 'project-settings'; projectId: string }
  | { page: 'project-quality'; projectId: string }
  | { page: 'project-releases'; projectId: string };

function parseRoute(): Route {
  if (window.location.hash === '#/projects') return { page: 'projects' };
  const project = /^#\/projects\/([0-9a-f-]{36})\/(settings|quality|releases)$/.exec(window.location.hash);
  if (project) return { page: project[2] === 'settings' ? 'project-settings' : project[2] === 'releases' ? 'project-releases' : 'project-quality', projectId: project[1]! };
  const m = /^#\/items\/([0-9a-f-]{36})(?:\?(.*))?$/.exec(window.location.hash);
  if (!m) return { page: 'list' };
  const q = new URLSearchParams(m[2] ?? '');
  return { page: 'item', itemId: m[1]!, taskId: q.get('task'), annotationId: q.get('annotation') };
}

export function itemHash(itemId: string, taskId: string | null, annotationId: string | null): string {
  const q = new URLSearchParams();
  if (taskId) q.set('task', taskId);
  if (annotationId) q.set('annotation', annotationId);
  return `#/items/${itemId}${q.size ? `?${q.toString()}` : ''}`;
}

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [route, setRoute] = useState<Route>(parseRoute);

  const refresh = useCallback(async () => {
    try {
      setSession(await api.session());
    } catch {
      setSession(null);
    }
  }, []);

  useEffect(() => {
    void refresh();
    const onHash = () => setRoute(parseRoute());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [refresh]);

  const signOut = async () => {
    try {
      await api.logout();
    } finally {
      setSession(null);
      window.location.hash = '';
    }
  };

  if (session === undefined) return <div className="center">Loading…</div>;
  if (session === null || session.mfa === 'pending' || session.mfa === 'enrolment_required') {
    return <SignIn session={session} onDone={refresh} />;
  }
  return (
    <>
      <div className="topbar">
        <strong>Delineate</strong>
        <a href="#/" style={{ color: '#9cc3f0' }}>
          My work
        </a>
        {(session.platformAdmin || session.roles.length > 0) && (
          <a href="#/projects" style={{ color: '#9cc3f0' }} data-testid="nav-projects">
            Projects
          </a>
        )}
        <span className="grow" id="topbar-slot" />
        <span data-testid="signed-in-as">{session.displayName}</span>
        <button onClick={() => void signOut()} data-testid="sign-out">
          Sign out
        </button>
      </div>
      {route.page === 'list' && <WorkList />}
      {route.page === 'item' && <Workspace key={`${route.itemId}:${route.taskId ?? ''}:${route.annotationId ?? ''}`} session={session} {...route} />}
      {route.page === 'projects' && <ProjectsPage session={session} />}
      {route.page === 'project-settings' && <ProjectSettingsPage key={route.projectId} session={session} projectId={route.projectId} />}
      {route.page === 'project-quality' && <QualityDashboardPage key={route.projectId} session={session} projectId={route.projectId} />}
      {route.page === 'project-releases' && <ReleasesPage key={route.projectId} session={session} projectId={route.projectId} />}
    </>
  );
}

/** The otpauth URI as a QR code an authenticator app scans, drawn as one SVG path. */
function TotpQrCode({ uri }: { uri: string }) {
  const modules = qrModules(uri);
  return (
    <svg data-testid="totp-qr" role="img" aria-label="QR code of the authenticator key" viewBox={`0 0 ${modules.length} ${modules.length}`} width={Math.max(180, modules.length * 4)} shapeRendering="crispEdges" style={{ background: '#fff', flex: 'none' }}>
      <path d={qrPath(modules)} fill="#000" />
    </svg>
  );
}

const noticeWords: Record<string, string> = {
  mfa_reset: 'A platform administrator reset your second factor. Set up your authenticator again below. If you did not ask for this, tell your administrator at once.',
};

function SignIn({ session, onDone }: { session: Session | null; onDone: () => Promise<void> }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [step, setStep] = useState<'password' | 'code' | 'enrol'>(session?.mfa === 'pending' ? 'code' : session?.mfa === 'enrolment_required' ? 'enrol' : 'password');
  const [enrolment, setEnrolment] = useState<{ secret: string; uri: string } | null>(null);
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [notices, setNotices] = useState<SignInNotice[]>([]);
  const [busy, setBusy] = useState(false);

  const startEnrolment = useCallback(async () => {
    try {
      setEnrolment(await api.beginTotp());
    } catch (e) {
      setError(e);
    }
  }, []);

  useEffect(() => {
    if (step === 'enrol' && !enrolment) void startEnrolment();
  }, [step, enrolment, startEnrolment]);

  const submitPassword = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await api.login(username, password);
      setNotices(result.notices ?? []);
      if (result.mfa === 'pending') setStep('code');
      else if (result.mfa === 'enrolment_required') setStep('enrol');
      else await onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const submitCode = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await api.verifyTotp(code.trim());
      if (result.recoveryCodes?.length) setRecovery(result.recoveryCodes);
      else await onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (recovery) {
    return (
      <div className="center">
        <div className="card">
          <h1>Recovery codes</h1>
          <p>Keep these single-use codes somewhere safe. They are shown only now.</p>
          <pre data-testid="recovery-codes">{recovery.join('\n')}</pre>
          <div className="actions">
            <button onClick={() => void onDone()} data-testid="continue">
              Continue
            </button>
          </div>
        </div>
      </div>
    );
  }

  return (
    <div className="center">
      <div className="card">
        <h1>Sign in to Delineate</h1>
        <ErrorBox error={error} />
        {notices.map((n) => (
          <div key={`${n.kind}:${n.createdAt}`} className="notice" role="status" data-testid={`notice-${n.kind}`}>
            {noticeWords[n.kind] ?? 'Your account changed since your last sign-in.'} ({new Date(n.createdAt).toLocaleString()})
          </div>
        ))}
        {step === 'password' && (
          <form onSubmit={(e) => void submitPassword(e)}>
            <label htmlFor="username">User name</label>
            <input id="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
            <label htmlFor="password">Password</label>
            <input id="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            <div className="actions">
              <button type="submit" disabled={busy || !username || !password} data-testid="sign-in">
                Sign in
              </button>
            </div>
          </form>
        )}
        {step !== 'password' && (
          <form onSubmit={(e) => void submitCode(e)}>
            {step === 'enrol' && (
              <div className="notice">
                <p>Your role needs a second factor. Scan this code with an authenticator app (TOTP, 6 digits, 30 s), or type the key into it, then enter the code it shows.</p>
                <div style={{ display: 'flex', gap: 12, alignItems: 'center' }}>
                  {enrolment ? <TotpQrCode uri={enrolment.uri} /> : <span>…</span>}
                  <p style={{ wordBreak: 'break-all' }}>
                    Key: <code data-testid="totp-secret">{enrolment?.secret ?? '…'}</code>
                  </p>
                </div>
              </div>
            )}
            <label htmlFor="code">Authenticator code</label>
            <input id="code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
            <div className="actions">
              <button type="submit" disabled={busy || code.trim().length < 6} data-testid="verify">
                Verify
              </button>
            </div>
          </form>
        )}
      </div>
    </div>
  );
}

function WorkList() {
  const [tasks, setTasks] = useState<MyTask[] | null>(null);
  const [workflow, setWorkflow] = useState<Map<string, WorkflowTask>>(new Map());
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let cancelled = false;
    api
      .myTasks()
      .then(async (r) => {
        if (cancelled) return;
        setTasks(r.tasks);
        // Each task's place in the clinical workflow (stage, returned items); tasks outside it have none.
        const found = await Promise.all(r.tasks.map((t) => workflowApi.task(t.id).catch(() => null)));
        if (!cancelled) setWorkflow(new Map(found.flatMap((w) => (w ? [[w.id, w] as const] : []))));
      })
      .catch((e: unknown) => setError(e));
    return () => {
      cancelled = true;
    };
  }, []);
  return (
    <div className="page">
      <h2>My work</h2>
      <ErrorBox error={error} />
      {tasks === null && !error && <p>Loading…</p>}
      {tasks?.length === 0 && <p>No tasks are assigned to you.</p>}
      {tasks && tasks.length > 0 && (
        <table className="tasks" data-testid="task-list">
          <thead>
            <tr>
              <th>Project</th>
              <th>Subject</th>
              <th>Stage</th>
              <th>Status</th>
              <th>Saved</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => {
              const w = workflow.get(t.id);
              const stage = w?.stage ?? t.kind;
              const review = stage === 'review' || stage === 'expert_review';
              return (
              <tr key={t.id} data-testid="task-row" data-stage={stage} data-task={t.id}>
                <td>{t.projectName}</td>
                <td>
                  {t.item.subjectPseudonym}
                  {t.item.slices ? ` · ${t.item.slices} slices` : ''}
                </td>
                <td data-testid="task-stage">{stageNames[stage] ?? stage}</td>
                <td>
                  {t.status.replace('_', ' ')}
                  {w && w.returnedItems.length > 0 && t.status !== 'submitted' && <span data-testid="task-returned"> · returned: {w.returnedItems.length} failed item{w.returnedItems.length === 1 ? '' : 's'}</span>}
                </td>
                <td>{review ? (w?.revisionVersion ? `reviewing version ${w.revisionVersion}` : '—') : t.annotation?.headVersion ? `version ${t.annotation.headVersion}` : '—'}</td>
                <td>
                  <a href={itemHash(t.item.id, t.id, review ? null : (t.annotation?.id ?? null))} data-testid="open-task">
                    <button>{stage === 'review' ? 'Review' : stage === 'expert_review' ? 'Expert review' : 'Open'}</button>
                  </a>
                </td>
              </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </div>
  );
}

export { ApiError };
