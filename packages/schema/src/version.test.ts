import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { platformVersion } from './version';

describe('platformVersion', () => {
  it('is the version of the workspace and of every package in it', () => {
    const root = new URL('../../../', import.meta.url);
    const read = (path: string) => (JSON.parse(readFileSync(new URL(path, root), 'utf8')) as { version: string }).version;
    expect(platformVersion).toBe(read('package.json'));
    expect(platformVersion).toBe(read('packages/store/package.json'));
    expect(platformVersion).toBe(read('apps/server/package.json'));
  });
});
