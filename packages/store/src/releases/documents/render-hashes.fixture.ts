// Child process for documents.test.ts: renders each document JSON file named on the command
// line in every format, in a fresh process, and prints { kind.format: sha256 } as one JSON line.
import { readFileSync } from 'node:fs';
import { releaseDocumentFormats } from '@delineate/schema';
import { renderDocument, type ReleaseDocumentJson } from './render';

const hashes: Record<string, string> = {};
for (const path of process.argv.slice(2)) {
  const json = JSON.parse(readFileSync(path, 'utf8')) as ReleaseDocumentJson;
  for (const format of releaseDocumentFormats) hashes[`${json.kind}.${format}`] = (await renderDocument(json.kind, json, format)).sha256;
}
process.stdout.write(`${JSON.stringify(hashes)}\n`);
