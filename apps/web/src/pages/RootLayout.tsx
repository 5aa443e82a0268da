import { Link, Outlet, useNavigate, useRouter } from '@tanstack/react-router';
import { useEffect, useRef } from 'react';
import type { Session } from '../api';
import { useRefreshSession, useSession, useSignOut } from '../data/session';
import { landingPath } from '../routes/landing';
import { SignInPage } from './SignInPage';

/**
 * The frame of every page and its guard: nobody sees a page before signing in with every factor
 * their role needs. Sign-in shows in place of the page, so a deep link opens once signed in.
 */
export function RootLayout() {
  const session = useSession();
  const refresh = useRefreshSession();
  const current = session.data ?? null;
  const signedIn = current !== null && current.mfa !== 'pending' && current.mfa !== 'enrolment_required';
  useLandAfterSignIn(signedIn ? current : null, session.isPending);
  if (session.isPending) return <div className="center">Loading…</div>;
  if (!signedIn) {
    return <SignInPage session={current} onDone={refresh} loadError={session.error} />;
  }
  return (
    <>
      <TopBar session={current} />
      <Outlet />
    </>
  );
}

/**
 * Once someone signs in at the app's front address, they land on the page with their work
 * (routes/landing.ts); a deep link they signed in from is kept.
 */
function useLandAfterSignIn(session: Session | null, pending: boolean) {
  const router = useRouter();
  const signInShown = useRef(false);
  useEffect(() => {
    if (pending) return;
    if (!session) {
      signInShown.current = true;
      return;
    }
    if (!signInShown.current) return;
    signInShown.current = false;
    const path = landingPath(session);
    // The other roles' pages are outside the typed route tree's reach here, so the history moves.
    if (router.state.location.pathname === '/' && path !== '/') router.history.replace(path);
  }, [session, pending, router]);
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
      {(session.platformAdmin || session.roles.some((r) => r.role === 'auditor')) && (
        <Link to="/organisations" style={{ color: '#9cc3f0' }} data-testid="nav-organisations">
          Organisations
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
