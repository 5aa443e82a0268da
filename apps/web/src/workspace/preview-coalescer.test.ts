import { describe, expect, it } from 'vitest';
import { LatestPrompt } from './preview-coalescer';

/** A model whose answers the test releases one by one, recording what was asked. */
function scriptedModel() {
  const asked: number[] = [];
  const pending: { prompt: number; resolve: (answer: string) => void; reject: (e: unknown) => void }[] = [];
  const ask = (prompt: number) =>
    new Promise<string>((resolve, reject) => {
      asked.push(prompt);
      pending.push({ prompt, resolve, reject });
    });
  const answer = async () => {
    const next = pending.shift()!;
    next.resolve(`mask ${next.prompt}`);
    // Let the coalescer see the answer and send what waits.
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };
  return { asked, pending, ask, answer };
}

describe('live preview coalescing', () => {
  it('keeps one request in flight, sends only the latest waiting prompt and drops stale answers', async () => {
    const model = scriptedModel();
    const shown: string[] = [];
    const previews = new LatestPrompt(model.ask, (a: string) => shown.push(a));
    previews.request(1);
    previews.request(2);
    previews.request(3);
    previews.request(4);
    // One in flight; 2 and 3 were replaced while waiting.
    expect(model.asked).toEqual([1]);
    await model.answer();
    // The answer to 1 came after 4 was asked: stale, not shown; 4 is sent.
    expect(shown).toEqual([]);
    expect(model.asked).toEqual([1, 4]);
    await model.answer();
    expect(shown).toEqual(['mask 4']);
    previews.request(5);
    await model.answer();
    expect([model.asked, shown]).toEqual([[1, 4, 5], ['mask 4', 'mask 5']]);
  });

  it('after cancel (the drag ended) no answer is shown and nothing waiting is sent', async () => {
    const model = scriptedModel();
    const shown: string[] = [];
    const failures: unknown[] = [];
    const previews = new LatestPrompt(model.ask, (a: string) => shown.push(a), (e) => failures.push(e));
    previews.request(1);
    previews.request(2);
    previews.cancel();
    await model.answer();
    expect([model.asked, shown]).toEqual([[1], []]);
    // A failure of the latest prompt is reported; one of a stale prompt is not.
    previews.request(3);
    previews.request(4);
    model.pending.shift()!.reject(new Error('stale'));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    model.pending.shift()!.reject(new Error('latest'));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(failures.map((e) => (e as Error).message)).toEqual(['latest']);
  });
});
