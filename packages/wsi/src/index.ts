export type { SlideInfo, SlideLevel, SlideSourceProperties } from './slide-info';
export { convertToPyramid, conversionArguments, type PyramidConversion } from './convert/convert';
export { readSlideProperties, parseOpenSlideProperties } from './convert/properties';
export { readPyramidLayout, fileByteSource, type PyramidLayout } from './convert/pyramid';
export { runTool, type ToolRun } from './convert/tool';
export { writeSyntheticHeSlide, syntheticSlidePhi, type SyntheticHeSlide, type SyntheticHeSlideOptions, type SyntheticSlidePhi } from './synthetic/he-slide';
