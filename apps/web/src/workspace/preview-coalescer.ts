/**
 * Live previews while a prompt is dragged: pointer moves come far faster than a model answers, so
 * at most one request is in flight; a prompt asked meanwhile waits, replacing any older waiting
 * prompt (the latest wins); and an answer is shown only if its prompt is still the latest asked,
 * so a stale outline never replaces a newer one. `cancel` (the drag ended) drops every answer to come.
 */
export class LatestPrompt<P, A> {
  private inFlight = false;
  private waiting: { prompt: P; ticket: number } | null = null;
  private latest = 0;

  constructor(
    private readonly ask: (prompt: P) => Promise<A>,
    private readonly show: (answer: A, prompt: P) => void,
    private readonly failed: (error: unknown) => void = () => undefined,
  ) {}

  request(prompt: P): void {
    const ticket = ++this.latest;
    if (this.inFlight) this.waiting = { prompt, ticket };
    else void this.send(prompt, ticket);
  }

  cancel(): void {
    this.latest++;
    this.waiting = null;
  }

  private async send(prompt: P, ticket: number): Promise<void> {
    this.inFlight = true;
    try {
      const answer = await this.ask(prompt);
      if (ticket === this.latest) this.show(answer, prompt);
    } catch (e) {
      if (ticket === this.latest) this.failed(e);
    } finally {
      this.inFlight = false;
      const next = this.waiting;
      this.waiting = null;
      if (next) void this.send(next.prompt, next.ticket);
    }
  }
}
