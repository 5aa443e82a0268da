import type { Page } from 'playwright-core';
import { decodeRle8 } from '@delineate/core';

/** The test hooks the workspace exposes on `window.__delineate` (apps/web/src/workspace/test-hooks.ts and the viewer). */
export interface Hooks {
  ready(): boolean;
  annotationId(): string;
  baseVersion(): number;
  cursor(): [number, number, number];
  project(o: string, u: number, v: number): { x: number; y: number };
  labelsOnSlice(z: number, value: number): number;
  labelCount(value: number): number;
  maskRle(): number[];
  dims(): { columns: number; rows: number; slices: number };
  workflowStage(): string | null;
  readOnly(): boolean;
  correctionCounts(): { source: string; added: number; removed: number; relabelled: number } | null;
}

/** Runs `fn` in the page against the workspace hooks (the function is sent as source). */
export const hooks = <T>(page: Page, fn: (d: Hooks, arg: unknown) => T, arg?: unknown): Promise<T> =>
  page.evaluate(([source, a]) => {
    const f = new Function('d', 'arg', `return (${source})(d, arg);`) as (d: unknown, arg: unknown) => T;
    return f((window as unknown as { __delineate: unknown }).__delineate, a);
  }, [fn.toString(), arg] as const);

/** Page coordinates of axial plane pixel (u, v). */
export const project = (page: Page, u: number, v: number) => hooks(page, (d, p) => { const [uu, vv] = p as [number, number]; return d.project('axial', uu, vv); }, [u, v]);

/** Moves the axial view to slice z with the arrow keys, as a person would. */
export async function goToSlice(page: Page, z: number): Promise<void> {
  const current = (await hooks(page, (d) => d.cursor()))[2];
  const key = z > current ? 'ArrowUp' : 'ArrowDown';
  for (let i = 0; i < Math.abs(z - current); i++) await page.keyboard.press(key);
  await page.waitForFunction((target) => (window as unknown as { __delineate: Hooks }).__delineate.cursor()[2] === target, z);
}

/** Drags the current tool around a circle of radius r centred on axial plane pixel (u, v). */
export async function paintBlob(page: Page, u: number, v: number, r: number): Promise<void> {
  const points: { x: number; y: number }[] = [];
  for (let a = 0; a <= 16; a++) points.push(await project(page, u + r * Math.cos((a / 16) * 2 * Math.PI), v + r * Math.sin((a / 16) * 2 * Math.PI)));
  const centre = await project(page, u, v);
  await page.mouse.move(centre.x, centre.y);
  await page.mouse.down();
  for (const p of points) await page.mouse.move(p.x, p.y, { steps: 2 });
  await page.mouse.move(centre.x, centre.y, { steps: 2 });
  await page.mouse.up();
}

/** GET through the page's session. */
export async function getJson<T>(page: Page, url: string): Promise<{ status: number; body: T }> {
  return page.evaluate(async (u) => {
    const res = await fetch(u);
    return { status: res.status, body: (await res.json()) as T };
  }, url);
}

/** An `rle` volume the server serves (a mask or a correction overlay), fetched through the page and decoded. */
export async function fetchVolume(page: Page, url: string, voxels: number): Promise<Uint8Array> {
  const bytes = await page.evaluate(async (u) => Array.from(new Uint8Array(await (await fetch(u)).arrayBuffer())), url);
  const decoded = decodeRle8(Uint8Array.from(bytes), voxels);
  if (!decoded.ok) throw new Error(`${url} does not decode: ${decoded.reason}`);
  return decoded.voxels;
}
