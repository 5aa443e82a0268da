/** One resolution of a converted pyramid: its size, its scale against the base and its tile grid. */
export interface SlideLevel {
  readonly width: number;
  readonly height: number;
  /** Base width over this level's width (1, 2, 4…: vips halves each step). */
  readonly downsample: number;
  readonly tileColumns: number;
  readonly tileRows: number;
}

/**
 * What a slide item needs to be shown and measured: the converted pyramid (a tiled JPEG BigTIFF
 * in the blob store under `pyramidHash`) and the source's pixel size and objective
 * magnification, which conversion does not carry over.
 */
export interface SlideInfo {
  readonly width: number;
  readonly height: number;
  readonly tileWidth: number;
  readonly tileHeight: number;
  /** Level 0 is the base (full resolution). */
  readonly levels: readonly SlideLevel[];
  /** Micrometres per pixel at the base, across and down; null when the source does not say. */
  readonly mppX: number | null;
  readonly mppY: number | null;
  /** Scanning objective (20, 40…); null when the source does not say. */
  readonly magnification: number | null;
  /** SHA-256 of the pyramid blob. */
  readonly pyramidHash: string;
}

/** Pixel size and magnification read from a source before conversion. */
export interface SlideSourceProperties {
  readonly mppX: number | null;
  readonly mppY: number | null;
  readonly magnification: number | null;
}
