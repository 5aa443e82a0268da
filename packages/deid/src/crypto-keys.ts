import { createHmac } from 'node:crypto';

/** HMAC-SHA256 of `message` under the project secret, with a purpose label so keys never collide. */
export function keyedHash(secret: Uint8Array, purpose: string, message: string): Buffer {
  return createHmac('sha256', secret).update(purpose).update('\u0000').update(message).digest();
}
