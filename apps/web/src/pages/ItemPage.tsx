import { getRouteApi } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useApplyChange } from '../data/changes';
import { useSignedInSession } from '../data/session';
import { sameWork, type OpenedWork } from '../routes/links';
import { Workspace } from '../ui/Workspace';

const route = getRouteApi('/items/$itemId');

/** One item opened in the workspace, for a task and an annotation when the address names them. */
export function ItemPage() {
  const session = useSignedInSession();
  const { itemId } = route.useParams();
  const search = route.useSearch();
  const address: OpenedWork = { itemId, taskId: search.task ?? null, annotationId: search.annotation ?? null };
  // What the workspace was opened with, kept while the address still means that work (see sameWork).
  const [open, setOpen] = useState({ props: address, address });
  let current = open;
  if (!sameWork(open.address, address)) current = { props: address, address };
  else if (open.address.annotationId !== address.annotationId) current = { props: open.props, address };
  if (current !== open) setOpen(current);
  const { props } = current;

  // Saving, submitting and reviewing in the workspace move the task on: the lists showing it are stale once it closes.
  const applyChange = useApplyChange();
  useEffect(() => () => void applyChange({ kind: 'task-worked', taskId: props.taskId }), [applyChange, props.taskId]);

  return <Workspace key={`${props.itemId}:${props.taskId ?? ''}:${props.annotationId ?? ''}`} session={session} itemId={props.itemId} taskId={props.taskId} annotationId={props.annotationId} />;
}
