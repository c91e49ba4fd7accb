/**
 * The window's one door to the Rust side. Screens import from here only.
 *
 * - `api`: every command of the generated contract (`bindings.ts`, made by
 *   tauri-specta from the Rust commands; never edit it), each wrapped so a
 *   rejection is always an `ErrorInfo`, and a lost session (`session_expired`,
 *   `not_signed_in`) is told to the handler of `onSessionLost` (App goes back
 *   to sign-in) before the promise rejects.
 * - `upload` / `importFiles` / `discard`: a file's bytes go over as a raw IPC
 *   body (never a JSON array of numbers); the import commands name the ids.
 * - `events` and `subscribe`: the generated events, until told to stop.
 * - `chooseSavePath` / `chooseFolder` (`dialog.ts`): the OS save and folder
 *   dialogs, where a saved paper or an export goes (nowhere else).
 * - `errorText` / `errorParts` (`errors.ts`): an `ErrorInfo` in the UI's
 *   language; `Job` and `attempt` (`job.svelte.ts`) run a command and keep
 *   its error (and busy flag) for the screen.
 *
 * Every generated type is re-exported; Rust serialises them camelCase.
 */
import { invoke } from '@tauri-apps/api/core';
import type { EventCallback, UnlistenFn } from '@tauri-apps/api/event';
import { commands, events, type ErrorInfo } from './bindings';
import { isSessionLost, toErrorInfo } from './errors';

export type * from './bindings';
export { events };
export {
  ERROR_CODES,
  SESSION_LOST_CODES,
  errorParts,
  errorText,
  fieldLabel,
  isErrorCode,
  isErrorInfo,
  isSessionLost,
  toErrorInfo,
} from './errors';
export { Job, attempt } from './job.svelte';
export { chooseFolder, chooseSavePath, type SaveKind } from './dialog';

type SessionLostHandler = (error: ErrorInfo) => void;
let sessionLostHandler: SessionLostHandler | null = null;

/** Register the handler for session_expired / not_signed_in. Returns an unregister function. */
export function onSessionLost(handler: SessionLostHandler): () => void {
  sessionLostHandler = handler;
  return () => {
    if (sessionLostHandler === handler) sessionLostHandler = null;
  };
}

/** The same call, rejecting with a normalised ErrorInfo (and telling App of a lost session). */
function guarded<A extends unknown[], R>(run: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await run(...args);
    } catch (raw) {
      const error = toErrorInfo(raw);
      if (isSessionLost(error) && sessionLostHandler) sessionLostHandler(error);
      throw error;
    }
  };
}

// ---- Commands -------------------------------------------------------------------

type Commands = typeof commands;

/** The generated commands, as they are typed; only their rejections are normalised. */
export type Api = { readonly [K in keyof Commands]: Commands[K] };

export const api: Api = Object.fromEntries(
  Object.entries(commands).map(([name, run]) => [
    name,
    guarded(run as (...args: unknown[]) => Promise<unknown>),
  ]),
) as unknown as Api;

// ---- Files --------------------------------------------------------------------

/**
 * Hand a file's bytes to the desk as a raw IPC body; returns its id for the
 * import commands. The desk holds it in memory until an import takes it or
 * `api.filesDiscard` drops it (sign-out drops them all).
 */
export const upload = guarded(
  async (file: Blob, name: string): Promise<number> =>
    invoke<number>('upload_file', new Uint8Array(await file.arrayBuffer()), {
      headers: { 'x-file-name': encodeURIComponent(name) },
    }),
);

/** Drop uploaded files the user abandoned; never fails (the desk forgets them at sign-out anyway). */
export function discard(ids: readonly number[]): void {
  if (ids.length > 0) void api.filesDiscard([...ids]).catch(() => undefined);
}

/**
 * Upload `files` in order (their page order), then run the import with their
 * ids. Whatever fails on the way, the files already handed over are dropped.
 */
export async function importFiles<T>(files: readonly File[], run: (ids: number[]) => Promise<T>): Promise<T> {
  const ids: number[] = [];
  try {
    for (const f of files) ids.push(await upload(f, f.name));
    return await run(ids);
  } catch (e) {
    discard(ids);
    throw e;
  }
}

// ---- Events -------------------------------------------------------------------

/** What `events.*` of the generated contract offer. */
export type Listenable<T> = { listen: (handler: EventCallback<T>) => Promise<UnlistenFn> };

/**
 * Hand each payload of a generated event (`events.cardProgressEvent`, …) to
 * `handler` until the returned function is called. Safe to stop before
 * listening has started; without a Tauri bridge it listens to nothing.
 */
export function subscribe<T>(event: Listenable<T>, handler: (payload: T) => void): () => void {
  let stopped = false;
  let unlisten: UnlistenFn | null = null;
  const listening = (async () =>
    event.listen((e) => {
      if (!stopped) handler(e.payload);
    }))();
  listening.then(
    (off) => {
      if (stopped) off();
      else unlisten = off;
    },
    () => undefined,
  );
  return () => {
    stopped = true;
    unlisten?.();
  };
}
