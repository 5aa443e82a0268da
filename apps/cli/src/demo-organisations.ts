import { platformOrganisationId, type Region } from '@delineate/schema';
import { AgreementRepository, OrganisationRepository, type Database } from '@delineate/store';

/** The demo's hospital (owner of its projects) and the annotation service its technologists work for. */
export const demoHospitalName = 'Demo University Hospital';
export const demoAnnotationServiceName = 'Demo Annotation Services';

/**
 * Puts the demo's people in organisations. The hospital runs the installation: the platform's own
 * organisation (which every account and project belongs to unless moved) becomes the hospital, so
 * it owns the projects and people added later work for it. The annotators (technologists) work
 * for an annotation service admitted to the demo projects as annotators, under a data use
 * agreement of six months (ending before the demo's one-year qualifications) that allows no
 * identifiable data.
 */
export async function seedDemoOrganisations(
  database: Database,
  input: { projects: readonly { id: string; region: Region }[]; serviceUserIds: readonly string[]; recordedBy: string | null; now: Date },
): Promise<{ hospitalId: string; serviceId: string }> {
  const organisations = new OrganisationRepository(database.db);
  const agreements = new AgreementRepository(database.db);
  await organisations.update(platformOrganisationId, { name: demoHospitalName, kind: 'hospital' });
  const service = await organisations.create({ name: demoAnnotationServiceName, kind: 'annotation_service', now: input.now });
  for (const userId of input.serviceUserIds) await organisations.setUserOrganisation(userId, service.id);
  for (const project of input.projects) {
    await organisations.updateProjectGovernance(project.id, { ownerOrganisationId: platformOrganisationId });
    await organisations.admit({ projectId: project.id, organisationId: service.id, roles: ['annotator'], admittedBy: input.recordedBy, now: input.now });
    await agreements.record({
      projectId: project.id,
      organisationId: service.id,
      kind: 'dua',
      parties: [demoHospitalName, demoAnnotationServiceName],
      signedAt: input.now,
      expiresAt: new Date(input.now.getTime() + 180 * 86_400_000),
      identifiableUses: [],
      regions: [project.region],
      recordedBy: input.recordedBy,
      now: input.now,
    });
  }
  return { hospitalId: platformOrganisationId, serviceId: service.id };
}
