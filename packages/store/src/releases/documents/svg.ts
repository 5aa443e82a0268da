import type { Figure } from './plot';
import { escapeHtml } from './html-escape';

/** Fixed decimals: the same figure always gives the same bytes. */
function n(v: number): string {
  return Number(v.toFixed(2)).toString();
}

/** A figure as inline SVG (no scripts, no external references). */
export function figureSvg(figure: Figure, title: string): string {
  const parts = figure.shapes.map((s) => {
    switch (s.t) {
      case 'line':
        return `<line x1="${n(s.x1)}" y1="${n(s.y1)}" x2="${n(s.x2)}" y2="${n(s.y2)}" stroke="${s.colour}" stroke-width="${n(s.width)}"/>`;
      case 'circle':
        return `<circle cx="${n(s.cx)}" cy="${n(s.cy)}" r="${n(s.r)}" fill="${s.colour}" fill-opacity="0.75"/>`;
      case 'rect':
        return `<rect x="${n(s.x)}" y="${n(s.y)}" width="${n(s.w)}" height="${n(s.h)}" fill="${s.colour}"/>`;
      case 'text':
        return `<text x="${n(s.x)}" y="${n(s.y)}" font-size="${n(s.size)}" text-anchor="${s.anchor}">${escapeHtml(s.text)}</text>`;
    }
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${n(figure.width)} ${n(figure.height)}" width="${n(figure.width)}" height="${n(figure.height)}" font-family="DejaVu Sans, sans-serif">${parts.join('')}</svg>`;
}
