import type { PickedFile } from './folder-entries';

/** A plain photograph by its name: wrapped as an Ophthalmic Photography instance, so it needs the eye. */
export const isPhotographName = (path: string) => /\.(png|jpe?g)$/i.test(path);

/**
 * The files with the eye chosen for the batch given to every photograph, or the words to show
 * when photographs are dropped before an eye is chosen (the server would refuse each of them).
 */
export function withLaterality(files: readonly PickedFile[], eye: 'OD' | 'OS' | ''): { files: PickedFile[] } | { refusal: string } {
  const photos = files.filter((f) => isPhotographName(f.path));
  if (photos.length > 0 && eye === '') return { refusal: 'Choose the eye (right or left) of the photographs before uploading them.' };
  return { files: files.map((f) => (eye !== '' && isPhotographName(f.path) ? { ...f, laterality: eye } : f)) };
}
