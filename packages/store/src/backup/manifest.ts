import { BackupManifest, DelineateError } from '@delineate/schema';

export { BACKUP_FORMAT, type BackupFile } from '@delineate/schema';

export function parseBackupManifest(text: string): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new DelineateError('DLN_BACKUP_INVALID', 'The backup manifest is not JSON');
  }
  const parsed = BackupManifest.safeParse(raw);
  if (!parsed.success) throw new DelineateError('DLN_BACKUP_INVALID', 'The backup manifest is not one this version of Delineate writes');
  return parsed.data;
}
