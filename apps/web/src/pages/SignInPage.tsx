import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type Session, type SignInNotice } from '../api';
import { keys } from '../data/keys';
import { qrModules, qrPath } from '../totp-qr';
import { ErrorBox } from '../ui/ErrorBox';

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

/**
 * Sign-in in its steps: password, then the authenticator code, or first the authenticator's
 * enrolment (QR code and key) and the one-time display of the recovery codes. Shown in place of
 * any page, so the address asked for opens once signed in.
 */
export function SignInPage({ session, onDone, loadError }: { session: Session | null; onDone: () => Promise<void>; loadError?: unknown }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(loadError ?? null);
  const [step, setStep] = useState<'password' | 'code' | 'enrol'>(session?.mfa === 'pending' ? 'code' : session?.mfa === 'enrolment_required' ? 'enrol' : 'password');
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [notices, setNotices] = useState<SignInNotice[]>([]);
  const [busy, setBusy] = useState(false);
  // A new authenticator key, asked for once when the enrolment step shows (the cache keeps one request in flight).
  const enrolmentQuery = useQuery({ queryKey: keys.totpEnrolment(), queryFn: () => api.beginTotp(), enabled: step === 'enrol', staleTime: Infinity, retry: false });
  const enrolment = enrolmentQuery.data ?? null;

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
        <ErrorBox error={error ?? enrolmentQuery.error} />
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
