import { describe, expect, it } from 'vitest';
import { commandCatalog } from './catalog';
import { buildProgram, commandFiles, commandNames, programOf, type CommandModule } from './program';

describe('delineate program', () => {
  it('registers every command of the map, and nothing the map does not name', async () => {
    const program = await buildProgram();
    expect(program.commands.map((c) => c.name()).sort()).toEqual([...commandNames].sort());
  }, 120_000); // the first test transforms every command's sources: slow on a busy machine

  it('loads only the module of the command typed first', async () => {
    expect((await buildProgram(['metrics', 'a.nii.gz', 'b.nii.gz'])).commands.map((c) => c.name())).toEqual(['metrics']);
    expect((await buildProgram(['redact'])).commands.map((c) => c.name()).sort()).toEqual(['ingest', 'redact']);
  });

  it('lists every command from the catalog for the overall help or an unknown name, loading no module', async () => {
    for (const argv of [['--help'], ['no-such-command'], []]) {
      const listed = (await buildProgram(argv)).commands;
      expect(listed.map((c) => [c.name(), c.description()])).toEqual(Object.entries(commandCatalog));
      expect(listed.every((c) => c.commands.length === 0 && c.options.length === 0)).toBe(true);
    }
  });

  it('describes each command in its module with the catalog\'s words, so the overall help says what the command says', async () => {
    const full = await buildProgram();
    for (const [name, summary] of Object.entries(commandCatalog)) expect(full.commands.find((c) => c.name() === name)?.description()).toBe(summary);
    expect(Object.keys(commandCatalog).sort()).toEqual([...commandNames].sort());
  });

  it('names the module of each command in commandFiles, which picks its per-command bundle', async () => {
    for (const [name, file] of Object.entries(commandFiles)) {
      const own = programOf((await import(`./commands/${file}.ts`)) as CommandModule).commands.map((c) => c.name());
      expect(own, name).toContain(name);
      expect((await buildProgram([name])).commands.map((c) => c.name()), name).toEqual(own);
    }
    expect(Object.keys(commandFiles).sort()).toEqual([...commandNames].sort());
  });
});
