import { useCallback, useEffect, useRef, useState } from 'react';
import { createPortal } from 'react-dom';
import { frameFlags, frameFlagWords, type FrameFlag, type VideoFrame, type VideoSummary, type VideoTrack } from '@delineate/schema';
import { describeError } from '../../api';
import type { TileLayers, ViewerProps } from '../../workspace/viewer-contract';
import { videoApi } from './video-api';
import { edgeOf, frameAtTime, maskOfFrame, paintDisc, seekTimeOf, timeWords, withKeyframe } from './video-model';
import { TrackTimelines } from './TrackTimelines';

function rgb(hex: string): [number, number, number] {
  return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16)];
}

/**
 * The endoscopy video workspace (issue 21): the playable proxy in a <video>, stepped by the frame
 * table (never by the container's clock alone), a canvas over it for one track's mask on the
 * current frame with the previous frame's mask as a ghost outline, a timeline of each track's
 * per-frame states, keyframes saved through the track routes and interpolation asked of the API.
 */
export function VideoViewer(props: ViewerProps<TileLayers>) {
  const { item, onError } = props;
  const videoEl = useRef<HTMLVideoElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [video, setVideo] = useState<VideoSummary | null>(null);
  const [frames, setFrames] = useState<VideoFrame[]>([]);
  const [tracks, setTracks] = useState<VideoTrack[]>([]);
  const [flags, setFlags] = useState<Map<number, FrameFlag[]>>(new Map());
  const [frame, setFrame] = useState(0);
  const [trackId, setTrackId] = useState<string | null>(null);
  const [draft, setDraft] = useState<Uint8Array | null>(null);
  const [radius, setRadius] = useState(8);
  const [erase, setErase] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const painting = useRef(false);

  useEffect(() => {
    let live = true;
    Promise.all([videoApi.video(item.id), videoApi.frames(item.id), videoApi.tracks(item.id), videoApi.flags(item.id)])
      .then(([v, f, t, fl]) => {
        if (!live) return;
        setVideo(v);
        setFrames(f);
        setTracks(t);
        setTrackId(t[0]?.id ?? null);
        setFlags(new Map(fl.map((x) => [x.frame, x.flags])));
        props.onImageProgress(f.length, f.length);
      })
      .catch(onError);
    return () => {
      live = false;
    };
  }, [item.id]);

  const track = tracks.find((t) => t.id === trackId);
  const pixels = video ? video.width * video.height : 0;
  const shownMask = draft ?? (video ? maskOfFrame(track, frame, pixels) : null);

  const goTo = useCallback(
    (index: number) => {
      if (frames.length === 0) return;
      const next = Math.min(Math.max(index, 0), frames.length - 1);
      videoEl.current?.pause();
      setPlaying(false);
      setFrame(next);
      setDraft(null);
      if (videoEl.current) videoEl.current.currentTime = seekTimeOf(frames, next);
    },
    [frames],
  );

  const togglePlay = useCallback(() => {
    const el = videoEl.current;
    if (!el) return;
    if (el.paused) {
      setDraft(null);
      void el.play().then(() => setPlaying(true), onError);
    } else {
      el.pause();
      setPlaying(false);
      goTo(frameAtTime(frames, el.currentTime));
    }
  }, [frames, goTo, onError]);

  useEffect(
    () =>
      props.shortcuts.set('viewer', [
        { keys: ['arrowleft'], display: '←', description: 'Previous frame', run: () => goTo(frame - 1) },
        { keys: ['arrowright'], display: '→', description: 'Next frame', run: () => goTo(frame + 1) },
        { keys: [' '], display: 'Space', description: 'Play or pause', run: togglePlay },
      ]),
    [props.shortcuts, frame, goTo, togglePlay],
  );

  useEffect(() => {
    props.exposeForTests({
      videoFrame: () => frame,
      videoFrameCount: () => frames.length,
      videoTracks: () => tracks,
    });
  });

  // The overlay: the current mask filled in the label's colour, the previous frame's as a ghost outline.
  useEffect(() => {
    const c = canvas.current;
    if (!c || !video || !shownMask) return;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    const image = ctx.createImageData(video.width, video.height);
    const colour = rgb(props.labels.find((l) => l.value === (track?.labelValue ?? props.label))?.colour ?? '#ffff00');
    for (let i = 0; i < shownMask.length; i++) {
      if (!shownMask[i]) continue;
      image.data.set([...colour, 110], i * 4);
    }
    if (frame > 0) for (const i of edgeOf(maskOfFrame(track, frame - 1, pixels), video.width, video.height)) image.data.set([255, 255, 255, 200], i * 4);
    ctx.putImageData(image, 0, 0);
  }, [video, shownMask, track, frame, pixels, props.labels, props.label]);

  const paintAt = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const c = canvas.current;
    if (!c || !video || !shownMask) return;
    const box = c.getBoundingClientRect();
    const x = ((e.clientX - box.left) / box.width) * video.width;
    const y = ((e.clientY - box.top) / box.height) * video.height;
    const next = new Uint8Array(shownMask);
    paintDisc(next, video.width, video.height, x, y, radius, erase ? 0 : 1);
    setDraft(next);
  };

  const run = async (what: () => Promise<VideoTrack>, done: string) => {
    try {
      const saved = await what();
      setTracks((ts) => (ts.some((t) => t.id === saved.id) ? ts.map((t) => (t.id === saved.id ? saved : t)) : [...ts, saved]));
      setTrackId(saved.id);
      setDraft(null);
      setNotice(done);
    } catch (error) {
      const { code, text } = describeError(error);
      setNotice(`Not saved: ${text} (${code})`);
    }
  };

  const markKeyframe = () => {
    if (!video || !shownMask) return;
    const labelName = props.labels.find((l) => l.value === props.label)?.name ?? 'Object';
    const frames = withKeyframe(track?.frames ?? [], frame, shownMask);
    void run(
      () =>
        track
          ? videoApi.saveTrack(item.id, track.id, { labelValue: track.labelValue, name: track.name, parentVersion: track.version, frames })
          : videoApi.createTrack(item.id, { labelValue: props.label, name: `${labelName} ${tracks.length + 1}`, parentVersion: 0, frames }),
      `Keyframe saved at frame ${frame + 1}`,
    );
  };

  const interpolate = () => {
    if (!track) return;
    void run(() => videoApi.interpolate(item.id, track.id, frame, track.version), `Interpolated from frame ${frame + 1} to the next keyframe`);
  };

  const toggleFlag = async (flag: FrameFlag) => {
    const now = flags.get(frame) ?? [];
    const next = now.includes(flag) ? now.filter((f) => f !== flag) : [...now, flag];
    try {
      setFlags(new Map((await videoApi.setFlags(item.id, frame, next)).map((x) => [x.frame, x.flags])));
    } catch (error) {
      const { code, text } = describeError(error);
      setNotice(`Flag not saved: ${text} (${code})`);
    }
  };

  if (!video) return <div className="video-workspace">Opening the video…</div>;
  const current = frames[frame];
  const controls = (
    <div className="video-controls">
      <label>
        Track{' '}
        <select value={trackId ?? ''} onChange={(e) => setTrackId(e.target.value || null)} aria-label="Track">
          <option value="">New track</option>
          {tracks.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Brush size <input type="range" min={1} max={40} value={radius} onChange={(e) => setRadius(Number(e.target.value))} aria-label="Brush size" />
      </label>
      <label>
        <input type="checkbox" checked={erase} onChange={(e) => setErase(e.target.checked)} /> Erase
      </label>
      <button type="button" onClick={markKeyframe} disabled={!draft && !track}>
        Mark keyframe
      </button>
      <button type="button" onClick={interpolate} disabled={!track || track.frames.find((f) => f.frame === frame)?.status.state !== 'keyframe'}>
        Interpolate to next keyframe
      </button>
      <fieldset>
        <legend>This frame</legend>
        {frameFlags.map((flag) => (
          <label key={flag}>
            <input type="checkbox" checked={(flags.get(frame) ?? []).includes(flag)} onChange={() => void toggleFlag(flag)} /> {frameFlagWords[flag]}
          </label>
        ))}
      </fieldset>
    </div>
  );
  return (
    <div className="video-workspace" style={{ display: 'flex', flexDirection: 'column', gap: 8, padding: 8, width: '100%', boxSizing: 'border-box', overflow: 'auto' }}>
      {props.controls ? createPortal(controls, props.controls) : controls}
      <div style={{ position: 'relative', width: `min(100%, ${Math.max(video.width, 640)}px)`, aspectRatio: `${video.width} / ${video.height}` }}>
        <video ref={videoEl} src={videoApi.proxyUrl(item.id)} preload="auto" muted playsInline style={{ width: '100%', height: '100%', display: 'block' }} onPause={() => setPlaying(false)} onTimeUpdate={(e) => playing && setFrame(frameAtTime(frames, e.currentTarget.currentTime))} />
        <canvas
          ref={canvas}
          width={video.width}
          height={video.height}
          aria-label="Mask on this frame"
          style={{ position: 'absolute', inset: 0, width: '100%', height: '100%', cursor: 'crosshair', touchAction: 'none' }}
          onPointerDown={(e) => {
            painting.current = true;
            e.currentTarget.setPointerCapture(e.pointerId);
            paintAt(e);
          }}
          onPointerMove={(e) => painting.current && paintAt(e)}
          onPointerUp={() => (painting.current = false)}
        />
      </div>
      <div className="video-position" role="status">
        <button type="button" onClick={() => goTo(frame - 1)} aria-label="Previous frame">
          ◀
        </button>
        <button type="button" onClick={togglePlay}>
          {playing ? 'Pause' : 'Play'}
        </button>
        <button type="button" onClick={() => goTo(frame + 1)} aria-label="Next frame">
          ▶
        </button>{' '}
        <span data-testid="video-frame-position">
          Frame {frame + 1} of {frames.length}
        </span>{' '}
        · <span>{timeWords(current?.timeSeconds ?? 0)}</span>
        {notice && <span className="video-notice"> · {notice}</span>}
      </div>
      <TrackTimelines tracks={tracks} frameCount={frames.length} frame={frame} onPick={goTo} />
    </div>
  );
}
