/**
 * What the find box (or a scan caught in any box) hands to a screen: the
 * Shell opens the screen and leaves the errand here; the screen takes it
 * (once) when it shows. One errand at a time: a newer one replaces it.
 */
import type { ApplicantPrefill } from './api';

export type Errand =
  /** A CCCD's QR: fill the intake form with this applicant. */
  | { kind: 'applicant'; applicant: ApplicantPrefill }
  /** Open this dossier (on the screen the Shell chose). */
  | { kind: 'dossier'; code: string };

class Errands {
  #current = $state<{ errand: Errand; seq: number } | null>(null);
  #seq = 0;

  /** Leave an errand for the next screen to take. */
  give(errand: Errand) {
    this.#seq += 1;
    this.#current = { errand, seq: this.#seq };
  }

  /** The waiting errand (reactive), without taking it. */
  get waiting(): Errand | null {
    return this.#current?.errand ?? null;
  }

  /** Take the waiting errand of `kind`, if any: it is given once. */
  take<K extends Errand['kind']>(kind: K): Extract<Errand, { kind: K }> | null {
    const c = this.#current;
    if (!c || c.errand.kind !== kind) return null;
    this.#current = null;
    return c.errand as Extract<Errand, { kind: K }>;
  }
}

export const errands = new Errands();
