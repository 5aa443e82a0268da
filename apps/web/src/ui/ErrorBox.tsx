import { describeError } from '../api';

/** The one way an error is shown: what happened in words first, then its stable `DLN_` code. */
export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const { code, text } = describeError(error);
  return (
    <div className="error" role="alert" data-testid="error">
      {text} <code>{code}</code>
    </div>
  );
}

/** The first error of the queries a page waits on, shown as every other error is. */
export function QueryError({ queries }: { queries: readonly { error: unknown }[] }) {
  return <ErrorBox error={queries.find((q) => q.error)?.error} />;
}
