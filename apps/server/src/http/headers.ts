import type { FastifyInstance } from 'fastify';

/**
 * The policy the built web app runs under: scripts and stylesheets only from this origin (the
 * app's styles are CSS files the build emits; React sets element styles through the CSSOM,
 * which style-src does not govern); images allow `data:` and `blob:` for canvases exported as
 * pictures. Nothing may frame the app.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders: Record<string, string> = {
  'content-security-policy': contentSecurityPolicy,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * Security headers on every response, errors and the web build included. Set in the first
 * `onRequest` hook so that a refusal by any later hook still carries them. API answers carry
 * tokens, images, masks and PHI-bearing records: none of them may be kept by a cache; a route
 * that wants other caching sets its own Cache-Control.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.headers(securityHeaders);
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
  });
}
