import { describe, expect, it } from 'vitest';
import { createOcrEngine, withOcrEngine, type OcrEngine } from './ocr';

/** Real engines (never started: no frame is read) that count how often they were ended. */
function countingEngines() {
  const ended: OcrEngine[] = [];
  const create = (): OcrEngine => {
    const engine = createOcrEngine();
    const counted: OcrEngine = {
      findText: (image) => engine.findText(image),
      async close() {
        ended.push(counted);
        await engine.close();
      },
    };
    return counted;
  };
  return { ended, create };
}

describe('withOcrEngine', () => {
  it('ends the engine it created, after the work and after a failure', async () => {
    const { ended, create } = countingEngines();
    let used: OcrEngine | undefined;
    expect(await withOcrEngine(undefined, async (engine) => ((used = engine), 7), create)).toBe(7);
    expect(ended).toEqual([used]);
    await expect(withOcrEngine(undefined, () => Promise.reject(new Error('decode failed')), create)).rejects.toThrow('decode failed');
    expect(ended).toHaveLength(2);
  });

  it('uses a lent engine and leaves it to its owner, even after a failure', async () => {
    const { ended, create } = countingEngines();
    const lent = create();
    let used: OcrEngine | undefined;
    await withOcrEngine(lent, async (engine) => {
      used = engine;
    }, create);
    await expect(withOcrEngine(lent, () => Promise.reject(new Error('decode failed')), create)).rejects.toThrow('decode failed');
    expect(used).toBe(lent);
    expect(ended).toEqual([]);
    await lent.close();
  });
});
