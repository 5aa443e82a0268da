import { describe, expect, it } from 'vitest';
import { agreementKinds, identifiableUses, organisationKinds } from '@delineate/schema';
import { agreementKindWords, agreementStatusWords, identifiableUseWords, memberAgreementWords, organisationKindWords, scopeText } from './organisation-words';

describe('organisation and agreement words', () => {
  it('words every organisation kind, agreement kind, scope, status and refusal the server answers', () => {
    for (const kind of organisationKinds) expect(organisationKindWords[kind]).toBeTruthy();
    for (const kind of agreementKinds) expect(agreementKindWords[kind]).toBeTruthy();
    for (const use of identifiableUses) expect(identifiableUseWords[use]).toBeTruthy();
    for (const status of ['not_yet_in_force', 'in_force', 'expired']) expect(agreementStatusWords[status]).toBeTruthy();
    for (const status of ['owner', 'in_force', 'not_admitted', 'missing', 'expired', 'region', 'scope']) expect(memberAgreementWords[status]).toBeTruthy();
  });

  it('says what an agreement lets its organisation see', () => {
    expect(scopeText([])).toBe('No identifiable data');
    expect(scopeText(['quarantine_pixels', 'break_glass'])).toBe('Identifiable data in the quarantine pixel view, emergency access');
  });
});
