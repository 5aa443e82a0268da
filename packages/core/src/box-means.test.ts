import { describe, expect, it } from 'vitest';
import { boxMeans } from './box-means';

describe('boxMeans', () => {
  it('equals the mean worked out square by square, clipped at the edges', () => {
    const width = 7, height = 5, half = 2;
    const values = Array.from({ length: width * height }, (_, i) => (i * 37) % 11);
    const means = boxMeans(width, height, half, (i) => values[i]!);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0, n = 0;
        for (let v = Math.max(0, y - half); v <= Math.min(height - 1, y + half); v++) {
          for (let u = Math.max(0, x - half); u <= Math.min(width - 1, x + half); u++) {
            sum += values[v * width + u]!;
            n++;
          }
        }
        expect(means[y * width + x]).toBeCloseTo(sum / n, 12);
      }
    }
  });
});
