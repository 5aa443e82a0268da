export { fromVoxel, planeIndex, planeIndices, planeSize, sliceCount, sliceSpacing, toVoxel, voxelIndex, type Dims, type Orientation, type PlaneSize } from './viewer/geometry';
export { brush, brushLine, fill, Labelmap, scissorsCircle, scissorsRect, type BrushOptions, type Stroke } from './viewer/labelmap';
export { distanceTo, interpolateSlices } from './viewer/interpolate';
export { greyLut, labelLut, renderPlane, windowPresets, type LabelStyle, type WindowLevel } from './viewer/render';
