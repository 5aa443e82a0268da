import { runStatements, type Migration } from '../migration';

/** Failed sign-ins, shared by every server so the login throttle holds across N servers. */
export const loginThrottle: Migration = {
  id: '0120_login_throttle',
  up: (db) =>
    runStatements(db, [
      `CREATE TABLE login_failures (
        account text NOT NULL,
        address text NOT NULL,
        at timestamptz NOT NULL
      )`,
      `CREATE INDEX login_failures_pair ON login_failures (account, address, at)`,
      `CREATE INDEX login_failures_address ON login_failures (address, at)`,
    ]),
};
