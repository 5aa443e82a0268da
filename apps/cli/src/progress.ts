import { SingleBar, Presets } from 'cli-progress';

/**
 * Progress for long work: a bar on a terminal, a line every 10% otherwise (CI logs). Returns
 * the callback and a function that closes the current bar.
 */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): {
  update: (stage: string, done: number, total: number) => void;
  stop: () => void;
} {
  let bar: SingleBar | undefined;
  let current = '';
  let lastDecile = -1;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const update = (stage: string, done: number, total: number) => {
    if (stage !== current) {
      stop();
      current = stage;
      lastDecile = -1;
      if (stream.isTTY) {
        bar = new SingleBar({ format: `${stage} [{bar}] {value}/{total}`, stream, hideCursor: true }, Presets.shades_classic);
        bar.start(total, 0);
      }
    }
    if (bar) {
      bar.update(done);
      if (done >= total) stop();
      return;
    }
    const decile = Math.floor((10 * done) / Math.max(1, total));
    if (decile !== lastDecile) {
      lastDecile = decile;
      stream.write(`${stage}: ${done}/${total}\n`);
    }
  };
  return { update, stop };
}
