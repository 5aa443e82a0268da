import type { AuditRecord } from './chain';

/**
 * Exports of the audit log for outside review: FHIR R4 AuditEvent resources shaped after IHE
 * Basic Audit Log Patterns (BALP), and DICOM audit messages (PS3.15 Annex A.5, the XML schema
 * derived from RFC 3881). Both carry ids and pseudonyms only, as the log does.
 */

type Crud = 'C' | 'R' | 'U' | 'D' | 'E';

interface EventClass {
  readonly crud: Crud;
  /** DICOM Event ID (DCM code) and meaning. */
  readonly dicomEvent: readonly [string, string];
  /** DICOM Event Type Code, when the event ID needs one. */
  readonly dicomType?: readonly [string, string];
  /** BALP profile name. */
  readonly profile: string;
  /** FHIR restful interaction code for BALP's subtype. */
  readonly interaction: string;
}

/** Classifies an action name (`<object>.<verb>`) into the audit vocabularies. */
export function classifyAuditAction(action: string): EventClass {
  if (action === 'auth.login') {
    return { crud: 'E', dicomEvent: ['110114', 'User Authentication'], dicomType: ['110122', 'Login'], profile: 'IHE.BasicAudit.Read', interaction: 'login' };
  }
  if (action === 'auth.logout') {
    return { crud: 'E', dicomEvent: ['110114', 'User Authentication'], dicomType: ['110123', 'Logout'], profile: 'IHE.BasicAudit.Read', interaction: 'logout' };
  }
  const [object = '', ...rest] = action.split('.');
  const verb = rest[rest.length - 1] ?? '';
  if (['user', 'membership', 'qualification', 'access_review', 'break_glass', 'auth'].includes(object)) {
    return { crud: 'U', dicomEvent: ['110113', 'Security Alert'], dicomType: ['110136', 'Security Roles Changed'], profile: 'IHE.BasicAudit.Update', interaction: 'update' };
  }
  if (verb === 'export' || object === 'export') {
    return { crud: 'R', dicomEvent: ['110106', 'Export'], profile: 'IHE.BasicAudit.Read', interaction: 'read' };
  }
  if (object === 'image' || object === 'mask') {
    return { crud: 'R', dicomEvent: ['110103', 'DICOM Instances Accessed'], profile: 'IHE.BasicAudit.PatientRead', interaction: 'read' };
  }
  if (verb === 'list') return { crud: 'E', dicomEvent: ['110112', 'Query'], profile: 'IHE.BasicAudit.Query', interaction: 'search-type' };
  if (verb === 'read' || verb === 'verify') return { crud: 'R', dicomEvent: ['110110', 'Patient Record'], profile: 'IHE.BasicAudit.Read', interaction: 'read' };
  if (verb === 'create' || verb === 'request' || verb === 'record' || verb === 'register') {
    return { crud: 'C', dicomEvent: ['110110', 'Patient Record'], profile: 'IHE.BasicAudit.Create', interaction: 'create' };
  }
  if (verb === 'revoke' || verb === 'delete') return { crud: 'D', dicomEvent: ['110110', 'Patient Record'], profile: 'IHE.BasicAudit.Delete', interaction: 'delete' };
  return { crud: 'U', dicomEvent: ['110110', 'Patient Record'], profile: 'IHE.BasicAudit.Update', interaction: 'update' };
}

/** DICOM / FHIR outcome: 0 success, 4 minor failure (refused), 8 serious failure (error). */
function outcomeCode(outcome: AuditRecord['outcome']): '0' | '4' | '8' {
  return outcome === 'success' ? '0' : outcome === 'denied' ? '4' : '8';
}

export interface AuditExportSource {
  /** Names this system as the audit source (e.g. the deployment's host name). */
  readonly sourceId: string;
}

/** One FHIR R4 AuditEvent per row, in a `collection` Bundle. */
export function auditEventsToFhirBundle(rows: readonly AuditRecord[], source: AuditExportSource): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'collection',
    timestamp: rows.length > 0 ? rows[rows.length - 1]!.time : undefined,
    entry: rows.map((row) => ({ fullUrl: `urn:delineate:audit:${row.sequence}`, resource: auditEventToFhir(row, source) })),
  };
}

export function auditEventToFhir(row: AuditRecord, source: AuditExportSource): Record<string, unknown> {
  const kind = classifyAuditAction(row.action);
  const isAuth = kind.dicomEvent[0] === '110114';
  const entity: Record<string, unknown>[] = [];
  if (row.objectId !== null) {
    entity.push({
      what: { identifier: { system: `urn:delineate:${row.objectType}`, value: row.objectId } },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4', display: 'Domain Resource' },
    });
  }
  if (row.subjectPseudonym !== null) {
    entity.push({
      what: { identifier: { system: 'urn:delineate:subject-pseudonym', value: row.subjectPseudonym } },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    });
  }
  if (row.projectId !== null) {
    entity.push({
      what: { identifier: { system: 'urn:delineate:project', value: row.projectId } },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '13', display: 'Security Resource' },
    });
  }
  return {
    resourceType: 'AuditEvent',
    id: String(row.sequence),
    meta: { profile: [`https://profiles.ihe.net/ITI/BALP/StructureDefinition/${kind.profile}`] },
    type: isAuth
      ? { system: 'http://dicom.nema.org/resources/ontology/DCM', code: kind.dicomEvent[0], display: kind.dicomEvent[1] }
      : { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [
      isAuth && kind.dicomType
        ? { system: 'http://dicom.nema.org/resources/ontology/DCM', code: kind.dicomType[0], display: kind.dicomType[1] }
        : { system: 'http://hl7.org/fhir/restful-interaction', code: kind.interaction },
      { system: 'urn:delineate:action', code: row.action },
    ],
    action: kind.crud,
    recorded: row.time,
    outcome: outcomeCode(row.outcome),
    ...(row.purpose ? { purposeOfEvent: [{ coding: [{ system: 'urn:delineate:purpose', code: row.purpose }] }] } : {}),
    agent: [
      {
        type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110153', display: 'Source Role ID' }] },
        ...(row.role ? { role: [{ coding: [{ system: 'urn:delineate:role', code: row.role }] }] } : {}),
        who: row.actorId ? { identifier: { system: 'urn:delineate:user', value: row.actorId } } : { display: 'anonymous' },
        requestor: true,
        ...(row.sessionId ? { altId: row.sessionId } : {}),
        ...(row.address ? { network: { address: row.address, type: '2' } } : {}),
      },
      {
        type: { coding: [{ system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110152', display: 'Destination Role ID' }] },
        who: { display: source.sourceId },
        requestor: false,
      },
    ],
    source: {
      observer: { display: source.sourceId },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity,
    extension: [
      { url: 'urn:delineate:audit:sequence', valueInteger: row.sequence },
      { url: 'urn:delineate:audit:hash', valueString: row.hash },
      ...(row.count > 1 ? [{ url: 'urn:delineate:audit:count', valueInteger: row.count }] : []),
    ],
  };
}

function xmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function coded(element: string, code: readonly [string, string], system = 'DCM'): string {
  return `<${element} csd-code="${xmlAttr(code[0])}" codeSystemName="${xmlAttr(system)}" originalText="${xmlAttr(code[1])}"/>`;
}

/** One DICOM audit message (PS3.15 A.5.1) per row. */
export function auditEventToDicomXml(row: AuditRecord, source: AuditExportSource): string {
  const kind = classifyAuditAction(row.action);
  const lines = [
    '<AuditMessage>',
    `  <EventIdentification EventActionCode="${kind.crud}" EventDateTime="${xmlAttr(row.time)}" EventOutcomeIndicator="${outcomeCode(row.outcome)}">`,
    `    ${coded('EventID', kind.dicomEvent)}`,
    ...(kind.dicomType ? [`    ${coded('EventTypeCode', kind.dicomType)}`] : []),
    ...(row.purpose ? [`    <PurposeOfUse csd-code="${xmlAttr(row.purpose)}" codeSystemName="delineate" originalText="${xmlAttr(row.purpose)}"/>`] : []),
    '  </EventIdentification>',
    `  <ActiveParticipant UserID="${xmlAttr(row.actorId ?? 'anonymous')}"${row.sessionId ? ` AlternativeUserID="${xmlAttr(row.sessionId)}"` : ''} UserIsRequestor="true"${
      row.address ? ` NetworkAccessPointID="${xmlAttr(row.address)}" NetworkAccessPointTypeCode="2"` : ''
    }>`,
    `    ${coded('RoleIDCode', ['110153', 'Source Role ID'])}`,
    ...(row.role ? [`    <RoleIDCode csd-code="${xmlAttr(row.role)}" codeSystemName="delineate" originalText="${xmlAttr(row.role)}"/>`] : []),
    '  </ActiveParticipant>',
    `  <ActiveParticipant UserID="${xmlAttr(source.sourceId)}" UserIsRequestor="false">`,
    `    ${coded('RoleIDCode', ['110152', 'Destination Role ID'])}`,
    '  </ActiveParticipant>',
    `  <AuditSourceIdentification AuditSourceID="${xmlAttr(source.sourceId)}">`,
    '    <AuditSourceTypeCode csd-code="4" codeSystemName="DCM" originalText="Application Server"/>',
    '  </AuditSourceIdentification>',
  ];
  if (row.objectId !== null) {
    lines.push(
      `  <ParticipantObjectIdentification ParticipantObjectID="${xmlAttr(row.objectId)}" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="4">`,
      `    <ParticipantObjectIDTypeCode csd-code="${xmlAttr(row.objectType)}" codeSystemName="delineate" originalText="${xmlAttr(row.objectType)}"/>`,
      ...(row.count > 1 ? [`    <ParticipantObjectDetail type="count" value="${Buffer.from(String(row.count)).toString('base64')}"/>`] : []),
      '  </ParticipantObjectIdentification>',
    );
  }
  if (row.subjectPseudonym !== null) {
    lines.push(
      `  <ParticipantObjectIdentification ParticipantObjectID="${xmlAttr(row.subjectPseudonym)}" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">`,
      '    <ParticipantObjectIDTypeCode csd-code="2" codeSystemName="RFC-3881" originalText="Patient Number"/>',
      '  </ParticipantObjectIdentification>',
    );
  }
  lines.push('</AuditMessage>');
  return lines.join('\n');
}

/** Several messages in one document (`<AuditMessages>` wrapper) for a time range export. */
export function auditEventsToDicomXml(rows: readonly AuditRecord[], source: AuditExportSource): string {
  const body = rows.map((row) => auditEventToDicomXml(row, source).replace(/^/gm, '  ')).join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<AuditMessages>\n${body}${rows.length ? '\n' : ''}</AuditMessages>\n`;
}
