import { runStatements, type Migration } from '../migration';

/**
 * Second-factor hardening (issue 11): a replacement TOTP seed waits beside the confirmed one
 * until a code from it is proved, so an abandoned replacement never leaves the account without
 * a factor; and each session counts its wrong second-factor codes, so a pending sign-in ends
 * after a few.
 */
export const secondFactor: Migration = {
  id: '0300_second_factor',
  up: (db) =>
    runStatements(db, [
      `ALTER TABLE credentials ADD COLUMN replacement_secret text`,
      `ALTER TABLE sessions ADD COLUMN second_factor_failures integer NOT NULL DEFAULT 0`,
    ]),
};
