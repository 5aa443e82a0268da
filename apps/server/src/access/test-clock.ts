import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { defineRoute, type RouteRegistry } from '../http/route';

/**
 * A server clock a browser test can move (the agreement that expires in the e2e test). Only
 * made by `delineate start` when DELINEATE_TEST_CLOCK=1 and NODE_ENV=test; a real server has
 * no such route and reads the system clock.
 */
export interface TestClock {
  readonly now: () => Date;
  setOffset(offsetMs: number): void;
}

export function createTestClock(system: () => Date = () => new Date()): TestClock {
  let offsetMs = 0;
  return {
    now: () => new Date(system().getTime() + offsetMs),
    setOffset: (value) => {
      offsetMs = value;
    },
  };
}

export function testClockEnabled(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.DELINEATE_TEST_CLOCK === '1' && env.NODE_ENV === 'test';
}

const body = z.object({ offsetMs: z.number().int().min(-10 * 365 * 86_400_000).max(10 * 365 * 86_400_000) });

export function registerTestClockRoute(app: FastifyInstance, registry: RouteRegistry, clock: TestClock): void {
  app.log.warn('The test clock is on: platform administrators can move this server’s time. Tests only.');
  defineRoute(app, registry, {
    method: 'PUT',
    url: '/api/test/clock',
    operationId: 'setTestClock',
    summary: 'Test servers only: moves the server’s clock by an offset from the system time; answers the server’s time',
    tags: ['test'],
    action: 'test.clock.set',
    resource: 'system',
    body,
    responses: { 200: { description: 'The server’s time now', schema: z.object({ now: z.iso.datetime() }) } },
    handler: async ({ body: { offsetMs } }) => {
      clock.setOffset(offsetMs);
      return { now: clock.now().toISOString() };
    },
  });
}
