import type { EditingActivity } from '@delineate/schema';

/**
 * Counts what correcting a model's draft costs the annotator, for the correction-effort record
 * (Kiser et al. 2021 relate such counts to correction time): strokes, clicks on the image,
 * undos, and active editing time. Active time adds the gaps between consecutive actions up to
 * `idleMs`: a pause longer than that (reading the protocol, a coffee) counts as `idleMs`, not as
 * editing. The clock is injected so the figures replay in tests.
 */
export class EditingRecorder {
  #strokes = 0;
  #clicks = 0;
  #undos = 0;
  #activeMs = 0;
  #last: number | null = null;

  constructor(
    private readonly now: () => number,
    private readonly idleMs = 30_000,
  ) {}

  stroke(): void {
    this.#act();
    this.#strokes++;
  }

  click(): void {
    this.#act();
    this.#clicks++;
  }

  undo(): void {
    this.#act();
    this.#undos++;
  }

  /** The figures as the server takes them (`PUT /api/tasks/:taskId/editing-activity`). */
  activity(): EditingActivity {
    return { activeEditingMs: Math.round(this.#activeMs), strokes: this.#strokes, clicks: this.#clicks, undos: this.#undos };
  }

  #act(): void {
    const t = this.now();
    if (this.#last !== null) this.#activeMs += Math.min(Math.max(0, t - this.#last), this.idleMs);
    this.#last = t;
  }
}
