import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DelineateError } from '@delineate/schema';
import { configFromEnv, openPlatform } from '@delineate/server';
import {
  AccessRepository,
  AnnotationRepository,
  AuditLog,
  importedMask,
  importMaskRevision,
  itemVolumeGeometry,
  LabelSchemaRepository,
  type ImportMaskResult,
} from '@delineate/store';
import { usageError } from '../failure';
import { commandSummary } from '../catalog';

interface ImportMaskFlags {
  readonly item: string;
  readonly user: string;
  readonly annotation?: string;
  readonly json?: boolean;
}

const importerRoles = ['annotator', 'clinician_annotator'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One line per imported segment (label key and voxel count: no value from the file's header). */
export function importSummary(result: ImportMaskResult, annotationId: string): string {
  const lines = result.segments.map((s) => `segment ${s.fileSegment} → ${s.labelKey} (${s.labelValue}): ${s.voxels} voxels`);
  const format = result.format === 'dicom-seg' ? 'DICOM SEG' : result.format === 'rtstruct' ? 'RT Structure Set' : 'NIfTI label map';
  lines.push(`imported ${format} as revision ${result.revision.version} of annotation ${annotationId}`);
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('import-mask')
    .description(commandSummary('import-mask'))
    .argument('<file>', 'a DICOM Segmentation or RT Structure Set (.dcm), or a NIfTI-1 label map (.nii, .nii.gz)')
    .requiredOption('--item <id>', 'the item the mask lies on')
    .requiredOption('--user <username>', 'the person importing: the revision is theirs')
    .option('--annotation <id>', 'append to this annotation (default: start a new one under the project label schema)')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: ImportMaskFlags) => {
      if (!UUID.test(flags.item)) usageError('--item takes an item id');
      if (flags.annotation !== undefined && !UUID.test(flags.annotation)) usageError('--annotation takes an annotation id');
      const bytes = new Uint8Array(await readFile(file));
      const config = configFromEnv(process.env);
      const { database, blobs } = await openPlatform(config, process.env);
      const audit = new AuditLog(database.db, { now: () => new Date() });
      try {
        const access = new AccessRepository(database.db);
        const user = await access.findUserByUsername(flags.user);
        if (!user || user.disabled) throw new DelineateError('DLN_NOT_FOUND', 'No active user with that name');
        const item = await database.db
          .selectFrom('items')
          .innerJoin('projects', 'projects.id', 'items.project_id')
          .innerJoin('subjects', 'subjects.id', 'items.subject_id')
          .select(['items.project_id', 'projects.label_schema_id', 'projects.label_schema_version', 'subjects.pseudonym'])
          .where('items.id', '=', flags.item)
          .executeTakeFirst();
        if (!item) throw new DelineateError('DLN_NOT_FOUND', 'Item not found');
        // The same roles as the API's annotation.import: people who annotate in this project.
        const memberships = await access.membershipsOfUser(user.id);
        if (!memberships.some((m) => m.project_id === item.project_id && importerRoles.includes(m.role))) {
          throw new DelineateError('DLN_AUTH_FORBIDDEN', 'Only an annotator of the project imports masks into it');
        }
        const annotations = new AnnotationRepository(database.db, { blobs });
        if (!flags.annotation) {
          // Checked before the new annotation is started, so a refused file leaves nothing behind.
          const schema = await new LabelSchemaRepository(database.db).get(item.label_schema_id, item.label_schema_version);
          importedMask(bytes, await itemVolumeGeometry(database.db, flags.item), schema.labels);
        }
        const annotation = flags.annotation
          ? await annotations.get(flags.annotation)
          : await annotations.create({
              projectId: item.project_id,
              itemId: flags.item,
              labelSchema: { id: item.label_schema_id, version: item.label_schema_version },
              createdBy: user.id,
            });
        if (annotation.itemId !== flags.item) throw new DelineateError('DLN_CONFLICT', 'The annotation belongs to another item');
        const event = {
          actorId: user.id,
          role: null,
          sessionId: null,
          address: null,
          action: 'annotation.import',
          objectType: 'annotation',
          objectId: annotation.id,
          projectId: item.project_id,
          subjectPseudonym: item.pseudonym,
          purpose: null,
        };
        let result: ImportMaskResult;
        try {
          result = await importMaskRevision(database.db, annotations, {
            annotationId: annotation.id,
            expectedVersion: annotation.headVersion,
            author: { kind: 'user', userId: user.id },
            bytes,
          });
        } catch (error) {
          await audit.append({ ...event, outcome: 'error' });
          throw error;
        }
        await audit.append({ ...event, outcome: 'success' });
        process.stdout.write(flags.json ? `${JSON.stringify({ annotationId: annotation.id, ...result }, null, 2)}\n` : importSummary(result, annotation.id));
      } finally {
        await blobs.close();
        await database.close();
      }
    });
}
