import { escapeHtml } from './html-escape';
import { releaseFacts, type Block, type DocumentLayout } from './layout';
import { stripFigure } from './plot';
import { figureSvg } from './svg';

const style = `
body{font-family:"DejaVu Sans",Verdana,sans-serif;font-size:14px;line-height:1.45;color:#1b1b1b;max-width:60em;margin:2em auto;padding:0 1em}
h1{font-size:1.6em;margin:0 0 .4em}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;margin:.4em 0 1em;width:100%}caption{text-align:left;font-style:italic;padding:.2em 0}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}th{background:#f2f2f2}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.4em 0 1em}dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}
figure{margin:.5em 0 1em}figure svg{width:100%;max-width:760px;height:auto}`;

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'facts':
      return `<dl>${b.rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
    case 'table': {
      const head = `<tr>${b.columns.map((c) => `<th scope="col">${escapeHtml(c)}</th>`).join('')}</tr>`;
      const rows = b.rows.length
        ? b.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')
        : `<tr><td colspan="${b.columns.length}">None</td></tr>`;
      return `<table><caption>${escapeHtml(b.caption)}</caption><thead>${head}</thead><tbody>${rows}</tbody></table>`;
    }
    case 'plot':
      return `<figure>${figureSvg(stripFigure(b.plot), b.plot.title)}</figure>`;
  }
}

/**
 * A self-contained page: inline CSS and SVG, no scripts, and a policy that forbids loading
 * anything, so the web app can show it in a sandboxed frame.
 */
export function renderHtml(layout: DocumentLayout): string {
  const sections = layout.sections.map((s) => `<section><h2>${escapeHtml(s.heading)}</h2>${s.blocks.map(block).join('')}</section>`).join('');
  const header = block({ kind: 'facts', rows: releaseFacts(layout.release) });
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(`${layout.title}: ${layout.release.name}`)}</title><style>${style}</style></head>`,
    `<body><header><h1>${escapeHtml(layout.title)}</h1>${header}</header>${sections}</body></html>`,
    '',
  ].join('\n');
}
