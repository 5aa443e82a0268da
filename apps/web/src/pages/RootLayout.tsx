import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import type { Session } from '../api';
import { useRefreshSession, useSession, useSignOut } from '../data/session';
import { SignInPage } from './SignInPage';

/**
 * The frame of every page and its guard: nobody sees a page before signing in with every factor
 * their role needs. Sign-in shows in place of the page, so a deep link opens once signed in.
 */
export function RootLayout() {
  const session = useSession();
  const refresh = useRefreshSession();
  if (session.isPending) return <div className="center">Loading…</div>;
  const current = session.data ?? null;
  if (current === null || current.mfa === 'pending' || current.mfa === 'enrolment_required') {
    return <SignInPage session={current} onDone={refresh} loadError={session.error} />;
  }
  return (
    <>
      <TopBar session={current} />
      <Outlet />
    </>
  );
}

function TopBar({ session }: { session: Session }) {
  const signOut = useSignOut();
  const navigate = useNavigate();
  return (
    <div className="topbar">
      <strong>Delineate</strong>
      <Link to="/" style={{ color: '#9cc3f0' }} data-testid="nav-my-work">
        My work
      </Link>
      {(session.platformAdmin || session.roles.length > 0) && (
        <Link to="/projects" style={{ color: '#9cc3f0' }} data-testid="nav-projects">
          Projects
        </Link>
      )}
      {(session.platformAdmin || session.roles.some((r) => r.role === 'auditor' || r.role === 'data_steward')) && (
        <Link to="/audit" style={{ color: '#9cc3f0' }} data-testid="nav-audit">
          Audit log
        </Link>
      )}
      {session.platformAdmin && (
        <Link to="/admin" style={{ color: '#9cc3f0' }} data-testid="nav-admin">
          Administration
        </Link>
      )}
      {session.roles.some((r) => r.role === 'data_steward') && (
        <Link to="/steward" style={{ color: '#9cc3f0' }} data-testid="nav-quarantine">
          Quarantine
        </Link>
      )}
      {/* The workspace puts its save state and task stage here. */}
      <span className="grow" id="topbar-slot" />
      <span data-testid="signed-in-as">{session.displayName}</span>
      <button onClick={() => void signOut().finally(() => void navigate({ to: '/' }))} data-testid="sign-out">
        Sign out
      </button>
    </div>
  );
}
