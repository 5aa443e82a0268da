import { runStatements, type Migration } from '../migration';

/**
 * DICOMweb retrievals survive a restart (issue 14): each instance a retrieval has put through
 * the gate is recorded by a keyed hash of its SOP Instance UID (never the UID), so a resumed
 * retrieval skips what is already in the project.
 */
export const dicomwebResume: Migration = {
  id: '0810_dicomweb_resume',
  up: (db) =>
    runStatements(db, [
      `CREATE TABLE dicomweb_retrieval_instances (
        retrieval_id uuid NOT NULL REFERENCES dicomweb_retrievals(id) ON DELETE CASCADE,
        instance_hash text NOT NULL CHECK (instance_hash ~ '^[0-9a-f]{64}$'),
        PRIMARY KEY (retrieval_id, instance_hash)
      )`,
    ]),
};
