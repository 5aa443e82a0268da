import { describe, expect, it } from 'vitest';
import { LoginThrottle, defaultThrottleSettings } from './throttle';

describe('LoginThrottle', () => {
  const t0 = 1_800_000_000_000;

  it('delays one (account, address) exponentially after the free failures', () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 3; i++) {
      expect(throttle.check('ana', '10.0.0.9', t0).allowed).toBe(true);
      throttle.recordFailure('ana', '10.0.0.9', t0);
    }
    expect(throttle.check('ana', '10.0.0.9', t0)).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(throttle.check('ana', '10.0.0.9', t0 + 1000).allowed).toBe(true);
    throttle.recordFailure('ana', '10.0.0.9', t0 + 1000);
    expect(throttle.check('ana', '10.0.0.9', t0 + 2000)).toEqual({ allowed: false, retryAfterMs: 1000 });
    expect(throttle.check('ana', '10.0.0.9', t0 + 3000).allowed).toBe(true);
  });

  it('caps the delay', () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 40; i++) throttle.recordFailure('ana', '10.0.0.9', t0);
    const decision = throttle.check('ana', '10.0.0.9', t0);
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(decision.retryAfterMs).toBe(defaultThrottleSettings.maxDelayMs);
  });

  it('never locks out the real user from another address', () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 30; i++) throttle.recordFailure('ana', '203.0.113.7', t0);
    expect(throttle.check('ana', '203.0.113.7', t0).allowed).toBe(false);
    expect(throttle.check('ana', '10.0.0.9', t0).allowed).toBe(true);
  });

  it('limits one address spraying many accounts, and forgets after the window', () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 50; i++) throttle.recordFailure(`user${i}`, '203.0.113.7', t0);
    expect(throttle.check('someone-new', '203.0.113.7', t0).allowed).toBe(false);
    expect(throttle.check('someone-new', '198.51.100.1', t0).allowed).toBe(true);
    expect(throttle.check('someone-new', '203.0.113.7', t0 + defaultThrottleSettings.windowMs + 1).allowed).toBe(true);
  });

  it('clears the pair on success', () => {
    const throttle = new LoginThrottle();
    for (let i = 0; i < 5; i++) throttle.recordFailure('ana', '10.0.0.9', t0);
    throttle.recordSuccess('ana', '10.0.0.9');
    expect(throttle.check('ana', '10.0.0.9', t0).allowed).toBe(true);
  });
});
