import { useState, type FormEvent } from 'react';
import { modalities, qualificationKinds } from '@delineate/schema';
import { useCreateUser, useGrantQualification, useQualifications, useResetSecondFactor, useRevokeQualification, useSetDisabled, useUsers, type UserAccount } from '../data/admin';
import { ErrorBox } from '../ui/ErrorBox';
import { qualificationWords } from './admin-words';

/** Accounts: create, disable or enable, reset a second factor (with the administrator's password again), qualifications. */
export function AdminUsers({ selfId }: { selfId: string }) {
  const users = useUsers();
  const setDisabled = useSetDisabled();
  const [resetting, setResetting] = useState<UserAccount | null>(null);
  const [qualified, setQualified] = useState<UserAccount | null>(null);
  return (
    <section data-testid="admin-users" aria-label="User accounts">
      <CreateUserForm />
      <ErrorBox error={users.error ?? setDisabled.error} />
      <table className="tasks" data-testid="user-list" aria-label="User accounts">
        <thead>
          <tr><th>User name</th><th>Name</th><th>Status</th><th>Platform administrator</th><th /></tr>
        </thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <tr key={u.id} data-testid="user-row" data-username={u.username}>
              <td>{u.username}</td>
              <td>{u.displayName}</td>
              <td>{u.disabled ? 'Disabled' : 'Active'}</td>
              <td>{u.platformAdmin ? 'Yes' : 'No'}</td>
              <td>
                <div style={{ display: 'flex', gap: 6, whiteSpace: 'nowrap' }}>
                {u.id !== selfId && (
                  <button onClick={() => setDisabled.mutate({ userId: u.id, disabled: !u.disabled })} data-testid={u.disabled ? 'enable-user' : 'disable-user'} aria-label={`${u.disabled ? 'Enable' : 'Disable'} ${u.username}`}>
                    {u.disabled ? 'Enable' : 'Disable'}
                  </button>
                )}
                <button onClick={() => setResetting(u)} data-testid="reset-factor" aria-label={`Reset the second factor of ${u.username}`}>Reset second factor</button>
                <button onClick={() => setQualified(u)} data-testid="open-qualifications" aria-label={`Qualifications of ${u.username}`}>Qualifications</button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {resetting && <ResetFactor key={resetting.id} user={resetting} onDone={() => setResetting(null)} />}
      {qualified && <Qualifications key={qualified.id} user={qualified} />}
    </section>
  );
}

function CreateUserForm() {
  const create = useCreateUser();
  const [fields, setFields] = useState({ username: '', displayName: '', password: '' });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(fields, { onSuccess: () => setFields({ username: '', displayName: '', password: '' }) });
  };
  return (
    <form onSubmit={submit} aria-label="Create a user account" style={{ display: 'flex', gap: 10, alignItems: 'end', flexWrap: 'wrap' }}>
      <label>User name<br /><input value={fields.username} onChange={(e) => setFields({ ...fields, username: e.target.value })} data-testid="new-username" required /></label>
      <label>Full name<br /><input value={fields.displayName} onChange={(e) => setFields({ ...fields, displayName: e.target.value })} data-testid="new-display-name" required /></label>
      <label>Initial password<br /><input type="password" autoComplete="new-password" value={fields.password} onChange={(e) => setFields({ ...fields, password: e.target.value })} data-testid="new-password" required /></label>
      <button type="submit" disabled={create.isPending} data-testid="create-user">Create account</button>
      <ErrorBox error={create.error} />
      {create.data && <span className="saved-note" role="status" data-testid="user-created">Created {create.data.username}; they enrol a second factor at first sign-in.</span>}
    </form>
  );
}

function ResetFactor({ user, onDone }: { user: UserAccount; onDone: () => void }) {
  const reset = useResetSecondFactor();
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    reset.mutate({ userId: user.id, password });
  };
  return (
    <form onSubmit={submit} className="chart" data-testid="reset-form" aria-label={`Reset the second factor of ${user.username}`} style={{ marginTop: 10 }}>
      <h3>Reset the second factor of {user.displayName}</h3>
      {reset.isSuccess ? (
        <p className="notice" role="status" data-testid="reset-done">
          Done: {user.displayName}’s authenticator and recovery codes no longer work and their sessions have ended. They enrol a new second factor at their next sign-in.{' '}
          <button type="button" onClick={onDone}>Close</button>
        </p>
      ) : (
        <>
          <p>Their authenticator and recovery codes stop working and they are signed out everywhere. This is recorded in the audit log. Enter your own password to confirm.</p>
          <label>Your password <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} data-testid="reauth-password" required /></label>{' '}
          <button type="submit" disabled={reset.isPending} data-testid="confirm-reset">Reset second factor</button>{' '}
          <button type="button" onClick={onDone}>Cancel</button>
          <ErrorBox error={reset.error} />
        </>
      )}
    </form>
  );
}

function Qualifications({ user }: { user: UserAccount }) {
  const list = useQualifications(user.id);
  const grant = useGrantQualification(user.id);
  const revoke = useRevokeQualification(user.id);
  const [kind, setKind] = useState<string>(qualificationKinds[0]);
  const [modality, setModality] = useState('');
  const [validUntil, setValidUntil] = useState('');
  return (
    <section className="chart" data-testid="qualifications" aria-label={`Qualifications of ${user.username}`} style={{ marginTop: 10 }}>
      <h3>Qualifications of {user.displayName}</h3>
      <ErrorBox error={list.error ?? grant.error ?? revoke.error} />
      <ul>
        {(list.data ?? []).map((q) => (
          <li key={q.id} data-testid="qualification">
            {qualificationWords[q.kind] ?? q.kind}{q.modality ? ` for ${q.modality}` : ', any modality'}, {q.validUntil ? `valid until ${new Date(q.validUntil).toLocaleDateString()}` : 'no end date'}{' '}
            <button onClick={() => revoke.mutate(q.id)} aria-label={`Remove the qualification ${qualificationWords[q.kind] ?? q.kind}`}>Remove</button>
          </li>
        ))}
        {list.data?.length === 0 && <li>None recorded.</li>}
      </ul>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          grant.mutate({ kind, modality: modality || null, validUntil: validUntil ? new Date(`${validUntil}T23:59:59Z`).toISOString() : null });
        }}
        style={{ display: 'flex', gap: 10, alignItems: 'end', flexWrap: 'wrap' }}
      >
        <label>Qualification<br />
          <select value={kind} onChange={(e) => setKind(e.target.value)} data-testid="qualification-kind">
            {qualificationKinds.map((k) => <option key={k} value={k}>{qualificationWords[k]}</option>)}
          </select>
        </label>
        <label>Modality<br />
          <select value={modality} onChange={(e) => setModality(e.target.value)}>
            <option value="">any</option>
            {modalities.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </label>
        <label>Valid until<br /><input type="date" value={validUntil} onChange={(e) => setValidUntil(e.target.value)} /></label>
        <button type="submit" disabled={grant.isPending} data-testid="grant-qualification">Record verified qualification</button>
      </form>
    </section>
  );
}
