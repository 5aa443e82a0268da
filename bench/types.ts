/** What every benchmark in bench/<name>.ts returns from `run()`. */
export interface BenchResult {
  name: string;
  /** One line: what is measured and against which reference. */
  description: string;
  /** Rows of the side-by-side table: one per system or configuration measured. */
  rows: Array<Record<string, string | number | null>>;
  /** Targets from the issue and whether this run met them. */
  targets: Array<{ target: string; measured: string; met: boolean }>;
  notes?: string[];
}

export interface RecordedBench extends BenchResult {
  recordedAt: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string };
}
