import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DelineateError } from '@delineate/schema';
import type { RequestAccess } from './plugin';

/**
 * Tile capabilities (issue 16): a slide viewer asks for hundreds of tiles a second, and
 * authenticating each one against the database cost more than serving it. A slide view is
 * authorised once; the server then hands out a short-lived capability, an HMAC with the server's
 * key over the session, the item, the pyramid and an expiry, carried by the tile requests (a
 * cookie scoped to that slide's URLs, or a header for API clients). Checking it needs no database:
 * each server re-runs the full check (session, membership, policy) for a capability at most every
 * `revalidateMs`, so a revoked session or a removed membership stops tile reads within that bound.
 * The capability only works beside the session token it was issued to (the token is part of the
 * MAC), so a capability copied out of a log or a URL reads nothing.
 */
export const TILE_CAPABILITY_COOKIE = 'dln_tile';
export const TILE_CAPABILITY_HEADER = 'x-delineate-tile-capability';
/** The one action a capability stands for. */
export const TILE_READ_ACTION = 'image.tile.read';

export interface TileCapabilitySettings {
  /** How long an issued capability is accepted. */
  readonly lifetimeMs: number;
  /** The longest a server serves tiles on a capability without checking session and membership again. */
  readonly revalidateMs: number;
  /** Checked capabilities a server keeps (the oldest go first beyond it). */
  readonly maxHeld: number;
}

export const defaultTileCapabilitySettings: TileCapabilitySettings = { lifetimeMs: 10 * 60_000, revalidateMs: 5_000, maxHeld: 10_000 };

/** What a capability names: one slide view, the item and the pyramid of its tile URLs. */
export interface TileView {
  readonly itemId: string;
  readonly pyramidHash: string;
}

interface Held {
  readonly access: RequestAccess;
  readonly sessionId: string;
  readonly checkedAtMs: number;
  readonly expiresMs: number;
}

const FORMAT = 'v1';

/** The slide view a tile route's parameters name, or undefined for other routes. */
export function tileViewOf(action: string, params: unknown): TileView | undefined {
  if (action !== TILE_READ_ACTION || typeof params !== 'object' || params === null) return undefined;
  const { itemId, pyramidHash } = params as Record<string, unknown>;
  return typeof itemId === 'string' && typeof pyramidHash === 'string' ? { itemId, pyramidHash } : undefined;
}

function capabilityOf(request: FastifyRequest): string | undefined {
  const header = request.headers[TILE_CAPABILITY_HEADER];
  if (typeof header === 'string' && header !== '') return header;
  const cookies = request.headers.cookie;
  if (!cookies) return undefined;
  // Path-scoped cookies of the slide: the most specific comes first, and only this slide's is sent.
  for (const part of cookies.split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === TILE_CAPABILITY_COOKIE) return part.slice(at + 1).trim() || undefined;
  }
  return undefined;
}

function heldKey(capability: string, view: TileView, sessionToken: string): string {
  return `${capability}\n${view.itemId}\n${view.pyramidHash}\n${sessionToken}`;
}

export class TileCapabilities {
  readonly #key: Buffer;
  readonly #held = new Map<string, Held>();

  constructor(
    key: Buffer,
    private readonly settings: TileCapabilitySettings = defaultTileCapabilitySettings,
    private readonly secureCookie = true,
  ) {
    if (key.length < 32) throw new DelineateError('DLN_CONFIG_INVALID', 'The tile capability key must be at least 32 bytes');
    this.#key = key;
  }

  /** A capability for `view` to the holder of `sessionToken`, accepted until `nowMs + lifetimeMs`. */
  issue(sessionId: string, sessionToken: string, view: TileView, nowMs: number): { token: string; expiresAt: Date } {
    const expiresMs = nowMs + this.settings.lifetimeMs;
    const mac = this.#mac(expiresMs, sessionId, sessionToken, view).toString('base64url');
    return { token: `${FORMAT}.${expiresMs}.${sessionId}.${mac}`, expiresAt: new Date(expiresMs) };
  }

  /**
   * Issues a capability for a request the full check allowed, remembers that check, and sets the
   * cookie the browser sends with this slide's tile URLs.
   */
  grant(reply: FastifyReply, access: RequestAccess, sessionToken: string, view: TileView, nowMs: number): { token: string; expiresAt: Date } | undefined {
    const principal = access.principal;
    if (principal.kind !== 'user' || !access.decision.allowed) return undefined;
    const issued = this.issue(principal.sessionId, sessionToken, view, nowMs);
    this.#hold(heldKey(issued.token, view, sessionToken), { access: { ...access }, sessionId: principal.sessionId, checkedAtMs: nowMs, expiresMs: issued.expiresAt.getTime() });
    reply.header('set-cookie', this.#cookie(view, issued.token, Math.floor(this.settings.lifetimeMs / 1000)));
    return issued;
  }

  /**
   * Decides a tile request. Without a capability: the full check (`check`), and a capability for
   * the next requests when it allows. With one: refused when forged or expired
   * (DLN_AUTH_CAPABILITY_INVALID, _EXPIRED; the cookie is cleared, so a browser falls back to the
   * full check), else the remembered check while it is younger than `revalidateMs`, else the full
   * check again.
   */
  async decide(request: FastifyRequest, reply: FastifyReply, view: TileView, sessionToken: string | undefined, nowMs: number, check: () => Promise<RequestAccess>): Promise<RequestAccess> {
    const capability = capabilityOf(request);
    if (capability === undefined) {
      const access = await check();
      if (sessionToken !== undefined) this.grant(reply, access, sessionToken, view, nowMs);
      return access;
    }
    // Held under everything the MAC covers, so a hit is the same capability, view and session token
    // that were verified before: the common case costs a map lookup, not an HMAC.
    const key = heldKey(capability, view, sessionToken ?? '');
    const held = this.#held.get(key);
    // A copy: the plugin and routes may add audit details to a request's access.
    if (held && nowMs < held.expiresMs && nowMs - held.checkedAtMs < this.settings.revalidateMs) return { ...held.access };
    const verified = this.#verify(capability, sessionToken, view, nowMs, reply);
    const access = await check();
    const principal = access.principal;
    if (!access.decision.allowed || principal.kind !== 'user' || principal.sessionId !== verified.sessionId) {
      this.#held.delete(key);
      return access;
    }
    this.#hold(key, { access: { ...access }, sessionId: verified.sessionId, checkedAtMs: nowMs, expiresMs: verified.expiresMs });
    return access;
  }

  /** Drops what a server remembers of a session's capabilities (at logout: tile reads stop at once here). */
  forgetSession(sessionId: string): void {
    for (const [mac, held] of this.#held) if (held.sessionId === sessionId) this.#held.delete(mac);
  }

  get heldCount(): number {
    return this.#held.size;
  }

  #verify(capability: string, sessionToken: string | undefined, view: TileView, nowMs: number, reply: FastifyReply): { sessionId: string; expiresMs: number } {
    const refuse = (code: 'DLN_AUTH_CAPABILITY_INVALID' | 'DLN_AUTH_CAPABILITY_EXPIRED', message: string): never => {
      reply.header('set-cookie', this.#cookie(view, '', 0));
      throw new DelineateError(code, message);
    };
    const [format, expires, sessionId, mac, ...rest] = capability.split('.');
    const expiresMs = Number(expires);
    if (format !== FORMAT || !sessionId || !mac || rest.length > 0 || !Number.isSafeInteger(expiresMs) || sessionToken === undefined) {
      return refuse('DLN_AUTH_CAPABILITY_INVALID', 'This tile capability is not valid for this slide and session');
    }
    const expected = this.#mac(expiresMs, sessionId, sessionToken, view);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return refuse('DLN_AUTH_CAPABILITY_INVALID', 'This tile capability is not valid for this slide and session');
    }
    if (nowMs >= expiresMs) return refuse('DLN_AUTH_CAPABILITY_EXPIRED', 'This tile capability has expired; open the slide again');
    return { sessionId, expiresMs };
  }

  #mac(expiresMs: number, sessionId: string, sessionToken: string, view: TileView): Buffer {
    return createHmac('sha256', this.#key).update(`${FORMAT}\n${expiresMs}\n${sessionId}\n${view.itemId}\n${view.pyramidHash}\n${sessionToken}`).digest();
  }

  #hold(key: string, held: Held): void {
    this.#held.delete(key);
    this.#held.set(key, held);
    if (this.#held.size <= this.settings.maxHeld) return;
    for (const [key, entry] of this.#held) if (entry.expiresMs <= held.checkedAtMs) this.#held.delete(key);
    // Still too many: forget the oldest (insertion order); they are checked again when next used.
    for (const key of this.#held.keys()) {
      if (this.#held.size <= this.settings.maxHeld) break;
      this.#held.delete(key);
    }
  }

  #cookie(view: TileView, token: string, maxAgeSeconds: number): string {
    const attributes = [`${TILE_CAPABILITY_COOKIE}=${token}`, `Path=/api/slides/${view.itemId}/${view.pyramidHash}/`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
    if (this.secureCookie) attributes.push('Secure');
    return attributes.join('; ');
  }
}
