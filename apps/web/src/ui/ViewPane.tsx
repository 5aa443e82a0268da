import { useEffect, useRef } from 'react';
import type { Measurement } from '../tools';
import { fromVoxel, planeSize, toVoxel, type Dims, type Orientation } from '../viewer/geometry';
import type { EdgeLetters } from '../viewer/orientation';
import { blendCorrection, boxOnPlane, type SceneBox } from '../viewer/overlay';
import { renderPlane } from '../viewer/render';

export interface Camera {
  zoom: number;
  panX: number;
  panY: number;
}

/** What every pane draws from; read each frame (kept in a ref, not React state). */
export interface Scene {
  dims: Dims;
  hu: Int16Array;
  loaded: Uint8Array;
  labels: Uint8Array;
  compare: Uint8Array | null;
  grey: Uint8Array;
  overlay: Uint8Array;
  /** The crosshair voxel: also each view's slice. */
  cursor: [number, number, number];
  showCrosshair: boolean;
  /** Changes whenever anything drawn changed. */
  version: number;
  brushRadiusMm: number;
  showBrush: boolean;
  /** A correction overlay (1 added, 2 removed, 3 relabelled) drawn over the labels, or null. */
  correction?: Uint8Array | null;
  /** Voxel boxes outlined where they cross a view's slice (significant-region marks). */
  boxes?: readonly SceneBox[];
  /** Labels drawn as outlines instead of filled. */
  outline?: boolean;
  /** Rulers and ellipse ROIs, each drawn on its own view and slice, with its text. */
  measurements?: readonly { measurement: Measurement; text: string }[];
}

export interface PointerInfo {
  u: number;
  v: number;
  s: number;
  buttons: number;
  shift: boolean;
  ctrl: boolean;
}

export interface PaneHandlers {
  onDown(o: Orientation, p: PointerInfo): void;
  onMove(o: Orientation, p: PointerInfo, dx: number, dy: number): void;
  onUp(o: Orientation, p: PointerInfo): void;
  onWheel(o: Orientation, deltaY: number, ctrl: boolean): void;
  /** The pointer left the view. */
  onLeave?(o: Orientation): void;
}

export const frameStats = { draws: 0, totalMs: 0, lastMs: 0, times: [] as number[] };

/** Where slice s of view o sits; the plane transform for a canvas of (cw, ch) CSS pixels. */
function layout(dims: Dims, o: Orientation, cam: Camera, cw: number, ch: number) {
  const p = planeSize(dims, o);
  const fit = Math.min(cw / (p.width * p.du), ch / (p.height * p.dv));
  const sx = fit * cam.zoom * p.du;
  const sy = fit * cam.zoom * p.dv;
  const ox = cw / 2 - (p.width * sx) / 2 + cam.panX;
  const oy = ch / 2 - (p.height * sy) / 2 + cam.panY;
  return { p, sx, sy, ox, oy };
}

export function sliceOf(o: Orientation, cursor: readonly [number, number, number]): number {
  return o === 'axial' ? cursor[2] : o === 'coronal' ? cursor[1] : cursor[0];
}

export function ViewPane(props: {
  orientation: Orientation;
  scene: React.RefObject<Scene | null>;
  camera: Camera;
  handlers: PaneHandlers;
  caption: string;
  /** The patient directions at the view's edges. */
  edges?: EdgeLetters;
  /** The value under the pointer when it is over this view. */
  readout?: string | null;
  registerProjector?: (o: Orientation, fn: (u: number, v: number) => { x: number; y: number }) => void;
}) {
  const { orientation: o } = props;
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const stateRef = useRef({ key: '', mouse: null as null | { x: number; y: number }, last: null as null | { x: number; y: number } });
  const cameraRef = useRef(props.camera);
  cameraRef.current = props.camera;
  const handlersRef = useRef(props.handlers);
  handlersRef.current = props.handlers;

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const plane = document.createElement('canvas');
    const planeCtx = plane.getContext('2d')!;
    let image: ImageData | null = null;
    let raf = 0;

    const draw = (frameTime: number) => {
      raf = requestAnimationFrame(draw);
      const scene = props.scene.current;
      if (!scene) return;
      const rect = canvas.getBoundingClientRect();
      const dpr = window.devicePixelRatio || 1;
      const cw = Math.max(1, Math.round(rect.width));
      const ch = Math.max(1, Math.round(rect.height));
      const cam = cameraRef.current;
      const mouse = stateRef.current.mouse;
      const key = `${scene.version}|${cw}x${ch}|${cam.zoom}|${cam.panX}|${cam.panY}|${scene.showBrush && mouse ? `${mouse.x},${mouse.y}` : ''}`;
      if (key === stateRef.current.key) return;
      stateRef.current.key = key;
      const t0 = performance.now();
      if (canvas.width !== Math.round(cw * dpr) || canvas.height !== Math.round(ch * dpr)) {
        canvas.width = Math.round(cw * dpr);
        canvas.height = Math.round(ch * dpr);
      }
      const { p, sx, sy, ox, oy } = layout(scene.dims, o, cam, cw, ch);
      if (!image || image.width !== p.width || image.height !== p.height) {
        image = new ImageData(p.width, p.height);
        plane.width = p.width;
        plane.height = p.height;
      }
      const s = sliceOf(o, scene.cursor);
      renderPlane(scene.dims, o, s, scene.hu, scene.labels, scene.grey, scene.overlay, image.data, scene.compare ?? undefined, scene.outline ?? false);
      if (scene.correction) blendCorrection(scene.dims, o, s, scene.correction, image.data);
      planeCtx.putImageData(image, 0, 0);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, cw, ch);
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(plane, ox, oy, p.width * sx, p.height * sy);
      if (o === 'axial' && !scene.loaded[s]) {
        ctx.fillStyle = '#c7d0da';
        ctx.fillText('loading…', cw / 2 - 20, ch / 2);
      }
      if (scene.showCrosshair) {
        const c = fromVoxel(scene.dims, o, scene.cursor[0], scene.cursor[1], scene.cursor[2]);
        ctx.strokeStyle = 'rgba(80, 200, 255, 0.6)';
        ctx.lineWidth = 1;
        ctx.beginPath();
        const x = ox + (c.u + 0.5) * sx;
        const y = oy + (c.v + 0.5) * sy;
        ctx.moveTo(x, oy);
        ctx.lineTo(x, oy + p.height * sy);
        ctx.moveTo(ox, y);
        ctx.lineTo(ox + p.width * sx, y);
        ctx.stroke();
      }
      for (const box of scene.boxes ?? []) {
        const r = boxOnPlane(scene.dims, o, s, box);
        if (!r) continue;
        ctx.strokeStyle = box.colour;
        ctx.lineWidth = 2;
        ctx.setLineDash([6, 3]);
        ctx.strokeRect(ox + r[0] * sx, oy + r[1] * sy, (r[2] - r[0] + 1) * sx, (r[3] - r[1] + 1) * sy);
        ctx.setLineDash([]);
        if (box.label) {
          ctx.fillStyle = box.colour;
          ctx.fillText(box.label, ox + r[0] * sx, oy + r[1] * sy - 3);
        }
      }
      ctx.font = '12px sans-serif';
      for (const { measurement: m, text } of scene.measurements ?? []) {
        if (m.orientation !== o || m.s !== s) continue;
        ctx.strokeStyle = '#7CFC9A';
        ctx.fillStyle = '#7CFC9A';
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        let labelAt: [number, number];
        if (m.kind === 'ruler') {
          const a = [ox + (m.a[0] + 0.5) * sx, oy + (m.a[1] + 0.5) * sy] as const;
          const b = [ox + (m.b[0] + 0.5) * sx, oy + (m.b[1] + 0.5) * sy] as const;
          ctx.moveTo(a[0], a[1]);
          ctx.lineTo(b[0], b[1]);
          labelAt = [b[0] + 6, b[1]];
        } else {
          const cx = ox + (m.centre[0] + 0.5) * sx;
          const cy = oy + (m.centre[1] + 0.5) * sy;
          ctx.ellipse(cx, cy, Math.max(0.5, m.radii[0] * sx), Math.max(0.5, m.radii[1] * sy), 0, 0, Math.PI * 2);
          labelAt = [cx + m.radii[0] * sx + 6, cy];
        }
        ctx.stroke();
        if (text) ctx.fillText(text, labelAt[0], labelAt[1]);
      }
      if (scene.showBrush && mouse) {
        ctx.strokeStyle = 'rgba(255, 255, 0, 0.8)';
        ctx.beginPath();
        ctx.ellipse(mouse.x, mouse.y, (scene.brushRadiusMm / p.du) * sx, (scene.brushRadiusMm / p.dv) * sy, 0, 0, Math.PI * 2);
        ctx.stroke();
      }
      const ms = performance.now() - t0;
      frameStats.draws++;
      frameStats.totalMs += ms;
      frameStats.lastMs = ms;
      // The animation-frame time is shared by every pane drawn in the same frame.
      frameStats.times.push(frameTime);
      if (frameStats.times.length > 600) frameStats.times.shift();
    };
    raf = requestAnimationFrame(draw);

    const toPlane = (e: PointerEvent | WheelEvent): PointerInfo | null => {
      const scene = props.scene.current;
      if (!scene) return null;
      const rect = canvas.getBoundingClientRect();
      const { sx, sy, ox, oy } = layout(scene.dims, o, cameraRef.current, rect.width, rect.height);
      return {
        u: (e.clientX - rect.left - ox) / sx - 0.5,
        v: (e.clientY - rect.top - oy) / sy - 0.5,
        s: sliceOf(o, scene.cursor),
        buttons: e.buttons,
        shift: e.shiftKey,
        ctrl: e.ctrlKey || e.metaKey,
      };
    };
    props.registerProjector?.(o, (u, v) => {
      const scene = props.scene.current!;
      const rect = canvas.getBoundingClientRect();
      const { sx, sy, ox, oy } = layout(scene.dims, o, cameraRef.current, rect.width, rect.height);
      return { x: rect.left + ox + (u + 0.5) * sx, y: rect.top + oy + (v + 0.5) * sy };
    });

    const down = (e: PointerEvent) => {
      const info = toPlane(e);
      if (!info) return;
      canvas.setPointerCapture(e.pointerId);
      stateRef.current.last = { x: e.clientX, y: e.clientY };
      handlersRef.current.onDown(o, info);
    };
    const move = (e: PointerEvent) => {
      const rect = canvas.getBoundingClientRect();
      stateRef.current.mouse = { x: e.clientX - rect.left, y: e.clientY - rect.top };
      const info = toPlane(e);
      if (!info) return;
      const last = stateRef.current.last ?? { x: e.clientX, y: e.clientY };
      stateRef.current.last = { x: e.clientX, y: e.clientY };
      handlersRef.current.onMove(o, info, e.clientX - last.x, e.clientY - last.y);
    };
    const up = (e: PointerEvent) => {
      const info = toPlane(e);
      stateRef.current.last = null;
      if (info) handlersRef.current.onUp(o, info);
    };
    const leave = () => {
      stateRef.current.mouse = null;
      stateRef.current.key = '';
      handlersRef.current.onLeave?.(o);
    };
    const wheel = (e: WheelEvent) => {
      e.preventDefault();
      handlersRef.current.onWheel(o, e.deltaY, e.ctrlKey || e.metaKey);
    };
    const menu = (e: Event) => e.preventDefault();
    canvas.addEventListener('pointerdown', down);
    canvas.addEventListener('pointermove', move);
    canvas.addEventListener('pointerup', up);
    canvas.addEventListener('pointerleave', leave);
    canvas.addEventListener('wheel', wheel, { passive: false });
    canvas.addEventListener('contextmenu', menu);
    return () => {
      cancelAnimationFrame(raf);
      canvas.removeEventListener('pointerdown', down);
      canvas.removeEventListener('pointermove', move);
      canvas.removeEventListener('pointerup', up);
      canvas.removeEventListener('pointerleave', leave);
      canvas.removeEventListener('wheel', wheel);
      canvas.removeEventListener('contextmenu', menu);
    };
    // The pane is set up once per orientation; everything else is read through refs.
  }, [o, props.scene, props.registerProjector]);

  return (
    <div className="pane" data-testid={`view-${o}`}>
      <canvas ref={canvasRef} />
      <div className="caption">{props.caption}</div>
      {props.edges &&
        (['left', 'right', 'top', 'bottom'] as const).map((edge) => (
          <span key={edge} className={`edge ${edge}`} data-testid={`edge-${o}-${edge}`}>
            {props.edges![edge]}
          </span>
        ))}
      {props.readout && (
        <div className="readout" data-testid={`readout-${o}`}>
          {props.readout}
        </div>
      )}
    </div>
  );
}

export { toVoxel };
