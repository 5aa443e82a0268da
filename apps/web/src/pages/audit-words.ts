import { roleNames } from './project-words';

// Words the audit and administration pages show for the server's action keys, outcomes and objects.

/** Each action as a finished deed, the way an auditor reads a log line. */
export const actionWords: Record<string, string> = {
  'system.health': 'Checked the server’s health',
  'system.openapi': 'Read the API description',
  'web.app': 'Loaded the web app',
  'auth.login': 'Signed in',
  'auth.logout': 'Signed out',
  'auth.session.read': 'Checked their session',
  'auth.mfa.enrol': 'Started enrolling a second factor',
  'auth.mfa.verify': 'Entered a second-factor code',
  'auth.reauthenticate': 'Entered their password again',
  'auth.password.change': 'Changed their password',
  'auth.recovery_codes.regenerate': 'Made new recovery codes',
  'user.list': 'Listed the user accounts',
  'user.create': 'Created a user account',
  'user.read': 'Viewed a user account',
  'user.disable': 'Disabled a user account',
  'user.enable': 'Enabled a user account',
  'user.platform_admin.set': 'Changed who is a platform administrator',
  'user.mfa.reset': 'Reset a user’s second factor',
  'qualification.list': 'Viewed a user’s qualifications',
  'qualification.grant': 'Recorded a qualification',
  'qualification.revoke': 'Removed a qualification',
  'project.list': 'Listed projects',
  'project.create': 'Created a project',
  'project.read': 'Viewed a project',
  'project.update': 'Changed a project',
  'project.workflow.read': 'Viewed a project’s workflow',
  'project.workflow.update': 'Changed a project’s workflow',
  'membership.list': 'Viewed who holds which role',
  'membership.grant': 'Gave someone a role',
  'membership.revoke': 'Removed someone’s role',
  'access_review.read': 'Viewed an access review',
  'access_review.attest': 'Signed off an access review',
  'access_review.revoke': 'Revoked a role in an access review',
  'break_glass.request': 'Asked for emergency access',
  'break_glass.granted': 'Was granted emergency access',
  'transfer_basis.record': 'Recorded a basis for transfer abroad',
  'transfer_basis.list': 'Viewed the bases for transfer abroad',
  'organisation.list': 'Listed the organisations',
  'organisation.create': 'Created an organisation',
  'user.organisation.set': 'Moved a user to another organisation',
  'agreement.list': 'Viewed the data agreements',
  'agreement.expiring.list': 'Viewed the agreements about to expire',
  'agreement.record': 'Recorded a data agreement',
  'agreement.renew': 'Recorded the renewal of a data agreement',
  'agreement.document.upload': 'Stored the signed document of a data agreement',
  'agreement.document.read': 'Downloaded the signed document of a data agreement',
  'project.governance.read': 'Viewed a project’s organisations and agreements',
  'project.governance.update': 'Changed a project’s owner or required agreements',
  'project.organisation.admit': 'Admitted an organisation to a project',
  'project.organisation.withdraw': 'Withdrew an organisation from a project',
  'processing_record.read': 'Viewed the record of processing activities',
  'test.clock.set': 'Moved the test server’s clock',
  'audit.read': 'Read a project’s audit log',
  'audit.export': 'Exported a project’s audit log',
  'audit.verify': 'Verified the audit chain',
  'audit.search': 'Searched the audit log',
  'audit.search.export': 'Exported audit events',
  'region.list': 'Viewed the data regions',
  'api_token.create': 'Created an API token',
  'api_token.list': 'Listed API tokens',
  'api_token.revoke': 'Revoked an API token',
  'label_schema.list': 'Listed label schemas',
  'label_schema.read': 'Viewed a label schema',
  'label_schema.create': 'Created a label schema',
  'label_schema.template.list': 'Listed label-schema templates',
  'review_protocol.read': 'Viewed a review protocol',
  'review_protocol.list': 'Listed review protocols',
  'review_protocol.create': 'Created a review protocol',
  'item.list': 'Listed items',
  'item.read': 'Viewed an item',
  'item.create': 'Added an item',
  'item.fovea.set': 'Set the fovea point',
  'image.read': 'Viewed an image',
  'image.header.read': 'Viewed an image header',
  'image.tile.read': 'Viewed image tiles',
  'ingest.create': 'Uploaded images',
  'upload.create': 'Started an upload',
  'upload.write': 'Added, finished or closed an upload',
  'upload.append': 'Sent the bytes of an uploaded file',
  'upload.read': 'Viewed an upload’s progress',
  'deid.read': 'Viewed a de-identification record',
  'deid.release': 'Released an image from quarantine',
  'task.list': 'Listed tasks',
  'task.read': 'Viewed a task',
  'task.list_mine': 'Opened their work list',
  'task.create': 'Created tasks',
  'task.assign': 'Assigned a task',
  'task.claim': 'Took a task',
  'task.submit': 'Submitted a task',
  'subject.identity.read': 'Viewed a subject’s identity',
  'deid.quarantine.list': 'Viewed the quarantine queue',
  'deid.quarantine.read': 'Viewed a quarantined image',
  'deid.quarantine.redact': 'Redacted a quarantined image',
  'deid.quarantine.mine': 'Viewed their quarantine queue',
  'deid.quarantine.release': 'Released a held file from quarantine',
  'deid.quarantine.reject': 'Rejected a held file',
  'dicomweb.connection.read': 'Viewed the PACS connection',
  'dicomweb.connection.update': 'Changed the PACS connection',
  'dicomweb.search': 'Searched the PACS',
  'dicomweb.retrieve': 'Retrieved studies from the PACS',
  'dicomweb.retrieval.read': 'Viewed PACS retrievals',
  'dicomweb.send': 'Sent segmentations to the PACS',
  'dicomweb.send.list': 'Viewed what was sent to the PACS',
  'annotation.list': 'Listed annotations',
  'annotation.read': 'Viewed an annotation',
  'annotation.create': 'Started an annotation',
  'revision.list': 'Listed an annotation’s versions',
  'revision.read': 'Viewed an annotation version',
  'annotation.save': 'Saved an annotation',
  'revision.save': 'Saved an annotation version',
  'mask.read': 'Viewed a mask',
  'annotation.import': 'Imported an annotation',
  'annotation.derive': 'Derived a structure (margin, union, intersection or subtraction)',
  'annotation.derived.list': 'Viewed derived structures',
  'review.create': 'Reviewed work',
  'review.read': 'Viewed a review',
  'expert_review.create': 'Gave an expert review',
  'quality.read': 'Viewed quality figures',
  'quality.compute': 'Computed quality figures',
  'release.list': 'Listed releases',
  'release.read': 'Viewed a release',
  'release.create': 'Built a release',
  'release.freeze': 'Froze a release',
  'export.create': 'Exported a release',
  'export.read': 'Downloaded a release export',
  'document.read': 'Read a release document',
  'release.trace': 'Traced a voxel to its provenance',
  'job.list': 'Listed jobs',
  'job.read': 'Viewed a job',
  'model.list': 'Listed models',
  'model.register': 'Registered a model',
  'model.weights.upload': 'Uploaded model weights',
  'preannotation.settings.read': 'Viewed the pre-annotation settings',
  'preannotation.settings.update': 'Changed the pre-annotation settings',
  'preannotation.run': 'Asked a model for a draft',
  'preannotation.read': 'Viewed where a model draft came from',
  'preannotation.preview': "Previewed a model's outline while placing a prompt",
  'editing_activity.record': 'Recorded their editing activity',
  'correction_effort.read': 'Viewed the correction effort',
  'workflow.agreement.enqueued': 'Queued an agreement computation',
  'workflow.config.updated': 'Changed the workflow configuration',
  'workflow.region.marked_significant': 'Marked a region as clinically significant',
  'workflow.task.assignee_added': 'Added a reader to a task',
  'workflow.task.assignee_removed': 'Removed a reader from a task',
  'workflow.task.reassigned': 'Reassigned a task',
  'workflow.task.returned': 'Returned a task',
  'workflow.task.submitted': 'Submitted work for review',
};

const stageWords: Record<string, string> = { annotate: 'annotation', review: 'review', expert_review: 'expert review', roi_pass: 'region pass' };
const decisionWords: Record<string, string> = { accept: 'accepted', correct: 'corrected', reject: 'rejected' };
const searchFieldWords: Record<string, string> = {
  patientId: 'patient ID',
  accessionNumber: 'accession number',
  modality: 'modality',
  studyDateFrom: 'date from',
  studyDateTo: 'date to',
  studyDescription: 'study description',
  studyInstanceUid: 'study',
  all: 'everything',
};
const plain = (key: string) => key.replace(/[._]/g, ' ');
const withArticle = (noun: string) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;

/** An action in words; actions with a variable part (stage, decision, job kind) are worded from their parts. */
export function describeAction(action: string): string {
  const known = actionWords[action];
  if (known) return known;
  const signed = /^workflow\.([a-z_]+)\.signed\.([a-z_]+)$/.exec(action);
  if (signed) return `Signed ${withArticle(stageWords[signed[1]!] ?? plain(signed[1]!))}: ${decisionWords[signed[2]!] ?? plain(signed[2]!)}`;
  const created = /^workflow\.task\.created\.([a-z_]+)$/.exec(action);
  if (created) return `Created ${withArticle(`${stageWords[created[1]!] ?? plain(created[1]!)} task`)}`;
  // A PACS search is audited by the fields it used (never their values): dicomweb.search.studies.patientId+modality.
  const search = /^dicomweb\.search\.(studies|series)\.(.+)$/.exec(action);
  if (search) return `Searched the PACS for ${search[1]} by ${search[2]!.split('+').map((f) => searchFieldWords[f] ?? plain(f)).join(', ')}`;
  const job = /^job\.(.+)\.(succeeded|failed)$/.exec(action);
  if (job) return `${withArticle(`${plain(job[1]!)} job`).replace(/^a/, 'A')} ${job[2]}`;
  // Never a bare key: an action this page does not know yet is still shown as words.
  const words = plain(action);
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const outcomeWords: Record<string, string> = { success: 'Done', denied: 'Refused', error: 'Failed' };

const objectWords: Record<string, string> = {
  project: 'project',
  item: 'item',
  annotation: 'annotation',
  user: 'user account',
  membership: 'role grant',
  qualification: 'qualification',
  task: 'task',
  session: 'session',
  audit: 'audit log',
  system: 'server',
  release: 'release',
  break_glass: 'emergency access',
  organisation: 'organisation',
  agreement: 'data agreement',
  label_schema: 'label schema',
  review_protocol: 'review protocol',
};

export const describeObjectType = (type: string) => objectWords[type] ?? plain(type);

export const describeRole = (role: string | null) => (role === null ? '—' : role === 'platform_admin' ? 'platform administrator' : (roleNames[role] ?? plain(role)));

/** Actions offered in the log's filter, in words, alphabetically by their words. */
export const actionChoices = Object.entries(actionWords)
  .filter(([key]) => !['system.health', 'system.openapi', 'web.app'].includes(key))
  .sort((a, b) => a[1].localeCompare(b[1]));
