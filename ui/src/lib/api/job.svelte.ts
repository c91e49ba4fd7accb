/**
 * What replaces the screens' `try { … } catch (e) { error = errorText(e) }`:
 *
 *   const saving = new Job();
 *   const saved = await saving.run(() => api.procedureUpdate(code, edit));
 *   if (saved === undefined) return; // saving.error says why, in the UI's language
 *
 *   <button disabled={saving.busy}>…</button>
 *   <p class="error" hidden={!saving.error}>{saving.error}</p>
 *
 * The error is kept as the `ErrorInfo` and turned into text when shown, so
 * it follows a change of language. Commands never resolve to `undefined`
 * (JSON has none), so `undefined` means "failed".
 */
import type { ErrorInfo } from './bindings';
import { errorText, toErrorInfo } from './errors';

export class Job {
  /** A run is under way. */
  busy = $state(false);
  #failure = $state<ErrorInfo | string | null>(null);

  /** What went wrong, in the current language; '' when nothing did. */
  get error(): string {
    const f = this.#failure;
    if (f === null) return '';
    return typeof f === 'string' ? f : errorText(f);
  }

  /** The desk's error, when the last failure was one. */
  get info(): ErrorInfo | null {
    return typeof this.#failure === 'object' ? this.#failure : null;
  }

  /** The form field the desk blamed (`ErrorInfo.field`), if any. */
  get field(): string | null {
    return this.info?.field ?? null;
  }

  /** Show a failure the screen found itself (already translated), or the desk's. */
  fail(failure: string | ErrorInfo): void {
    this.#failure = failure;
  }

  clear(): void {
    this.#failure = null;
  }

  /**
   * Clear the error, run `work` with `busy` set, and return its value; on a
   * rejection keep the error and return `undefined`.
   */
  async run<T>(work: () => Promise<T>): Promise<T | undefined> {
    this.busy = true;
    this.#failure = null;
    try {
      return await work();
    } catch (e) {
      this.#failure = toErrorInfo(e);
      return undefined;
    } finally {
      this.busy = false;
    }
  }
}

/**
 * The same without a Job: run `work`; on a rejection call `onError` with the
 * text (in the current language) and the ErrorInfo, and return `undefined`.
 */
export async function attempt<T>(
  work: () => Promise<T>,
  onError: (message: string, error: ErrorInfo) => void,
): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    const info = toErrorInfo(e);
    onError(errorText(info), info);
    return undefined;
  }
}
