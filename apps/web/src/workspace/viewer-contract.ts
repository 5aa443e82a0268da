/**
 * The contract between the workspace shell and the viewer of an item's kind. The shell owns the
 * item, the label volume (loaded from tiles, saved as changed tiles by the save controller), the
 * tools and their options, the labels, the workflow panels and the shortcuts; the viewer owns how
 * the image is fetched and drawn and how pointers become tool events. Radiology volumes are the
 * first viewer; slides, OCT, fundus, cine and video implement the same props.
 */
import type { ComponentType } from 'react';
import type { Label } from '@delineate/schema';
import type { ItemView } from '../api';
import type { Tool, ToolEffect, ToolOptions } from '../tools';
import type { Dims } from '../viewer/geometry';
import type { Labelmap } from '../viewer/labelmap';
import type { SceneBox } from '../viewer/overlay';
import type { TileLabelmap } from '../viewer/tile-labelmap';
import type { ShortcutRegistry } from './shortcuts';

/** What the viewer shows of the labels, besides the volume being edited. */
export interface LabelLayers {
  /** The volume being edited (tools write here). */
  map: Labelmap;
  /** What to draw: the edited volume, or a read-only revision being looked at. */
  shown: Uint8Array;
  /** Another revision outlined over the labels (conflict comparison), or null. */
  compare: Uint8Array | null;
  /** A correction overlay (1 added, 2 removed, 3 relabelled), or null. */
  correction: Uint8Array | null;
  /** Boxes outlined where they cross a view (significant-region marks). */
  boxes: readonly SceneBox[];
  /** Changes whenever the shown voxels changed outside the viewer (undo, load, restore). */
  version: number;
}

/**
 * The labels of an image too large to hold whole (a slide): sparse tiles, loaded as they come into
 * view. Looking at other revisions, comparisons and correction overlays are whole-volume features
 * the shell offers only with {@link LabelLayers}.
 */
export interface TileLayers {
  /** The sparse labels being edited (tools write here). */
  map: TileLabelmap;
  /** Loads the stored labels of these tiles (those in view) unless they are in already. */
  load(ordinals: readonly number[]): Promise<void>;
  /** Changes whenever labels changed outside the viewer (undo, load, restore). */
  version: number;
}

export interface ViewerProps<L = LabelLayers> {
  item: ItemView;
  /** The annotation being edited (viewers that save through their own route, e.g. cine contours). */
  annotationId: string;
  /** The task the item was opened for, or null (a slide-region task brings its zoom band and fields). */
  taskId?: string | null;
  dims: Dims;
  labels: readonly Label[];
  /** Labels shown, and their opacity (0 … 1). */
  visible: ReadonlySet<number>;
  opacity: ReadonlyMap<number, number>;
  /** Labels drawn as outlines instead of filled. */
  outline: boolean;
  layers: L;
  /** The active tool, or null when nothing may be edited (read-only). */
  tool: Tool | null;
  /** The selected label's value. */
  label: number;
  options: ToolOptions;
  /** The crosshair voxel (each view's slice); the viewer reports moves through onCursor. */
  cursor: [number, number, number];
  /** Where the viewer puts its own controls (window presets, layout) in the shell's side panel. */
  controls: HTMLElement | null;
  shortcuts: ShortcutRegistry;
  /** Everything a tool did: edits (strokes), cursor moves, boxes, notices. */
  onToolEffect(effect: ToolEffect): void;
  onCursor(voxel: [number, number, number]): void;
  /** Loading progress of the image, in the viewer's own units (slices, tiles, frames). */
  onImageProgress(loaded: number, total: number): void;
  /** A failure the shell shows (in words, with its code). */
  onError(error: unknown): void;
  /** Read-only state the e2e tests and the benchmark read through `window.__delineate`. */
  exposeForTests(hooks: Record<string, (...args: never[]) => unknown>): void;
  /** The annotation being edited and its head when opened: viewers that save their own shapes (fundus contours) use it. */
  annotation?: { readonly id: string; readonly headVersion: number };
}

interface RegistrationBase {
  /** Item kinds this viewer opens (`ItemView.kind`). */
  kinds: readonly string[];
  /** In words, for the header. */
  name: string;
  /** Narrows the kinds when one kind has several viewers (an OCT volume is a `series_volume` of modality OPT); the first match wins. */
  matches?: (item: Pick<ItemView, 'kind' | 'modality'>) => boolean;
  /** Keys the viewer's own shortcuts take from the shell (the OCT workspace's 1 … 9 select boundaries, not labels). */
  claimsKeys?: readonly string[];
  /** Starts fetching the first image as soon as the item is known (the rest of the opening runs meanwhile). */
  prefetch?: (item: ItemView) => void;
  /**
   * Who saves the work: the shell's save controller (default), or the viewer through its own
   * controls and routes (cine contours, video tracks). A viewer that saves itself gets no shell
   * Save button, save state or save shortcut, so one set of save controls is shown.
   */
  saves?: 'shell' | 'viewer';
}

/** A viewer of whole label volumes, edited with the shell's tools (radiology). */
export interface VolumeViewerRegistration extends RegistrationBase {
  labels?: 'volume';
  component: ComponentType<ViewerProps>;
}

/** A viewer of sparse tiled labels (slides): it offers its own tools in its controls slot. */
export interface TileViewerRegistration extends RegistrationBase {
  labels: 'tiles';
  component: ComponentType<ViewerProps<TileLayers>>;
}

export type ViewerRegistration = VolumeViewerRegistration | TileViewerRegistration;
