import type { ReleaseExportFormat } from '../formats';
import { notForSlides } from '../seg-formats';
import { caseId, channelOf, fileEnding, isTraining, SIBLING_DESCRIPTION, SIBLING_FOLDERS, splitRecord, subjectFolds, trainingCaseFiles } from './training-case';
import { datasetDescription, jsonFile, layoutLabels } from './dataset-text';

/**
 * nnU-Net v2's raw dataset layout: `imagesTr/{case}_0000` and `labelsTr/{case}` for the training
 * and validation splits, `imagesTs/` (with `labelsTs/`) for the test split, and a `dataset.json`
 * nnU-Net reads (channel_names, labels, numTraining, file_ending). The release's own validation
 * split, or five folds grouped by subject when the release asks for cross-validation, becomes
 * `splits_final.json`, which nnU-Net uses instead of drawing its own random folds.
 */
export const nnunetLayout: ReleaseExportFormat = {
  key: 'nnunet',
  // Training cases pair an image with its labels; a slide region has no image instances.
  skipReason: notForSlides,
  title: 'nnU-Net v2 dataset (imagesTr, labelsTr, imagesTs, dataset.json)',
  itemFolder: (item) => `provenance/${caseId(item)}`,
  itemFiles(input) {
    const id = caseId(input.item);
    const [images, labels] = isTraining(input.item) ? ['imagesTr', 'labelsTr'] : ['imagesTs', 'labelsTs'];
    return trainingCaseFiles(input, `${images}/${id}_0000`, `${labels}/${id}`);
  },
  datasetFiles({ release, manifest, listing }) {
    const splits = splitRecord(manifest);
    const folds = manifest.crossValidation
      ? subjectFolds(manifest, manifest.crossValidation.folds)
      : splits.cases.validation!.length > 0
        ? [{ train: [...splits.cases.train!].sort(), val: [...splits.cases.validation!].sort() }]
        : null;
    const dataset = {
      channel_names: { '0': channelOf(manifest) },
      labels: layoutLabels(manifest),
      numTraining: manifest.items.filter(isTraining).length,
      file_ending: fileEnding(manifest),
      name: release.name,
      description: `${datasetDescription(release, manifest)} ${SIBLING_DESCRIPTION} Test cases are in imagesTs with their labels in labelsTs.${folds ? ' splits_final.json holds the folds.' : ' Without splits_final.json nnU-Net draws its own folds, which do not keep a subject together; build the release with cross-validation for folds grouped by subject.'}`,
      licence: manifest.licence ?? 'Not stated in the release',
      release: { id: release.id, hash: release.manifestHash, frozenAt: release.frozenAt },
      sibling_folders: SIBLING_FOLDERS,
      splits: { ...splits, crossValidation: manifest.crossValidation ?? null },
    };
    return [
      jsonFile('dataset.json', dataset),
      ...(folds ? [jsonFile('splits_final.json', folds)] : []),
      jsonFile('release.json', listing),
    ];
  },
};
