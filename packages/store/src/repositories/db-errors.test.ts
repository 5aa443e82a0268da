import { DelineateError } from '@delineate/schema';
import { expect, it } from 'vitest';
import { AccessRepository } from '../access/repository';
import { describeStore } from '../test/describe-store';
import { translated } from './db-errors';

/** Words of SQL that must never reach a user: constraint suffixes, SQLSTATE phrases. */
const databaseWords = /_key\b|_pkey\b|_fkey\b|_check\b|constraint|violates|duplicate key|byte sequence|out of range for type/i;

describeStore('database refusals in domain words', (getDb) => {
  it('names a duplicate by its kind of record, never its constraint', async () => {
    const repo = new AccessRepository(getDb().db);
    const input = { username: `dup-${crypto.randomUUID().slice(0, 8)}`, displayName: 'Dup', now: new Date() };
    await repo.createUser(input);
    const error = await translated(() => repo.createUser(input)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelineateError);
    expect((error as DelineateError).code).toBe('DLN_CONFLICT');
    expect((error as DelineateError).message).toBe('A user account like this already exists');
  });

  it('codes a NUL byte the database cannot store as a request error', async () => {
    const repo = new AccessRepository(getDb().db);
    const error = await translated(() => repo.createUser({ username: 'nul\u0000name', displayName: 'Nul', now: new Date() })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelineateError);
    expect((error as DelineateError).code).toBe('DLN_REQUEST_INVALID');
    expect((error as DelineateError).message).not.toMatch(databaseWords);
  });

  it('codes a foreign key to nothing without naming the constraint', async () => {
    const repo = new AccessRepository(getDb().db);
    const error = await translated(() =>
      repo.addQualification({ userId: crypto.randomUUID(), kind: 'radiologist', modality: null, verifiedBy: null, validUntil: null, now: new Date() }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelineateError);
    expect((error as DelineateError).message).not.toMatch(databaseWords);
  });
});
