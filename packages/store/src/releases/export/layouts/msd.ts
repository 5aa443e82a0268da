import type { ManifestItem } from '@delineate/schema';
import type { ReleaseExportFormat } from '../formats';
import { notForSlides } from '../seg-formats';
import { datasetDescription, jsonFile, layoutLabels } from './dataset-text';
import { caseId, channelOf, fileEnding, isTraining, SIBLING_DESCRIPTION, SIBLING_FOLDERS, splitRecord, subjectFolds, trainingCaseFiles } from './training-case';

const paths = (item: Pick<ManifestItem, 'split' | 'subjectPseudonym' | 'itemId'>, ending: string) => {
  const [images, labels] = isTraining(item) ? ['imagesTr', 'labelsTr'] : ['imagesTs', 'labelsTs'];
  return { image: `${images}/${caseId(item)}${ending}`, label: `${labels}/${caseId(item)}${ending}` };
};

/**
 * The Medical Segmentation Decathlon layout (imagesTr/{case}, labelsTr/{case}, imagesTs/) with its
 * dataset.json, and MONAI's `datalist.json` as `load_decathlon_datalist` reads it: `training` and
 * `validation` lists of {image, label} relative to the dataset folder. With cross-validation every
 * training entry carries its `fold` (0-4, grouped by subject) and `training` holds the validation
 * split's cases too, which `validation` still lists as the release froze them.
 */
export const msdLayout: ReleaseExportFormat = {
  key: 'msd',
  // Training cases pair an image with its labels; a slide region has no image instances.
  skipReason: notForSlides,
  title: 'Medical Segmentation Decathlon / MONAI (imagesTr, labelsTr, datalist.json)',
  itemFolder: (item) => `provenance/${caseId(item)}`,
  itemFiles(input) {
    const p = paths(input.item, '');
    return trainingCaseFiles(input, p.image, p.label);
  },
  datasetFiles({ release, manifest, listing }) {
    const ending = fileEnding(manifest);
    const splits = splitRecord(manifest);
    const fold = new Map<string, number>();
    if (manifest.crossValidation) subjectFolds(manifest, manifest.crossValidation.folds).forEach((f, k) => f.val.forEach((c) => fold.set(c, k)));
    const entry = (i: ManifestItem) => ({ ...paths(i, ending), ...(fold.has(caseId(i)) ? { fold: fold.get(caseId(i)) } : {}) });
    const inTraining = manifest.items.filter((i) => i.split === 'train' || (manifest.crossValidation !== undefined && i.split === 'validation'));
    const labels = Object.fromEntries(Object.entries(layoutLabels(manifest)).map(([key, value]) => [String(value), key]));
    const datalist = {
      training: inTraining.map(entry),
      validation: manifest.items.filter((i) => i.split === 'validation').map((i) => paths(i, ending)),
      testing: manifest.items.filter((i) => i.split === 'test').map((i) => paths(i, ending)),
    };
    const dataset = {
      name: release.name,
      description: `${datasetDescription(release, manifest)} ${SIBLING_DESCRIPTION} Test cases are in imagesTs with their labels in labelsTs; datalist.json holds MONAI's training and validation lists${manifest.crossValidation ? ' with folds grouped by subject' : ''}.`,
      reference: `Delineate release ${release.id}`,
      licence: manifest.licence ?? 'Not stated in the release',
      release: { id: release.id, hash: release.manifestHash, frozenAt: release.frozenAt },
      tensorImageSize: ending === '.png' ? '2D' : '3D',
      modality: { '0': channelOf(manifest) },
      labels,
      numTraining: manifest.items.filter(isTraining).length,
      numTest: splits.cases.test!.length,
      training: manifest.items.filter(isTraining).map((i) => paths(i, ending)),
      test: manifest.items.filter((i) => !isTraining(i)).map((i) => paths(i, ending).image),
      sibling_folders: SIBLING_FOLDERS,
      splits: { ...splits, crossValidation: manifest.crossValidation ?? null },
    };
    return [jsonFile('dataset.json', dataset), jsonFile('datalist.json', datalist), jsonFile('release.json', listing)];
  },
};
