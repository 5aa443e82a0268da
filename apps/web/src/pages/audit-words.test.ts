import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { actionWords, describeAction, describeRole } from './audit-words';

describe('audit words', () => {
  it('words every action of the access policy', () => {
    // The server's policy table lists every action a request can be audited under.
    const table = JSON.parse(readFileSync(new URL('../../../server/src/access/policy-table.json', import.meta.url), 'utf8')) as { actions: Record<string, unknown> };
    const missing = Object.keys(table.actions).filter((a) => !(a in actionWords));
    expect(missing).toEqual([]);
  });

  it('words actions with a variable part and never shows a bare key', () => {
    expect(describeAction('mask.read')).toBe('Viewed a mask');
    expect(describeAction('workflow.review.signed.accept')).toBe('Signed a review: accepted');
    expect(describeAction('workflow.task.created.expert_review')).toBe('Created an expert review task');
    expect(describeAction('workflow.expert_review.signed.reject')).toBe('Signed an expert review: rejected');
    expect(describeAction('job.workflow.agreement.succeeded')).toBe('A workflow agreement job succeeded');
    expect(describeAction('dicomweb.search.studies.patientId+modality')).toBe('Searched the PACS for studies by patient ID, modality');
    expect(describeAction('something.new_here')).toBe('Something new here');
    expect(describeRole('data_steward')).toBe('data steward');
    expect(describeRole('platform_admin')).toBe('platform administrator');
  });
});
