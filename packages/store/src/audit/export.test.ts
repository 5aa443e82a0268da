import { describe, expect, it } from 'vitest';
import { sealAuditRow, type AuditEntry } from './chain';
import { auditEventsToDicomXml, auditEventsToFhirBundle, classifyAuditAction } from './export';

const base: AuditEntry = {
  actorId: '11111111-1111-4111-8111-111111111111',
  role: 'annotator',
  sessionId: 'session-9',
  address: '10.1.2.3',
  action: 'image.tile.read',
  objectType: 'item',
  objectId: '22222222-2222-4222-8222-222222222222',
  projectId: '33333333-3333-4333-8333-333333333333',
  subjectPseudonym: 'SUBJ-0042',
  purpose: 'annotation_project',
  outcome: 'success',
  count: 120,
};
const tile = sealAuditRow(base, 1, '2026-02-01T10:00:00.000Z', null);
const login = sealAuditRow({ ...base, action: 'auth.login', objectType: 'session', objectId: null, subjectPseudonym: null, projectId: null, role: null, outcome: 'denied', count: 1 }, 2, '2026-02-01T10:01:00.000Z', tile.hash);
const source = { sourceId: 'delineate.test' };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Well-formedness: every element closes in order, attributes are quoted. */
function balanced(xml: string): boolean {
  const stack: string[] = [];
  for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) {
      if (stack.pop() !== name) return false;
    } else stack.push(name!);
  }
  return stack.length === 0 && !/<[^>]*<|&(?!amp;|lt;|gt;|quot;)/.test(xml);
}

describe('audit export', () => {
  it('classifies actions into DICOM event ids and CRUD codes', () => {
    expect(classifyAuditAction('auth.login')).toMatchObject({ crud: 'E', dicomEvent: ['110114', 'User Authentication'], dicomType: ['110122', 'Login'] });
    expect(classifyAuditAction('image.read')).toMatchObject({ crud: 'R', dicomEvent: ['110103', 'DICOM Instances Accessed'] });
    expect(classifyAuditAction('membership.grant').dicomType).toEqual(['110136', 'Security Roles Changed']);
    expect(classifyAuditAction('export.create')).toMatchObject({ crud: 'R', dicomEvent: ['110106', 'Export'] });
    expect(classifyAuditAction('audit.export').dicomEvent[0]).toBe('110106');
  });

  it('writes FHIR AuditEvents with BALP profiles, agents, entities and the count', () => {
    const bundle = auditEventsToFhirBundle([tile, login], source) as { entry: Array<{ resource: Json }> };
    const [read, auth] = bundle.entry.map((e) => e.resource);
    expect(read).toMatchObject({
      resourceType: 'AuditEvent',
      id: '1',
      meta: { profile: ['https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PatientRead'] },
      action: 'R',
      recorded: '2026-02-01T10:00:00.000Z',
      outcome: '0',
    });
    expect(read!.agent[0]).toMatchObject({ who: { identifier: { value: base.actorId } }, requestor: true, network: { address: '10.1.2.3', type: '2' } });
    expect(read!.entity.map((e: Json) => e.role.code)).toEqual(['4', '1', '13']);
    expect(read!.entity[1].what.identifier.value).toBe('SUBJ-0042');
    expect(read!.extension).toContainEqual({ url: 'urn:delineate:audit:count', valueInteger: 120 });
    expect(auth).toMatchObject({ type: { code: '110114' }, action: 'E', outcome: '4' });
    expect(auth!.subtype[0]).toMatchObject({ code: '110122', display: 'Login' });
  });

  it('writes DICOM audit messages (PS3.15 A.5) as well-formed XML', () => {
    const xml = auditEventsToDicomXml([tile, login], source);
    expect(balanced(xml)).toBe(true);
    expect(xml.match(/<AuditMessage>/g)).toHaveLength(2);
    expect(xml).toContain('<EventIdentification EventActionCode="R" EventDateTime="2026-02-01T10:00:00.000Z" EventOutcomeIndicator="0">');
    expect(xml).toContain('<EventID csd-code="110103" codeSystemName="DCM" originalText="DICOM Instances Accessed"/>');
    expect(xml).toContain('<EventTypeCode csd-code="110122" codeSystemName="DCM" originalText="Login"/>');
    expect(xml).toContain(`ParticipantObjectID="SUBJ-0042" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1"`);
    expect(xml).toContain('NetworkAccessPointID="10.1.2.3" NetworkAccessPointTypeCode="2"');
    expect(balanced('<a><b></a></b>')).toBe(false);
  });

  it('escapes markup in values', () => {
    const odd = sealAuditRow({ ...base, objectId: 'x"<&>y' }, 3, '2026-02-01T10:02:00.000Z', null);
    const xml = auditEventsToDicomXml([odd], source);
    expect(xml).toContain('ParticipantObjectID="x&quot;&lt;&amp;&gt;y"');
    expect(balanced(xml)).toBe(true);
  });
});
