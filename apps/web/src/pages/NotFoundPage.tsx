import { Link, type ErrorComponentProps } from '@tanstack/react-router';
import { ErrorBox } from '../ui/ErrorBox';

/** An address the app has no page for, said in words with the ways back. */
export function NotFoundPage() {
  return (
    <div className="page" data-testid="not-found">
      <h2>Page not found</h2>
      <p>This address does not lead to a page of Delineate. The link may be mistyped or cut short.</p>
      <p>
        <Link to="/">Go to my work</Link> · <Link to="/projects">Projects</Link>
      </p>
    </div>
  );
}

/** A page that could not open, e.g. from a malformed link: the router wraps the reason, which is shown as every error is. */
export function RouteErrorPage({ error }: ErrorComponentProps) {
  const reason = error instanceof Error && error.cause !== undefined ? error.cause : error;
  return (
    <div className="page" data-testid="route-error">
      <h2>This page could not open</h2>
      <ErrorBox error={reason} />
      <p>
        <Link to="/">Go to my work</Link>
      </p>
    </div>
  );
}
