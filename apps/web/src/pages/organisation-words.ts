// Words the organisation and agreement pages show for the server's keys (issue 24).

export const organisationKindWords: Record<string, string> = {
  platform_operator: 'Operator of this platform',
  hospital: 'Hospital',
  research_group: 'Research group',
  annotation_service: 'Annotation service',
  partner: 'Partner',
};

export const agreementKindWords: Record<string, string> = {
  baa: 'Business associate agreement (HIPAA)',
  dpa: 'Data processing agreement (GDPR Art. 28)',
  dua: 'Data use agreement',
};

export const agreementStatusWords: Record<string, string> = {
  not_yet_in_force: 'Not yet in force',
  in_force: 'In force',
  expired: 'Expired',
};

export const identifiableUseWords: Record<string, string> = {
  quarantine_pixels: 'the quarantine pixel view',
  dicomweb_search: 'PACS search before de-identification',
  break_glass: 'emergency access',
};

/** A member's standing in the access review. */
export const memberAgreementWords: Record<string, string> = {
  owner: 'Owning organisation: no agreement needed',
  in_force: 'Agreements in force',
  not_admitted: 'Organisation not admitted in this role',
  missing: 'Agreement missing',
  expired: 'Agreement expired',
  region: 'Agreement does not permit this region',
  scope: 'Agreement does not allow identifiable data',
};

export const day = (iso: string | null) => (iso ? new Date(iso).toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }) : 'no end date');

export function scopeText(uses: readonly string[]): string {
  return uses.length === 0 ? 'No identifiable data' : `Identifiable data in ${uses.map((u) => identifiableUseWords[u] ?? u).join(', ')}`;
}
