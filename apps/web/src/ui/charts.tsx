import type { ReactNode } from 'react';

/**
 * Small inline-SVG charts for the QA dashboard. Every chart also renders its numbers as a table
 * (each value cell carries the exact number in `data-value`), so the figures are readable by
 * screen readers and by tests; with nothing to show a chart says "no data yet".
 */

export const fmt = (value: number | null | undefined, digits = 3): string => {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(digits);
};

const W = 420;
const BAR_H = 22;
const LABEL_W = 140;
const colours = ['#4b8fd6', '#d68a4b', '#5fb36b', '#b35fa8', '#c9c04b', '#4bc9c0'];

function Empty({ testId, title }: { testId: string; title: string }) {
  return (
    <figure className="chart" data-testid={testId} data-empty="true">
      <figcaption>{title}</figcaption>
      <p className="empty">no data yet</p>
    </figure>
  );
}

function Value({ value, digits, suffix }: { value: number | null; digits?: number; suffix?: string }) {
  return (
    <td className="num" data-value={value === null ? '' : String(value)}>
      {fmt(value, digits)}
      {value !== null && suffix ? suffix : ''}
    </td>
  );
}

export interface Bar {
  key: string;
  label: string;
  value: number;
  /** Extra columns for the table (e.g. counts behind a rate). */
  extra?: Record<string, number | null>;
}

/** Horizontal bars, one per row, scaled to `max` (default: the largest value). */
export function BarChart(props: { testId: string; title: string; bars: Bar[]; max?: number; valueName: string; digits?: number; extraColumns?: string[]; children?: ReactNode }) {
  const { bars, testId, title } = props;
  if (bars.length === 0) return <Empty testId={testId} title={title} />;
  const max = props.max ?? Math.max(...bars.map((b) => b.value), 0);
  const scale = (v: number) => (max > 0 ? (v / max) * (W - LABEL_W - 60) : 0);
  const height = bars.length * BAR_H + 8;
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg width={W} height={height} viewBox={`0 0 ${W} ${height}`} role="img" aria-label={`${title}: ${bars.map((b) => `${b.label} ${fmt(b.value, props.digits)}`).join(', ')}`}>
        {bars.map((b, i) => (
          <g key={b.key} transform={`translate(0 ${4 + i * BAR_H})`}>
            <text x={LABEL_W - 6} y={BAR_H / 2 + 4} textAnchor="end" className="axis">
              {b.label.length > 22 ? `${b.label.slice(0, 21)}…` : b.label}
            </text>
            <rect x={LABEL_W} y={3} width={Math.max(scale(b.value), b.value > 0 ? 1 : 0)} height={BAR_H - 6} fill={colours[i % colours.length]}>
              <title>{`${b.label}: ${fmt(b.value, props.digits)}`}</title>
            </rect>
            <text x={LABEL_W + scale(b.value) + 4} y={BAR_H / 2 + 4} className="axis">
              {fmt(b.value, props.digits)}
            </text>
          </g>
        ))}
      </svg>
      <table className="data">
        <thead>
          <tr>
            <th />
            <th>{props.valueName}</th>
            {(props.extraColumns ?? []).map((c) => (
              <th key={c}>{c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {bars.map((b) => (
            <tr key={b.key} data-key={b.key}>
              <th scope="row">{b.label}</th>
              <Value value={b.value} {...(props.digits !== undefined ? { digits: props.digits } : {})} />
              {(props.extraColumns ?? []).map((c) => (
                <Value key={c} value={b.extra?.[c] ?? null} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {props.children}
    </figure>
  );
}

export interface Bin {
  from: number;
  to: number;
  count: number;
}

/** Equal-width bins over [min, max] of the values (the last bin closed); one bin when all are equal. */
export function binValues(values: readonly number[], binCount: number, domain?: [number, number]): Bin[] {
  if (values.length === 0) return [];
  const lo = domain?.[0] ?? Math.min(...values);
  const hi = domain?.[1] ?? Math.max(...values);
  if (hi === lo) return [{ from: lo, to: hi, count: values.length }];
  const width = (hi - lo) / binCount;
  const bins: Bin[] = Array.from({ length: binCount }, (_, i) => ({ from: lo + i * width, to: i === binCount - 1 ? hi : lo + (i + 1) * width, count: 0 }));
  for (const v of values) {
    const index = Math.min(binCount - 1, Math.max(0, Math.floor((v - lo) / width)));
    bins[index]!.count += 1;
  }
  return bins;
}

/** A histogram of `values`, with the bins and the values themselves in the table. */
export function Histogram(props: { testId: string; title: string; values: readonly number[]; bins?: number; domain?: [number, number]; digits?: number; unit?: string }) {
  const { values, testId, title } = props;
  if (values.length === 0) return <Empty testId={testId} title={title} />;
  const bins = binValues(values, props.bins ?? 8, props.domain);
  const maxCount = Math.max(...bins.map((b) => b.count));
  const height = 140;
  const plotW = W - 40;
  const bw = plotW / bins.length;
  const digits = props.digits ?? 2;
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg width={W} height={height + 30} viewBox={`0 0 ${W} ${height + 30}`} role="img" aria-label={`${title}: ${values.length} values, ${bins.map((b) => `${fmt(b.from, digits)} to ${fmt(b.to, digits)}: ${b.count}`).join('; ')}`}>
        {bins.map((b, i) => {
          const h = maxCount > 0 ? (b.count / maxCount) * (height - 20) : 0;
          return (
            <g key={i}>
              <rect x={30 + i * bw + 1} y={height - h} width={bw - 2} height={h} fill="#4b8fd6">
                <title>{`${fmt(b.from, digits)}–${fmt(b.to, digits)}${props.unit ?? ''}: ${b.count}`}</title>
              </rect>
              {b.count > 0 && (
                <text x={30 + i * bw + bw / 2} y={height - h - 3} textAnchor="middle" className="axis">
                  {b.count}
                </text>
              )}
            </g>
          );
        })}
        <line x1={30} x2={30 + plotW} y1={height} y2={height} stroke="#5a6470" />
        <text x={30} y={height + 16} className="axis">
          {fmt(bins[0]!.from, digits)}
        </text>
        <text x={30 + plotW} y={height + 16} textAnchor="end" className="axis">
          {fmt(bins[bins.length - 1]!.to, digits)}
          {props.unit ?? ''}
        </text>
      </svg>
      <table className="data">
        <thead>
          <tr>
            <th>from</th>
            <th>to</th>
            <th>count</th>
          </tr>
        </thead>
        <tbody>
          {bins.map((b, i) => (
            <tr key={i}>
              <Value value={b.from} digits={digits} />
              <Value value={b.to} digits={digits} />
              <Value value={b.count} />
            </tr>
          ))}
        </tbody>
      </table>
      <p className="values" data-testid={`${testId}-values`} data-values={JSON.stringify(values)}>
        n = {values.length}: {values.map((v) => fmt(v, digits)).join(', ')}
      </p>
    </figure>
  );
}

export interface FiveNumbers {
  n: number;
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
}

/** Quantile with linear interpolation between order statistics (type 7, as R and numpy default). */
export function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function fiveNumbers(values: readonly number[]): FiveNumbers | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  return { n: s.length, min: s[0]!, q1: quantile(s, 0.25), median: quantile(s, 0.5), q3: quantile(s, 0.75), max: s[s.length - 1]! };
}

/** Box plots (whiskers at min and max) of several groups on one horizontal axis. */
export function BoxPlot(props: { testId: string; title: string; groups: { key: string; label: string; values: readonly number[] }[]; domain?: [number, number]; digits?: number; unit?: string }) {
  const groups = props.groups.map((g) => ({ ...g, stats: fiveNumbers(g.values) })).filter((g) => g.stats !== null) as Array<{
    key: string;
    label: string;
    values: readonly number[];
    stats: FiveNumbers;
  }>;
  if (groups.length === 0) return <Empty testId={props.testId} title={props.title} />;
  const lo = props.domain?.[0] ?? Math.min(...groups.map((g) => g.stats.min));
  let hi = props.domain?.[1] ?? Math.max(...groups.map((g) => g.stats.max));
  if (hi === lo) hi = lo + 1;
  const plotW = W - LABEL_W - 20;
  const x = (v: number) => LABEL_W + ((v - lo) / (hi - lo)) * plotW;
  const rowH = 30;
  const height = groups.length * rowH + 24;
  const digits = props.digits ?? 3;
  return (
    <figure className="chart" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <svg
        width={W}
        height={height}
        viewBox={`0 0 ${W} ${height}`}
        role="img"
        aria-label={`${props.title}: ${groups.map((g) => `${g.label} median ${fmt(g.stats.median, digits)} (n ${g.stats.n})`).join(', ')}`}
      >
        {groups.map((g, i) => {
          const y = 6 + i * rowH;
          const s = g.stats;
          return (
            <g key={g.key}>
              <title>{`${g.label}: n ${s.n}, min ${fmt(s.min, digits)}, Q1 ${fmt(s.q1, digits)}, median ${fmt(s.median, digits)}, Q3 ${fmt(s.q3, digits)}, max ${fmt(s.max, digits)}`}</title>
              <text x={LABEL_W - 6} y={y + 15} textAnchor="end" className="axis">
                {g.label}
              </text>
              <line x1={x(s.min)} x2={x(s.max)} y1={y + 11} y2={y + 11} stroke="#aab2bd" />
              <line x1={x(s.min)} x2={x(s.min)} y1={y + 4} y2={y + 18} stroke="#aab2bd" />
              <line x1={x(s.max)} x2={x(s.max)} y1={y + 4} y2={y + 18} stroke="#aab2bd" />
              <rect x={x(s.q1)} y={y + 2} width={Math.max(x(s.q3) - x(s.q1), 1)} height={18} fill="#2f6fb3" stroke="#9cc3f0" />
              <line x1={x(s.median)} x2={x(s.median)} y1={y + 2} y2={y + 20} stroke="#fff" strokeWidth={2} />
            </g>
          );
        })}
        <line x1={LABEL_W} x2={LABEL_W + plotW} y1={height - 18} y2={height - 18} stroke="#5a6470" />
        <text x={LABEL_W} y={height - 4} className="axis">
          {fmt(lo, digits)}
        </text>
        <text x={LABEL_W + plotW} y={height - 4} textAnchor="end" className="axis">
          {fmt(hi, digits)}
          {props.unit ?? ''}
        </text>
      </svg>
      <table className="data">
        <thead>
          <tr>
            <th />
            <th>n</th>
            <th>min</th>
            <th>Q1</th>
            <th>median</th>
            <th>Q3</th>
            <th>max</th>
          </tr>
        </thead>
        <tbody>
          {groups.map((g) => (
            <tr key={g.key} data-key={g.key}>
              <th scope="row">{g.label}</th>
              <Value value={g.stats.n} />
              <Value value={g.stats.min} digits={digits} />
              <Value value={g.stats.q1} digits={digits} />
              <Value value={g.stats.median} digits={digits} />
              <Value value={g.stats.q3} digits={digits} />
              <Value value={g.stats.max} digits={digits} />
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
