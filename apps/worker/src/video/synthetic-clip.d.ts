/** A synthetic endoscopy clip: a moving disc (the "polyp") over a noisy mucosa-coloured texture. */
export interface SyntheticClipOptions {
    readonly path: string;
    readonly width?: number;
    readonly height?: number;
    readonly seconds?: number;
    readonly framesPerSecond?: number;
    /** Text burned into the top-left corner, as a scope's overlay shows a patient ID and date. */
    readonly overlay?: string;
    /** Encoder: H.264 in MP4 (default), or H.264 in QuickTime MOV. */
    readonly container?: 'mp4' | 'mov';
    /** Frames between key frames (default 12, so that seeking has to decode from a key frame). */
    readonly keyFrameInterval?: number;
    /**
     * `scene` (default): the polyp drawn per pixel by `geq`, exact but slow; `flat`: a flat mucosa
     * colour with no polyp, fast enough for a 30 s 1080p benchmark clip (noise and gradients at that
     * size make the OCR stage read words that are not there).
     */
    readonly content?: 'scene' | 'flat';
}
/** Where the polyp is at a time: its centre moves linearly and its radius grows linearly over the clip. */
export interface PolypPath {
    readonly start: {
        x: number;
        y: number;
        radius: number;
    };
    readonly end: {
        x: number;
        y: number;
        radius: number;
    };
}
export declare function polypPathFor(width: number, height: number): PolypPath;
/**
 * Writes the clip with ffmpeg's lavfi sources, so no video file is kept in the repository. The
 * disc is drawn by `geq` from the clip's time, so its position in any frame is known exactly.
 */
export declare function writeSyntheticClip(options: SyntheticClipOptions): Promise<PolypPath>;
