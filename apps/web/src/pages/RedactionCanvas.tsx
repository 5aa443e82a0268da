import { useRef, useState, type PointerEvent, type ReactNode } from 'react';
import { frameUrl } from '../data/quarantine';
import { appliesTo, rectangleBetween, toImagePoint, type DrawnRectangle, type ImageSize } from './redaction-drawing';

type Box = { x: number; y: number; width: number; height: number };

/**
 * One frame of a held file with the gate's detected text regions (orange, dashed) and the
 * steward's rectangles (blue) drawn over it; dragging on the image draws a new rectangle. The
 * overlay's coordinates are image pixels, so it stays aligned at any displayed size.
 */
export function RedactionCanvas(props: {
  recordId: string;
  frame: number;
  size: ImageSize;
  detected: readonly Box[];
  rectangles: readonly DrawnRectangle[];
  onDraw: (box: Box) => void;
  /** What is drawn on instead of the frame's PNG (a held video's player, stepped to the frame). */
  picture?: ReactNode;
}) {
  const { recordId, frame, size, detected, rectangles, onDraw } = props;
  const svg = useRef<SVGSVGElement>(null);
  const [drag, setDrag] = useState<{ from: { x: number; y: number }; to: { x: number; y: number } } | null>(null);
  const point = (e: PointerEvent<SVGSVGElement>) => toImagePoint({ x: e.clientX, y: e.clientY }, svg.current!.getBoundingClientRect(), size);
  const preview = drag ? rectangleBetween(drag.from, drag.to, size) : null;

  return (
    <div className="redaction-canvas" style={{ position: 'relative', width: '100%', maxWidth: 900, aspectRatio: `${size.columns} / ${size.rows}` }}>
      {props.picture ?? (
        <img
          src={frameUrl(recordId, frame)}
          alt={`Frame ${frame + 1} of the held image, as stored; burned-in text may be visible`}
          data-testid="held-image"
          style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', imageRendering: 'pixelated' }}
          draggable={false}
        />
      )}
      <svg
        ref={svg}
        data-testid="redaction-overlay"
        viewBox={`0 0 ${size.columns} ${size.rows}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Drawing area: drag to draw a rectangle to blank. ${detected.length} detected text region${detected.length === 1 ? '' : 's'} and ${rectangles.filter((r) => appliesTo(r, frame)).length} rectangle(s) on this frame.`}
        style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', cursor: 'crosshair', touchAction: 'none' }}
        onPointerDown={(e) => {
          e.currentTarget.setPointerCapture(e.pointerId);
          const p = point(e);
          setDrag({ from: p, to: p });
        }}
        onPointerMove={(e) => drag && setDrag({ from: drag.from, to: point(e) })}
        onPointerUp={(e) => {
          if (!drag) return;
          const box = rectangleBetween(drag.from, point(e), size);
          setDrag(null);
          if (box) onDraw(box);
        }}
        onPointerCancel={() => setDrag(null)}
      >
        {detected.map((r, i) => (
          <rect key={`d${i}`} data-testid="detected-region" x={r.x} y={r.y} width={r.width} height={r.height} fill="none" stroke="#ff9f1a" strokeWidth={2} strokeDasharray="6 4" vectorEffect="non-scaling-stroke" />
        ))}
        {rectangles.map((r, i) =>
          appliesTo(r, frame) ? (
            <rect key={`r${i}`} data-testid="drawn-rectangle" x={r.x} y={r.y} width={r.width} height={r.height} fill="rgba(40, 120, 255, 0.35)" stroke="#2878ff" strokeWidth={2} vectorEffect="non-scaling-stroke" />
          ) : null,
        )}
        {preview && <rect x={preview.x} y={preview.y} width={preview.width} height={preview.height} fill="rgba(40, 120, 255, 0.2)" stroke="#9cc3f0" strokeWidth={1} vectorEffect="non-scaling-stroke" />}
      </svg>
    </div>
  );
}
