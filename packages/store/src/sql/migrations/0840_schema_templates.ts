import { runStatements, type Migration } from '../migration';

/**
 * A label schema may start from a shipped template (radiotherapy library, issue 23): the
 * template's id and version are kept with the schema, both or neither.
 */
export const schemaTemplates: Migration = {
  id: '0840_schema_templates',
  async up(db) {
    await runStatements(db, [
      'alter table label_schemas add column template_id text',
      'alter table label_schemas add column template_version integer',
      `alter table label_schemas add constraint label_schemas_template_check check (
        (template_id is null and template_version is null) or (template_id is not null and template_version is not null and template_version >= 1)
      )`,
    ]);
  },
};
