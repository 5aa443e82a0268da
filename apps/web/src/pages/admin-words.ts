// Words the administration pages show for qualification kinds, legal bases and regions.

export const qualificationWords: Record<string, string> = {
  radiologist: 'Radiologist',
  pathologist: 'Pathologist',
  clinician: 'Clinician',
  radiographer: 'Radiographer',
  technologist: 'Technologist',
  trained_annotator: 'Trained annotator',
};

export const legalBasisWords: Record<string, string> = {
  consent: 'Consent',
  public_task: 'Public task',
  legitimate_interest: 'Legitimate interest',
  research_exemption: 'Research exemption',
  waiver: 'Waiver of consent',
};

export const regionWords: Record<string, string> = {
  eu: 'European Union',
  uk: 'United Kingdom',
  us: 'United States',
  ca: 'Canada',
  au: 'Australia',
  local: 'This machine (local)',
};
