import { useState } from 'react';

/** The training layouts an export can take (issue 25), in the words ML teams know them by. */
export const trainingLayoutWords: Record<string, string> = {
  nnunet: 'nnU-Net v2 (imagesTr, labelsTr, dataset.json, splits_final.json)',
  msd: 'Medical Segmentation Decathlon / MONAI (datalist.json)',
};

export const isTrainingLayout = (key: string): boolean => Object.hasOwn(trainingLayoutWords, key);

/** One choice of training layout and the button that queues the export in it. */
export function TrainingLayoutExport({ available, onExport, pending }: { available: readonly string[]; onExport: (layout: string) => void; pending: boolean }) {
  const layouts = available.filter(isTrainingLayout);
  const [layout, setLayout] = useState(layouts[0] ?? '');
  if (layouts.length === 0) return null;
  return (
    <span style={{ display: 'inline-flex', gap: 4 }}>
      <label>Layout for training <select data-testid="training-layout" value={layout} onChange={(e) => setLayout(e.target.value)}>
        {layouts.map((k) => <option key={k} value={k}>{trainingLayoutWords[k]}</option>)}
      </select></label>
      <button data-testid="export-layout" disabled={pending || !layout} onClick={() => onExport(layout)}>Export for training</button>
    </span>
  );
}
