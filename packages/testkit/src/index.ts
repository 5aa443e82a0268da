export { repoRoot, requireTestData, testDataPath } from './testdata';
