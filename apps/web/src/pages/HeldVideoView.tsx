import { useEffect, useRef, useState } from 'react';
import { heldVideoUrl, type HeldVideo } from '../data/quarantine';
import { RedactionCanvas } from './RedactionCanvas';
import type { DrawnRectangle } from './redaction-drawing';
import { frameRange, heldFrameSeekTime } from './video-redaction';

type Box = { x: number; y: number; width: number; height: number };

/**
 * A held video for its steward (issue 21): the playable copy played or stepped frame by frame by
 * the decoded frame table, the OCR's text regions of the shown frame (orange) and the steward's
 * rectangles (blue) over it; dragging draws a rectangle for the whole clip or the chosen frames.
 */
export function HeldVideoCanvas(props: {
  recordId: string;
  video: HeldVideo;
  frame: number;
  onFrame: (frame: number) => void;
  detected: readonly Box[];
  rectangles: readonly DrawnRectangle[];
  onDraw: (box: Box) => void;
}) {
  const { video, frame, onFrame } = props;
  const player = useRef<HTMLVideoElement>(null);
  const [playing, setPlaying] = useState(false);
  const last = video.frames - 1;

  useEffect(() => {
    const el = player.current;
    if (el && !playing) el.currentTime = heldFrameSeekTime(video.frameTimes, frame);
  }, [frame, playing, video.frameTimes]);

  const step = (to: number) => {
    player.current?.pause();
    setPlaying(false);
    onFrame(Math.max(0, Math.min(last, to)));
  };
  const frameAt = (seconds: number) => {
    let shown = 0;
    video.frameTimes.forEach((t, i) => {
      if (t <= seconds + 1e-6) shown = i;
    });
    return shown;
  };

  return (
    <div>
      <p className="video-controls">
        <button onClick={() => step(frame - 1)} disabled={frame === 0} aria-label="Previous frame" data-testid="held-previous-frame">
          ‹
        </button>{' '}
        <button
          onClick={() => {
            const el = player.current;
            if (!el) return;
            if (playing) {
              el.pause();
              setPlaying(false);
              onFrame(frameAt(el.currentTime));
            } else {
              setPlaying(true);
              void el.play();
            }
          }}
          data-testid="held-play"
        >
          {playing ? 'Pause' : 'Play'}
        </button>{' '}
        <button onClick={() => step(frame + 1)} disabled={frame === last} aria-label="Next frame" data-testid="held-next-frame">
          ›
        </button>{' '}
        <label>
          Frame{' '}
          <input type="range" min={0} max={last} value={frame} onChange={(e) => step(Number(e.target.value))} aria-label="Frame of the held video" data-testid="held-frame-slider" />
        </label>{' '}
        <span data-testid="held-frame-position" role="status">
          Frame {frame + 1} of {video.frames}
          {video.frameTimes[frame] !== undefined ? ` · ${video.frameTimes[frame]!.toFixed(2)} s` : ''}
        </span>
      </p>
      <RedactionCanvas
        recordId={props.recordId}
        frame={frame}
        size={{ columns: video.width, rows: video.height }}
        detected={props.detected}
        rectangles={props.rectangles}
        onDraw={props.onDraw}
        picture={
          <video
            ref={player}
            src={heldVideoUrl(props.recordId)}
            preload="auto"
            muted
            playsInline
            data-testid="held-video"
            aria-label={`The held video at frame ${frame + 1}; burned-in text may be visible`}
            style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', display: 'block' }}
            onPause={() => setPlaying(false)}
            onEnded={() => setPlaying(false)}
            onTimeUpdate={(e) => playing && onFrame(frameAt(e.currentTarget.currentTime))}
          />
        }
      />
    </div>
  );
}

/** Which frames new rectangles on a held video cover: the whole clip, or a range of frames. */
export function HeldVideoScope({ frames, scope, onScope, frame }: { frames: number; scope: number[] | null; onScope: (s: number[] | null) => void; frame: number }) {
  const [from, setFrom] = useState(frame + 1);
  const [to, setTo] = useState(frames);
  const choose = (a: number, b: number) => {
    setFrom(a);
    setTo(b);
    onScope(frameRange(a - 1, b - 1, frames));
  };
  return (
    <p role="radiogroup" aria-label="New rectangles apply to">
      <label>
        <input type="radio" checked={scope === null} onChange={() => onScope(null)} data-testid="scope-whole-clip" /> the whole clip
      </label>{' '}
      <label>
        <input type="radio" checked={scope !== null} onChange={() => choose(from, to)} data-testid="scope-frame-range" /> frames
      </label>{' '}
      <label>
        from <input type="number" min={1} max={frames} value={from} onChange={(e) => choose(Number(e.target.value), to)} disabled={scope === null} style={{ width: 70 }} data-testid="scope-from" />
      </label>{' '}
      <label>
        to <input type="number" min={1} max={frames} value={to} onChange={(e) => choose(from, Number(e.target.value))} disabled={scope === null} style={{ width: 70 }} data-testid="scope-to" />
      </label>
    </p>
  );
}
