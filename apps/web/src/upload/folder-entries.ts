/** A file to upload and its path in what was dropped (the folder's layout, for the person reading the list). */
export interface PickedFile {
  readonly file: File;
  readonly path: string;
  /** The eye of a plain photograph (PNG, JPEG), chosen on the page: it goes into the OP wrapping. */
  readonly laterality?: 'OD' | 'OS';
}

/** Reads every entry of a folder: `readEntries` answers in batches until it gives an empty one. */
async function readAll(reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  const all: FileSystemEntry[] = [];
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) return all;
    all.push(...batch);
  }
}

async function walk(entry: FileSystemEntry, out: PickedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: entry.fullPath.replace(/^\//, '') });
  } else if (entry.isDirectory) {
    for (const child of await readAll((entry as FileSystemDirectoryEntry).createReader())) await walk(child, out);
  }
}

/** The files of a drop, folders walked (DataTransferItem.webkitGetAsEntry), dot-files left out. */
export async function droppedFiles(data: DataTransfer): Promise<PickedFile[]> {
  const entries = [...data.items].map((item) => item.webkitGetAsEntry()).filter((e): e is FileSystemEntry => e !== null);
  const out: PickedFile[] = [];
  if (entries.length > 0) for (const entry of entries) await walk(entry, out);
  else for (const file of data.files) out.push({ file, path: file.name });
  return out.filter((f) => !f.path.split('/').some((part) => part.startsWith('.')));
}

/** The files of a file or folder picker (`webkitdirectory` gives each its relative path). */
export function pickedFiles(list: FileList): PickedFile[] {
  return [...list].map((file) => ({ file, path: file.webkitRelativePath || file.name })).filter((f) => !f.path.split('/').some((part) => part.startsWith('.')));
}
