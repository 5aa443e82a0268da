import { randomBytes } from 'node:crypto';
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
  it('enforces length 12..128 without composition rules', () => {
    expect(passwordProblem('short')).toBeDefined();
    expect(passwordProblem('a'.repeat(129))).toBeDefined();
    expect(passwordProblem('all lower case words')).toBeUndefined();
  });

  it('refuses common and breached passwords, whatever their case and separators', () => {
    for (const common of ['password1234', 'QWERTYUIOP123', 'qwerty123456', '1q2w3e4r5t6y', 'iloveyou12345!', 'trustno12024!!!!', 'administrator', 'q-w-e-r-t-y-u-i-o-p']) {
      expect(passwordProblem(common), common).toMatch(/common/);
    }
    expect(passwordProblem('aaaaaaaaaaaaaa')).toBeDefined();
    expect(passwordProblem('abababababab')).toBeDefined();
  });

  it('refuses passwords made of the user name, display name or the service name with little else', () => {
    const context = { username: 'maria.rossi', displayName: 'Maria Rossi' };
    expect(passwordProblem('maria.rossi2026', context)).toMatch(/user name/);
    expect(passwordProblem('MariaRossi!!1234', context)).toMatch(/user name/);
    expect(passwordProblem('Delineate2026!', context)).toMatch(/user name|service/);
    expect(passwordProblem('delineate password', context)).toBeDefined();
    expect(passwordProblem('maria likes quiet mountain lakes', context)).toBeUndefined();
  });

  it('accepts generated passwords like the demo seeding’s and the passphrases the tests use', () => {
    for (let i = 0; i < 200; i++) expect(passwordProblem(randomBytes(18).toString('base64url'), { username: 'demo.admin', displayName: 'Demo Admin' })).toBeUndefined();
    for (const p of ['correct horse battery staple', 'a long enough passphrase', 'a brand new passphrase', 'a long bootstrap passphrase', `e2e-${crypto.randomUUID()}`]) {
      expect(passwordProblem(p, { username: 'ana', displayName: 'Ana' }), p).toBeUndefined();
    }
  });
});
