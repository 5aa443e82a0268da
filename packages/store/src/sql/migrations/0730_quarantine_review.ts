import { runStatements, type Migration } from '../migration';

/**
 * The data steward's review of quarantined files (issue 15): trials of the gate with the
 * steward's rectangles (their outcome and reasons, never a value), the release or rejection of
 * a file with the steward's note, and the ingest batch each de-identification record came in.
 */
export const quarantineReview: Migration = {
  id: '0730_quarantine_review',
  up: (db) =>
    runStatements(db, [
      `ALTER TABLE deid_records ADD COLUMN ingest_batch_id uuid`,
      `CREATE INDEX deid_records_batch ON deid_records (ingest_batch_id) WHERE ingest_batch_id IS NOT NULL`,
      `CREATE TABLE quarantine_gate_checks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        record_id uuid NOT NULL REFERENCES deid_records(id),
        job_id uuid REFERENCES jobs(id),
        regions jsonb NOT NULL CHECK (jsonb_typeof(regions) = 'array'),
        outcome text CHECK (outcome IN ('passes', 'fails')),
        findings jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(findings) = 'array'),
        requested_by uuid NOT NULL REFERENCES users(id),
        created_at timestamptz NOT NULL,
        finished_at timestamptz,
        CHECK ((outcome IS NULL) = (finished_at IS NULL))
      )`,
      `CREATE INDEX quarantine_gate_checks_record ON quarantine_gate_checks (record_id, created_at)`,
      `CREATE TABLE quarantine_decisions (
        record_id uuid PRIMARY KEY REFERENCES deid_records(id),
        decision text NOT NULL CHECK (decision IN ('released', 'rejected')),
        note text NOT NULL,
        check_id uuid REFERENCES quarantine_gate_checks(id),
        release_job_id uuid REFERENCES jobs(id),
        decided_by uuid NOT NULL REFERENCES users(id),
        decided_at timestamptz NOT NULL,
        CHECK (decision = 'rejected' OR (check_id IS NOT NULL AND release_job_id IS NOT NULL))
      )`,
    ]),
};
