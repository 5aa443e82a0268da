import { runStatements, type Migration } from '../migration';

/**
 * The gate, enforced by the store (ARCHITECTURE §1.1): an instance can only be recorded,
 * hence served, when a de-identification record with status `passed` exists for exactly its
 * bytes in its own project. Also the per-project de-identification secret (kept as an
 * encrypted blob; the table holds only its address).
 */
export const deidGate: Migration = {
  id: '0030_deid_gate',
  async up(db) {
    await runStatements(db, [
      `create function instances_require_passed_deid() returns trigger language plpgsql as $$
       begin
         if not exists (
           select 1 from deid_records d
            where d.output_hash = new.blob_hash
              and d.status = 'passed'
              and d.project_id = (
                select sub.project_id from series s
                  join studies st on st.id = s.study_id
                  join subjects sub on sub.id = st.subject_id
                 where s.id = new.series_id)
         ) then
           raise exception 'DLN_DEID_GATE: no passed de-identification record for this instance'
             using errcode = 'check_violation';
         end if;
         return new;
       end $$`,
      `create trigger instances_deid_gate before insert or update of blob_hash, series_id on instances
         for each row execute function instances_require_passed_deid()`,
      `create table project_deid_secrets (
         project_id uuid primary key references projects(id),
         secret_blob_hash text not null check (secret_blob_hash ~ '^[0-9a-f]{64}$'),
         created_at timestamptz not null default now()
       )`,
    ]);
  },
};
