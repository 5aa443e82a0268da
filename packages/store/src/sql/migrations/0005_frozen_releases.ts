import { runStatements, type Migration } from '../migration';

/**
 * A frozen release is a fixed manifest: its manifest, hash, name and freeze time never change
 * and it cannot be deleted; only generated documents may be appended to it.
 */
export const frozenReleases: Migration = {
  id: '0005_frozen_releases',
  async up(db) {
    await runStatements(db, [
      `create function refuse_frozen_release_change() returns trigger language plpgsql as $$
       begin
         if old.status <> 'frozen' then
           if tg_op = 'DELETE' then return old; end if;
           return new;
         end if;
         if tg_op = 'DELETE'
            or new.status is distinct from old.status
            or new.manifest is distinct from old.manifest
            or new.manifest_hash is distinct from old.manifest_hash
            or new.name is distinct from old.name
            or new.project_id is distinct from old.project_id
            or new.frozen_at is distinct from old.frozen_at
            or new.created_at is distinct from old.created_at
            or not (new.documents @> old.documents) then
           raise exception 'DLN_RELEASE_FROZEN: a frozen release cannot change' using errcode = 'P0001';
         end if;
         return new;
       end $$`,
      `create trigger releases_frozen before update or delete on releases
         for each row execute function refuse_frozen_release_change()`,
    ]);
  },
};
