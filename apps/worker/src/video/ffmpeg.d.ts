export interface ToolRun {
    readonly stdout: string;
    readonly stderr: string;
}
/**
 * Runs ffmpeg or ffprobe with arguments (never through a shell) and collects its output. A
 * missing binary, a non-zero exit and a timeout become coded errors; the tool's own message is
 * never passed on, since it names the input's path and may quote its metadata.
 */
export declare function runTool(tool: 'ffmpeg' | 'ffprobe', args: readonly string[], options?: {
    timeoutMs?: number;
    onStderrLine?: (line: string) => void;
}): Promise<ToolRun>;
/** The frames ffprobe counts by decoding every packet (`-count_frames`): the reference the frame table must equal. */
export declare function ffprobeDecodedFrames(path: string): Promise<number>;
