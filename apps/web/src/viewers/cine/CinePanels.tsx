import { useState } from 'react';
import type { CardiacReadingView } from './cine-api';
import { conventionWords, measureConventions, ml, percent } from './cine-words';

/** EDV, ESV, SV, EF of each ventricle and LV mass, with the conventions they assumed. */
export function MeasuresPanel(props: { reading: CardiacReadingView | null }) {
  const m = props.reading?.measures;
  if (!props.reading) return <p>Loading the measures…</p>;
  if (!m) return <p data-testid="cine-measures-empty">No measures yet: outline the ventricles and save.</p>;
  const row = (name: string, lv: string, rv: string, key: string) => (
    <tr>
      <th scope="row">{name}</th>
      <td data-testid={`cine-lv-${key}`}>{lv}</td>
      <td data-testid={`cine-rv-${key}`}>{rv}</td>
    </tr>
  );
  return (
    <div data-testid="cine-measures">
      <table className="cine-measures">
        <thead>
          <tr>
            <th />
            <th scope="col">LV</th>
            <th scope="col">RV</th>
          </tr>
        </thead>
        <tbody>
          {row('End-diastolic volume', ml(m.lv.edv), ml(m.rv.edv), 'edv')}
          {row('End-systolic volume', ml(m.lv.esv), ml(m.rv.esv), 'esv')}
          {row('Stroke volume', ml(m.lv.sv), ml(m.rv.sv), 'sv')}
          {row('Ejection fraction', percent(m.lv.ef), percent(m.rv.ef), 'ef')}
        </tbody>
      </table>
      <p data-testid="cine-lv-mass">LV mass at end-diastole: {m.lvMassEd.toFixed(1)} g</p>
      <ul className="cine-conventions">
        {measureConventions(props.reading).map((line) => (
          <li key={line}>{line}</li>
        ))}
      </ul>
    </div>
  );
}

/** The LV (and RV) volume over the phases, with end-diastole and end-systole marked; a click picks a phase. */
export function VolumeCurve(props: { reading: CardiacReadingView | null; phases: number; phase: number; onPhase(phase: number): void }) {
  const lv = props.reading?.curves.lv_blood_pool ?? [];
  const rv = props.reading?.curves.rv_blood_pool ?? [];
  const [w, h, pad] = [220, 90, 8];
  const top = Math.max(1e-9, ...lv, ...rv);
  const x = (p: number) => pad + (p * (w - 2 * pad)) / Math.max(1, props.phases - 1);
  const y = (v: number) => h - pad - (v * (h - 2 * pad)) / top;
  const line = (curve: number[]) => curve.map((v, p) => `${p === 0 ? 'M' : 'L'}${x(p).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  const d = props.reading?.designation;
  return (
    <svg width={w} height={h} role="img" aria-label="Volume over the cardiac cycle" data-testid="cine-curve" onClick={(e) => {
      const box = e.currentTarget.getBoundingClientRect();
      props.onPhase(Math.max(0, Math.min(props.phases - 1, Math.round(((e.clientX - box.left - pad) / (w - 2 * pad)) * (props.phases - 1)))));
    }}>
      <rect width={w} height={h} fill="#111" />
      <line x1={x(props.phase)} x2={x(props.phase)} y1={0} y2={h} stroke="#666" />
      {d && <line x1={x(d.edPhase)} x2={x(d.edPhase)} y1={0} y2={h} stroke="#4dff88" strokeDasharray="3 2"><title>End-diastole</title></line>}
      {d && <line x1={x(d.esPhase)} x2={x(d.esPhase)} y1={0} y2={h} stroke="#ff884d" strokeDasharray="3 2"><title>End-systole</title></line>}
      <path d={line(lv)} fill="none" stroke="#ff4d4d" />
      <path d={line(rv)} fill="none" stroke="#ffd24d" />
      {d && <text x={x(d.edPhase) + 2} y={10} fill="#4dff88" fontSize={9}>ED</text>}
      {d && <text x={x(d.esPhase) + 2} y={20} fill="#ff884d" fontSize={9}>ES</text>}
    </svg>
  );
}

/** End-diastole and end-systole as the API has them, who chose them, and a way to set them by hand. */
export function PhasesPanel(props: { reading: CardiacReadingView | null; phases: number; readOnly: boolean; onSet(ed: number, es: number): void }) {
  const d = props.reading?.designation ?? null;
  const [ed, setEd] = useState<number | null>(null);
  const [es, setEs] = useState<number | null>(null);
  const options = Array.from({ length: props.phases }, (_, p) => <option key={p} value={p}>{`Phase ${p + 1}`}</option>);
  return (
    <div data-testid="cine-phases">
      <p data-testid="cine-ed-es">
        {d ? `End-diastole: phase ${d.edPhase + 1}; end-systole: phase ${d.esPhase + 1} (${conventionWords(d.source)}).` : 'End-diastole and end-systole are chosen once the LV is outlined.'}
      </p>
      {!props.readOnly && (
        <div className="row">
          <label>
            ED{' '}
            <select value={ed ?? d?.edPhase ?? 0} onChange={(e) => setEd(Number(e.target.value))} data-testid="cine-ed-select">
              {options}
            </select>
          </label>
          <label>
            ES{' '}
            <select value={es ?? d?.esPhase ?? 0} onChange={(e) => setEs(Number(e.target.value))} data-testid="cine-es-select">
              {options}
            </select>
          </label>
          <button onClick={() => props.onSet(ed ?? d?.edPhase ?? 0, es ?? d?.esPhase ?? 0)} data-testid="cine-set-phases">
            Set ED / ES
          </button>
        </div>
      )}
    </div>
  );
}
