import { magnificationText } from './magnification';
import { slideTools, type SlideToolId } from './slide-tools';

/** The slide viewer's side panel: its tools and brush size, magnification steps and rotation. */
export function SlideControls(props: {
  editable: boolean;
  /** Why the tools are off although the item may be edited (a slide task's zoom band), in words. */
  offReason?: string | null;
  tool: SlideToolId;
  onTool: (id: SlideToolId) => void;
  diameterMicrons: number;
  onDiameter: (microns: number) => void;
  /** Without a pixel size the brush is sized in pixels and there is no magnification. */
  hasPixelSize: boolean;
  magnification: number | null;
  steps: readonly number[];
  onMagnification: (m: number) => void;
  rotation: number;
  onRotate: (degrees: number) => void;
  onHome: () => void;
}) {
  const unit = props.hasPixelSize ? 'µm' : 'pixels';
  return (
    <>
      <h3>Slide tools</h3>
      <div className="row">
        {slideTools.map((t) => (
          <button
            key={t.id}
            className={props.tool === t.id ? 'active' : ''}
            disabled={!props.editable && t.id !== 'navigate'}
            onClick={() => props.onTool(t.id)}
            data-testid={`slide-tool-${t.id}`}
            title={`${t.name} (${t.key.toUpperCase()})`}
          >
            {t.name}
          </button>
        ))}
      </div>
      {props.offReason && (
        <p className="notice" role="status" data-testid="band-reason">
          {props.offReason}
        </p>
      )}
      <div className="row">
        <label>
          Brush diameter {props.diameterMicrons} {unit}
          <input
            type="range"
            min={5}
            max={1000}
            step={5}
            value={props.diameterMicrons}
            onChange={(e) => props.onDiameter(Number(e.target.value))}
            data-testid="slide-brush-size"
          />
        </label>
      </div>
      <h3>Magnification</h3>
      <div className="row">
        {props.steps.map((m) => (
          <button
            key={m}
            disabled={!props.hasPixelSize}
            className={props.magnification !== null && magnificationText(props.magnification) === `${m}×` ? 'active' : ''}
            onClick={() => props.onMagnification(m)}
            data-testid={`magnification-${m}`}
          >
            {m}×
          </button>
        ))}
      </div>
      <div className="row">
        <button onClick={() => props.onRotate(-90)} data-testid="rotate-left" title="Rotate left (,)">
          Rotate left
        </button>
        <button onClick={() => props.onRotate(90)} data-testid="rotate-right" title="Rotate right (.)">
          Rotate right
        </button>
        <button onClick={props.onHome} title="Whole slide (0)">
          Whole slide
        </button>
      </div>
    </>
  );
}
