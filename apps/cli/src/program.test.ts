import { describe, expect, it } from 'vitest';
import { buildProgram, commandNames } from './program';

describe('delineate program', () => {
  it('registers every command of the map, and nothing the map does not name', async () => {
    const program = await buildProgram();
    expect(program.commands.map((c) => c.name()).sort()).toEqual([...commandNames].sort());
  });

  it('loads only the module of the command typed first', async () => {
    expect((await buildProgram(['metrics', 'a.nii.gz', 'b.nii.gz'])).commands.map((c) => c.name())).toEqual(['metrics']);
    expect((await buildProgram(['redact'])).commands.map((c) => c.name()).sort()).toEqual(['ingest', 'redact']);
  });

  it('loads every command for the overall help or an unknown name', async () => {
    expect((await buildProgram(['--help'])).commands).toHaveLength(commandNames.length);
    expect((await buildProgram(['no-such-command'])).commands).toHaveLength(commandNames.length);
  });
});
