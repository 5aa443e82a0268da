/** Load and save timings of the open item, read by the benchmark through `window.__delineate.timings()`. */
export const timings: { firstImageMs?: number; fullVolumeMs?: number; lastSaveMs?: number } = {};
