/**
 * The OS save and folder dialogs (`@tauri-apps/plugin-dialog`): a paper or
 * an export goes only where the user chooses. `null` when the user cancels.
 */
import { open, save } from '@tauri-apps/plugin-dialog';

export type SaveKind = 'pdf' | 'xlsx' | 'any';

const EXTENSIONS: Record<Exclude<SaveKind, 'any'>, string[]> = { pdf: ['pdf'], xlsx: ['xlsx'] };

/** Ask where to save a file, suggesting `defaultName`; its path, or null. */
export async function chooseSavePath(
  defaultName: string,
  kind: SaveKind,
  filterName: string,
): Promise<string | null> {
  const path = await save({
    defaultPath: defaultName,
    filters: kind === 'any' ? [] : [{ name: filterName, extensions: EXTENSIONS[kind] }],
  });
  return path ?? null;
}

/** Ask for a folder; its path, or null. */
export async function chooseFolder(): Promise<string | null> {
  const dir = await open({ directory: true, multiple: false });
  return typeof dir === 'string' ? dir : null;
}
