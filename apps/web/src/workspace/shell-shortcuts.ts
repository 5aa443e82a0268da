import type { ToolId } from '../tools';
import type { Shortcut } from './shortcuts';

/** What the shell's shortcuts act on (the shell passes its current state and setters each render). */
export interface ShellActions {
  setTool: (id: ToolId) => void;
  toggleSphere: () => void;
  resize: (deltaMm: number) => void;
  selectLabel: (index: number) => void;
  toggleSelectedVisible: () => void;
  interpolate: () => void;
  undo: () => void;
  redo: () => void;
  /** Null when the viewer saves through its own controls (cine, video): Ctrl+S is then the viewer's. */
  save: (() => void) | null;
  /** Null when marking is not offered (no workflow task, or read-only). */
  toggleMark: (() => void) | null;
  toggleHelp: () => void;
  escape: () => void;
  /** False when the viewer brings its own tools (slides): the volume tools' keys are left to it. */
  volumeTools?: boolean;
}

const toolKeys: Record<string, ToolId> = { b: 'brush', e: 'eraser', t: 'threshold', r: 'rect', c: 'circle', f: 'fill', g: 'region', x: 'crosshair', u: 'ruler', o: 'ellipse' };

/** The shell's shortcuts, in the order the help lists them. */
export function shellShortcuts(a: ShellActions): Shortcut[] {
  const tool = (key: string) => a.setTool(toolKeys[key.toLowerCase()]!);
  const volumeTools = a.volumeTools !== false;
  const volumeOnly = new Set(['b', 'r', 'f', 'g', 'x', 'u', 's', '[', 'i']);
  const all: Shortcut[] = [
    { keys: ['b', 'e', 't'], display: 'B / E / T', description: 'brush, eraser, threshold brush', run: tool },
    { keys: ['r', 'c'], display: 'R / C', description: 'rectangle, circle scissors (Shift: erase)', run: tool },
    { keys: ['f'], display: 'F', description: 'paint fill', run: tool },
    { keys: ['g'], display: 'G', description: 'region growing from the clicked pixel (tolerance in the tool bar)', run: tool },
    { keys: ['x'], display: 'X', description: 'crosshairs (click to move all views)', run: tool },
    { keys: ['u', 'o'], display: 'U / O', description: 'ruler (mm), ellipse ROI (mean and standard deviation)', run: tool },
    { keys: ['s'], display: 'S', description: 'circle ↔ sphere brush', run: a.toggleSphere },
    { keys: ['[', ']'], display: '[ / ]', description: 'brush diameter smaller / larger (2 mm)', run: (k) => a.resize(k === '[' ? -1 : 1) },
    { keys: ['1', '2', '3', '4', '5', '6', '7', '8', '9'], display: '1 … 9', description: 'select label', run: (k) => a.selectLabel(Number(k) - 1) },
    { keys: ['h'], display: 'H', description: 'hide / show the selected label', run: a.toggleSelectedVisible },
    { keys: ['i'], display: 'I', description: 'interpolate the selected label between slices', run: a.interpolate },
    { keys: ['ctrl+z'], display: 'Ctrl+Z', description: 'undo', run: a.undo },
    { keys: ['ctrl+y', 'ctrl+shift+z'], display: 'Ctrl+Y, Ctrl+Shift+Z', description: 'redo', run: a.redo },
    ...(a.save ? [{ keys: ['ctrl+s'], display: 'Ctrl+S', description: 'save', run: a.save }] : []),
    ...(a.toggleMark ? [{ keys: ['m'], display: 'M', description: 'mark a significant region (workflow tasks): drag a box on the axial view', run: a.toggleMark }] : []),
    { keys: ['?'], display: '?', description: 'this help', run: a.toggleHelp },
    { keys: ['escape'], display: 'Esc', description: 'close the help; abandon the stroke in progress', run: a.escape },
  ];
  return volumeTools ? all : all.filter((s) => !volumeOnly.has(s.keys[0]!));
}

/** The shell's shortcuts without those bound to a key the viewer claims for its own (a viewer registration's `claimsKeys`). */
export function withoutClaimedKeys(shortcuts: readonly Shortcut[], claimed: readonly string[] | undefined): Shortcut[] {
  return claimed ? shortcuts.filter((shortcut) => !shortcut.keys.some((key) => claimed.includes(key))) : [...shortcuts];
}

/** The voxel at the centre of a box (going to a marked region). */
export function centreOf(box: { min: readonly number[]; max: readonly number[] }): [number, number, number] {
  return [0, 1, 2].map((i) => Math.round(((box.min[i] ?? 0) + (box.max[i] ?? 0)) / 2)) as [number, number, number];
}
