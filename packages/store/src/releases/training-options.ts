import { DelineateError, type ReleaseManifestV2 } from '@delineate/schema';

export const CROSS_VALIDATION_FOLDS = 5;

/** What a build request asks of the training layouts (issue 25), as the manifest records it. */
export function trainingOptions(request: { crossValidation?: boolean | undefined; licence?: string | undefined }): Pick<ReleaseManifestV2, 'crossValidation' | 'licence'> {
  return {
    ...(request.crossValidation ? { crossValidation: { folds: CROSS_VALIDATION_FOLDS, groupedBy: 'subject' as const } } : {}),
    ...(request.licence ? { licence: request.licence } : {}),
  };
}

/** Five folds grouped by subject need five subjects among the training and validation items. */
export function assertFoldableSubjects(items: ReadonlyArray<{ subjectPseudonym: string; split: string | null }>): void {
  const subjects = new Set(items.filter((i) => i.split === 'train' || i.split === 'validation').map((i) => i.subjectPseudonym));
  if (subjects.size < CROSS_VALIDATION_FOLDS) {
    throw new DelineateError('DLN_RELEASE_FOLDS_TOO_FEW_SUBJECTS', `Cross-validation needs at least ${CROSS_VALIDATION_FOLDS} subjects in training and validation; the release has ${subjects.size}`, {
      subjects: subjects.size,
    });
  }
}
