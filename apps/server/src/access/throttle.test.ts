import { describe, expect, it } from 'vitest';
import { LoginThrottle, defaultThrottleSettings } from './throttle';

describe('LoginThrottle', () => {
  const t0 = 1_800_000_000_000;

  it('delays one (account, address) exponentially after the free failures', async () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 3; i++) {
      expect((await throttle.check('ana', '10.0.0.9', t0)).allowed).toBe(true);
      await throttle.recordFailure('ana', '10.0.0.9', t0);
    }
    expect(await throttle.check('ana', '10.0.0.9', t0)).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect((await throttle.check('ana', '10.0.0.9', t0 + 1000)).allowed).toBe(true);
    await throttle.recordFailure('ana', '10.0.0.9', t0 + 1000);
    expect(await throttle.check('ana', '10.0.0.9', t0 + 2000)).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect((await throttle.check('ana', '10.0.0.9', t0 + 3000)).allowed).toBe(true);
  });

  it('caps the delay', async () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 40; i++) await throttle.recordFailure('ana', '10.0.0.9', t0);
    const decision = await throttle.check('ana', '10.0.0.9', t0);
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(decision.retryAfterMs).toBe(defaultThrottleSettings.maxDelayMs);
  });

  it('never locks out the real user from another address', async () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 30; i++) await throttle.recordFailure('ana', '203.0.113.7', t0);
    expect((await throttle.check('ana', '203.0.113.7', t0)).allowed).toBe(false);
    expect((await throttle.check('ana', '10.0.0.9', t0)).allowed).toBe(true);
  });

  it('limits one address spraying many accounts, and forgets after the window', async () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 50; i++) await throttle.recordFailure(`user${i}`, '203.0.113.7', t0);
    expect((await throttle.check('someone-new', '203.0.113.7', t0)).allowed).toBe(false);
    expect((await throttle.check('someone-new', '198.51.100.1', t0)).allowed).toBe(true);
    expect((await throttle.check('someone-new', '203.0.113.7', t0 + defaultThrottleSettings.windowMs + 1)).allowed).toBe(true);
  });

  it('clears the pair on success', async () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 5; i++) await throttle.recordFailure('ana', '10.0.0.9', t0);
    await throttle.recordSuccess('ana', '10.0.0.9');
    expect((await throttle.check('ana', '10.0.0.9', t0)).allowed).toBe(true);
  });
});
