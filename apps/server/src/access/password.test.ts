import { describe, expect, it } from 'vitest';
import { PasswordHasher, defaultArgon2Params, parsePhc, passwordProblem } from './password';

const cheap = { memoryKiB: 1024, timeCost: 1, parallelism: 1 };

describe('PasswordHasher', () => {
  it('defaults to argon2id with at least 46 MiB, t=1, p=1', () => {
    const hasher = new PasswordHasher();
    expect(hasher.params).toEqual(defaultArgon2Params);
    expect(hasher.params.memoryKiB).toBeGreaterThanOrEqual(46 * 1024);
  });

  it('hashes with the default parameters, read back from the PHC string', async () => {
    const phc = await new PasswordHasher().hash('correct horse battery');
    expect(parsePhc(phc)).toEqual({ variant: 'id', memoryKiB: 47_104, timeCost: 1, parallelism: 1 });
  });

  it('verifies the right password only', async () => {
    const hasher = new PasswordHasher({ testOnlyParams: cheap });
    const phc = await hasher.hash('correct horse battery');
    expect(phc.startsWith('$argon2id$v=19$m=1024,t=1,p=1$')).toBe(true);
    expect(await hasher.verify(phc, 'correct horse battery')).toEqual({ ok: true, needsRehash: false });
    expect(await hasher.verify(phc, 'correct horse batterz')).toEqual({ ok: false, needsRehash: false });
    expect(await hasher.verify('not a hash', 'x')).toEqual({ ok: false, needsRehash: false });
  });

  it('asks for a rehash when the stored parameters are weaker than the current ones', async () => {
    const weak = await new PasswordHasher({ testOnlyParams: cheap }).hash('correct horse battery');
    const stronger = new PasswordHasher({ testOnlyParams: { ...cheap, memoryKiB: 2048 } });
    expect(await stronger.verify(weak, 'correct horse battery')).toEqual({ ok: true, needsRehash: true });
    expect(await stronger.verify(weak, 'wrong password!!')).toEqual({ ok: false, needsRehash: false });
  });

  it('normalises Unicode so composed and decomposed forms match', async () => {
    const hasher = new PasswordHasher({ testOnlyParams: cheap });
    const phc = await hasher.hash('caf\u00e9 au lait 123');
    expect((await hasher.verify(phc, 'cafe\u0301 au lait 123')).ok).toBe(true);
  });
});

describe('passwordProblem', () => {
  it('enforces length 12..128 and nothing else', () => {
    expect(passwordProblem('short')).toBeDefined();
    expect(passwordProblem('a'.repeat(129))).toBeDefined();
    expect(passwordProblem('all lower case words')).toBeUndefined();
  });
});
