import { useCallback, useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { describeError } from '../../api';
import type { ViewerProps } from '../../workspace/viewer-contract';
import { ContourGesture, contourTools, noShapes, type ContourToolId, type FundusShapes, type Point } from './contour-tools';
import { fundusRevision, photoInfo, photoLevel, saveFundus, type FundusRevision, type PhotoInfo } from './fundus-api';
import { FundusControls } from './FundusControls';
import { fitTransform, greenChannel, levelFor, localContrast, toImage, toScreen, zoomAt, type PhotoTransform, type PhotoView } from './fundus-image';

type Drawable = ImageBitmap | HTMLCanvasElement;

/** A level in the chosen view: colour as decoded, or green / contrast-enhanced computed once. */
function viewOf(bitmap: ImageBitmap, view: PhotoView): Drawable {
  if (view === 'colour') return bitmap;
  const c = document.createElement('canvas');
  [c.width, c.height] = [bitmap.width, bitmap.height];
  const g = c.getContext('2d')!;
  g.drawImage(bitmap, 0, 0);
  const image = g.getImageData(0, 0, c.width, c.height);
  const out = view === 'green' ? greenChannel(image) : localContrast(image);
  g.putImageData(new ImageData(out, c.width, c.height), 0, 0);
  return c;
}

/**
 * The fundus workspace (issue 20): the photograph on a canvas with zoom and pan (downsampled
 * levels from the server, the finer one fetched as the reader zooms in), colour, green-channel
 * and contrast-enhanced views, ellipse and freehand tools for the disc and the cup, the fovea
 * point, the eye shown, and the measures of the saved revision beside it. Contours are saved
 * by the server, which rasterises them onto the item's mask and refuses a cup outside the disc.
 */
export function FundusViewer(props: ViewerProps) {
  const { item, annotation } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const [photo, setPhoto] = useState<PhotoInfo | null>(null);
  const [view, setView] = useState<PhotoView>('colour');
  const [tool, setTool] = useState<ContourToolId>('navigate');
  const [shapes, setShapes] = useState<FundusShapes>(noShapes);
  const [saved, setSaved] = useState<FundusRevision | null>(null);
  const [head, setHead] = useState(annotation?.headVersion ?? 0);
  const [saving, setSaving] = useState(false);
  const [refusal, setRefusal] = useState<{ code: string; text: string } | null>(null);
  const [drawn, setDrawn] = useState(0);
  const transform = useRef<PhotoTransform | null>(null);
  const bitmaps = useRef(new Map<number, ImageBitmap>());
  const views = useRef(new Map<string, Drawable>());
  const gesture = useRef<ContourGesture | null>(null);
  const panFrom = useRef<{ x: number; y: number; t: PhotoTransform } | null>(null);
  const frame = useRef(0);
  const editable = props.tool !== null && annotation !== undefined;
  const state = useRef({ shapes, view, photo, saved });
  state.current = { shapes, view, photo, saved };
  const colourOf = (key: string) => props.labels.find((l) => l.key === key)?.colour ?? '#ffffff';
  const colours = useRef({ disc: '#2ca02c', cup: '#ff7f0e' });
  colours.current = { disc: colourOf('optic_disc'), cup: colourOf('optic_cup') };

  const loadLevel = useCallback(
    async (level: number) => {
      if (bitmaps.current.has(level)) return;
      bitmaps.current.set(level, await photoLevel(item.id, level));
      setDrawn((n) => n + 1);
    },
    [item.id],
  );

  const draw = useCallback(() => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => {
      const c = canvas.current;
      const { photo: p, view: v, shapes: s } = state.current;
      if (!c || !p) return;
      const w = c.clientWidth;
      const h = c.clientHeight;
      if (c.width !== w || c.height !== h) [c.width, c.height] = [w, h];
      transform.current ??= fitTransform(p, { width: w, height: h });
      const t = transform.current;
      const wanted = levelFor(t.scale, p.levels);
      if (!bitmaps.current.has(wanted)) void loadLevel(wanted).catch(props.onError);
      // The finest level held that is no finer than needed, else any held.
      const held = [...bitmaps.current.keys()].sort((a, b) => Math.abs(a - wanted) - Math.abs(b - wanted))[0];
      const g = c.getContext('2d')!;
      g.fillStyle = '#000';
      g.fillRect(0, 0, w, h);
      if (held !== undefined) {
        const key = `${held}/${v}`;
        let image = views.current.get(key);
        if (!image) {
          image = viewOf(bitmaps.current.get(held)!, v);
          views.current.set(key, image);
        }
        g.imageSmoothingEnabled = t.scale < 2;
        g.drawImage(image, t.offsetX, t.offsetY, p.width * t.scale, p.height * t.scale);
      }
      const outline = (points: readonly Point[], colour: string, dashed = false) => {
        if (points.length < 2) return;
        g.beginPath();
        points.forEach((pt, i) => {
          const [x, y] = toScreen(t, pt[0], pt[1]);
          if (i === 0) g.moveTo(x, y);
          else g.lineTo(x, y);
        });
        g.closePath();
        g.setLineDash(dashed ? [6, 4] : []);
        g.strokeStyle = colour;
        g.lineWidth = 2;
        g.stroke();
      };
      if (s.disc) outline(s.disc.points, colours.current.disc);
      if (s.cup) outline(s.cup.points, colours.current.cup);
      if (s.fovea) {
        const [x, y] = toScreen(t, s.fovea[0], s.fovea[1]);
        g.setLineDash([]);
        g.strokeStyle = '#00e5ff';
        g.beginPath();
        g.moveTo(x - 8, y);
        g.lineTo(x + 8, y);
        g.moveTo(x, y - 8);
        g.lineTo(x, y + 8);
        g.stroke();
      }
      if (gesture.current) outline(gesture.current.preview(), '#ffffff', true);
    });
  }, [loadLevel, props.onError]);

  // The photograph's facts, its smallest level, and the saved contours of the head revision.
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const info = await photoInfo(item.id);
      if (cancelled) return;
      setPhoto(info);
      await loadLevel(info.levels - 1);
      props.onImageProgress(1, 1);
      if (annotation && annotation.headVersion > 0) {
        const revision = await fundusRevision(annotation.id, annotation.headVersion);
        if (cancelled) return;
        setSaved(revision);
        setShapes({ disc: revision.disc, cup: revision.cup, fovea: revision.fovea });
      }
    })().catch(props.onError);
    return () => {
      cancelled = true;
    };
    // Opened once per item and annotation (the callbacks are the shell's, stable for the item).
  }, [item.id, annotation?.id]);

  useEffect(() => draw(), [draw, photo, view, shapes, drawn]);
  useEffect(() => {
    const onResize = () => draw();
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, [draw]);

  const at = (e: { clientX: number; clientY: number }): [number, number] => {
    const r = canvas.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const zoom = (factor: number, x?: number, y?: number) => {
    const c = canvas.current;
    if (!c || !transform.current) return;
    transform.current = zoomAt(transform.current, factor, x ?? c.clientWidth / 2, y ?? c.clientHeight / 2);
    draw();
  };

  const save = async () => {
    if (!annotation || !shapes.disc || !shapes.cup) return;
    setSaving(true);
    setRefusal(null);
    try {
      const revision = await saveFundus(annotation.id, head, shapes);
      setSaved(revision);
      setHead(revision.version);
    } catch (error) {
      setRefusal(describeError(error));
    } finally {
      setSaving(false);
    }
  };

  useEffect(() => {
    props.shortcuts.set(
      'viewer',
      contourTools.map((t) => ({ keys: [t.key], display: t.key.replace('shift+', 'Shift+').toUpperCase(), description: t.words, run: () => setTool(t.id) })),
    );
  }, [props.shortcuts]);

  // The hooks read refs: the shell re-exposes them only when it renders itself, not on the viewer's renders.
  props.exposeForTests({
    photoReady: () => state.current.photo !== null && transform.current !== null && bitmaps.current.size > 0,
    photo: () => state.current.photo,
    photoToPage: (x: number, y: number) => {
      const r = canvas.current!.getBoundingClientRect();
      const [sx, sy] = toScreen(transform.current!, x, y);
      return { x: r.left + sx, y: r.top + sy };
    },
    measures: () => state.current.saved?.measures ?? null,
    savedVersion: () => state.current.saved?.version ?? null,
    annotationId: () => annotation?.id ?? null,
  });

  const missing = !shapes.disc ? 'Draw the disc, then the cup, to save.' : !shapes.cup ? 'Draw the cup inside the disc to save.' : null;
  return (
    <>
      {props.controls &&
        createPortal(
          <FundusControls
            photo={photo}
            editable={editable}
            tool={tool}
            onTool={setTool}
            view={view}
            onView={setView}
            onZoom={(f) => zoom(f)}
            onFit={() => {
              transform.current = null;
              draw();
            }}
            canSave={editable && missing === null}
            saving={saving}
            onSave={() => void save()}
            missing={editable ? missing : null}
            refusal={refusal}
            measures={saved?.measures ?? null}
            savedVersion={saved?.version ?? null}
          />,
          props.controls,
        )}
      <canvas
        ref={canvas}
        data-testid="fundus-canvas"
        style={{ width: '100%', height: '100%', display: 'block', touchAction: 'none', cursor: tool === 'navigate' ? 'grab' : 'crosshair', background: '#000' }}
        onWheel={(e) => zoom(e.deltaY < 0 ? 1.25 : 0.8, ...at(e))}
        onPointerDown={(e) => {
          if (!transform.current) return;
          e.currentTarget.setPointerCapture(e.pointerId);
          const [x, y] = at(e);
          if (tool === 'navigate' || !editable) panFrom.current = { x, y, t: transform.current };
          else gesture.current = new ContourGesture(tool, toImage(transform.current, x, y));
        }}
        onPointerMove={(e) => {
          const [x, y] = at(e);
          if (panFrom.current) {
            const { t } = panFrom.current;
            transform.current = { ...t, offsetX: t.offsetX + x - panFrom.current.x, offsetY: t.offsetY + y - panFrom.current.y };
            draw();
          } else if (gesture.current && transform.current) {
            gesture.current.move(toImage(transform.current, x, y));
            draw();
          }
        }}
        onPointerUp={() => {
          panFrom.current = null;
          const g = gesture.current;
          gesture.current = null;
          if (g) {
            setRefusal(null);
            setShapes((s) => g.finish(s));
          }
        }}
      />
    </>
  );
}
