import { describe, expect, it } from 'vitest';
import { createTestClock, testClockEnabled } from './test-clock';

describe('test clock', () => {
  it('is on only with DELINEATE_TEST_CLOCK=1 under NODE_ENV=test', () => {
    expect(testClockEnabled({ DELINEATE_TEST_CLOCK: '1', NODE_ENV: 'test' })).toBe(true);
    expect(testClockEnabled({ DELINEATE_TEST_CLOCK: '1', NODE_ENV: 'production' })).toBe(false);
    expect(testClockEnabled({ DELINEATE_TEST_CLOCK: '1' })).toBe(false);
    expect(testClockEnabled({ NODE_ENV: 'test' })).toBe(false);
  });

  it('moves by the offset from the system time', () => {
    let system = Date.parse('2026-01-01T00:00:00Z');
    const clock = createTestClock(() => new Date(system));
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    clock.setOffset(86_400_000);
    system += 1000;
    expect(clock.now().toISOString()).toBe('2026-01-02T00:00:01.000Z');
  });
});
