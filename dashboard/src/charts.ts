// Small SVG charts written for this dashboard instead of a chart library: each is an
// `<svg role="img">` with a <title> and a <desc> that says what the chart shows in words,
// a <title> on every bar (a tooltip, and read by screen readers), and the same numbers in a
// table under it. Colours come from the stylesheet (classes), never style attributes, so the
// CSP needs no 'unsafe-inline'. Together they weigh a few kilobytes.

import { h, s, uid } from './dom';

/** One bar. */
export interface Datum {
  label: string;
  value: number;
}

/** What a bar chart shows. */
export interface BarChartSpec {
  title: string;
  /** The chart in one sentence, for people who cannot see it. */
  summary: string;
  data: Datum[];
  format(v: number): string;
  /** A horizontal reference line (a budget pace), drawn dashed and labelled. */
  line?: { value: number; label: string };
  /** Column headers of the data table. */
  columns: [string, string];
  /** Bars side by side in time order (vertical) or ranked categories (horizontal). */
  orientation?: 'vertical' | 'horizontal';
  /** A class for the figure (the tests find charts by it). */
  name: string;
  /** Width of the drawing in its own units (text is 13 of them): narrower for fewer bars. */
  width?: number;
}

/** A ranked chart's summary: each bar's label and formatted value, or `empty` without bars. */
export function listed(data: Datum[], format: (v: number) => string, empty: string): string {
  return data.map((d) => `${d.label} ${format(d.value)}`).join(', ') || empty;
}

function table(spec: BarChartSpec): HTMLElement {
  const rows = spec.data.map((d) => h('tr', {}, h('th', { scope: 'row' }, d.label), h('td', {}, spec.format(d.value))));
  if (spec.line) rows.push(h('tr', {}, h('th', { scope: 'row' }, spec.line.label), h('td', {}, spec.format(spec.line.value))));
  return h(
    'details',
    { class: 'chart-table' },
    h('summary', {}, `${spec.title}: the numbers`),
    h(
      'table',
      {},
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, spec.columns[0]), h('th', { scope: 'col' }, spec.columns[1]))),
      h('tbody', {}, ...rows),
    ),
  );
}

/** A bar chart in a `<figure>` with its caption and data table. */
export function barChart(spec: BarChartSpec): HTMLElement {
  const titleId = uid('chart-title');
  const descId = uid('chart-desc');
  const fig = h('figure', { class: `chart ${spec.name}` }, h('figcaption', {}, spec.title));
  if (spec.data.length === 0) {
    fig.append(h('p', { class: 'empty' }, 'No data in this range yet.'));
    return fig;
  }
  const svg =
    spec.orientation === 'horizontal' ? horizontal(spec, titleId, descId) : vertical(spec, titleId, descId);
  fig.append(svg, table(spec));
  return fig;
}

function frame(w: number, hgt: number, spec: BarChartSpec, titleId: string, descId: string): SVGSVGElement {
  return s(
    'svg',
    { viewBox: `0 0 ${w} ${hgt}`, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, preserveAspectRatio: 'xMidYMid meet' },
    s('title', { id: titleId }, spec.title),
    s('desc', { id: descId }, spec.summary),
  );
}

function vertical(spec: BarChartSpec, titleId: string, descId: string): SVGSVGElement {
  const W = spec.width ?? 640;
  const H = 260;
  const left = 56;
  const bottom = 36;
  const top = 16;
  const plotW = W - left - 8;
  const plotH = H - top - bottom;
  const max = Math.max(...spec.data.map((d) => d.value), spec.line?.value ?? 0) || 1;
  const svg = frame(W, H, spec, titleId, descId);
  const y = (v: number) => top + plotH - (v / max) * plotH;
  for (const t of [0, 0.5, 1]) {
    svg.append(
      s('line', { class: 'grid', x1: left, x2: W - 8, y1: y(max * t), y2: y(max * t) }),
      s('text', { class: 'axis', x: left - 6, y: y(max * t) + 4, 'text-anchor': 'end' }, spec.format(max * t)),
    );
  }
  const slot = plotW / spec.data.length;
  const bw = Math.max(2, Math.min(48, slot * 0.7));
  const every = Math.ceil(spec.data.length / 8);
  spec.data.forEach((d, i) => {
    const x = left + i * slot + (slot - bw) / 2;
    const bar = s(
      'rect',
      { class: 'bar', x: x.toFixed(1), y: y(d.value).toFixed(1), width: bw.toFixed(1), height: Math.max(0, top + plotH - y(d.value)).toFixed(1) },
      s('title', {}, `${d.label}: ${spec.format(d.value)}`),
    );
    svg.append(bar);
    if (i % every === 0) {
      svg.append(s('text', { class: 'axis', x: (x + bw / 2).toFixed(1), y: H - bottom + 16, 'text-anchor': 'middle' }, d.label));
    }
  });
  if (spec.line) {
    const ly = y(spec.line.value).toFixed(1);
    svg.append(
      s('line', { class: 'ref-line', x1: left, x2: W - 8, y1: ly, y2: ly }, s('title', {}, `${spec.line.label}: ${spec.format(spec.line.value)}`)),
      s('text', { class: 'ref-label', x: W - 10, y: Number(ly) - 5, 'text-anchor': 'end' }, `${spec.line.label} ${spec.format(spec.line.value)}`),
    );
  }
  return svg;
}

function horizontal(spec: BarChartSpec, titleId: string, descId: string): SVGSVGElement {
  const W = 440;
  const row = 30;
  const left = 140;
  const right = 80;
  const H = spec.data.length * row + 10;
  const max = Math.max(...spec.data.map((d) => d.value)) || 1;
  const svg = frame(W, H, spec, titleId, descId);
  spec.data.forEach((d, i) => {
    const y = 5 + i * row;
    const w = ((W - left - right) * d.value) / max;
    svg.append(
      s('text', { class: 'axis', x: left - 8, y: y + row / 2 + 4, 'text-anchor': 'end' }, d.label),
      s('rect', { class: 'bar', x: left, y: y + 4, width: Math.max(1, w).toFixed(1), height: row - 8 }, s('title', {}, `${d.label}: ${spec.format(d.value)}`)),
      s('text', { class: 'value', x: (left + Math.max(1, w) + 6).toFixed(1), y: y + row / 2 + 4 }, spec.format(d.value)),
    );
  });
  return svg;
}

/** What a budget gauge shows. */
export interface GaugeSpec {
  label: string;
  spent: number;
  held: number;
  limit: number;
  thresholds: number[];
  format(v: number): string;
}

/** A budget as a bar: spent, held by calls in flight, and what is left, with the alert thresholds as ticks. */
export function gauge(g: GaugeSpec): SVGSVGElement {
  const W = 640;
  const H = 84;
  const x0 = 8;
  const w = W - 16;
  const scale = (v: number) => x0 + (w * Math.min(Math.max(v, 0), g.limit)) / (g.limit || 1);
  const pctUsed = g.limit > 0 ? Math.round(((g.spent + g.held) / g.limit) * 100) : 0;
  const titleId = uid('gauge-title');
  const label = `${g.label}: ${g.format(g.spent)} spent and ${g.format(g.held)} held of ${g.format(g.limit)} (${pctUsed} % used)`;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': titleId, class: 'gauge' }, s('title', { id: titleId }, label));
  const level = pctUsed >= 95 ? 'critical' : pctUsed >= 80 ? 'warn' : 'ok';
  svg.append(
    s('rect', { class: 'gauge-track', x: x0, y: 30, width: w, height: 24, rx: 4 }),
    s('rect', { class: `gauge-spent ${level}`, x: x0, y: 30, width: (scale(g.spent) - x0).toFixed(1), height: 24, rx: 4 }),
    s('rect', { class: 'gauge-held', x: scale(g.spent).toFixed(1), y: 30, width: Math.max(0, scale(g.spent + g.held) - scale(g.spent)).toFixed(1), height: 24 }),
  );
  // Labels below the bar; one too close to the previous goes above it instead.
  let lastBelow = -100;
  for (const t of [...g.thresholds].sort((a, b) => a - b)) {
    const x = (x0 + (w * t) / 100).toFixed(1);
    const below = t - lastBelow >= 9;
    if (below) lastBelow = t;
    svg.append(
      s('line', { class: 'gauge-tick', x1: x, x2: x, y1: below ? 24 : 18, y2: below ? 62 : 58 }),
      s('text', { class: 'axis', x, y: below ? 78 : 13, 'text-anchor': t >= 97 ? 'end' : 'middle' }, `${t} %`),
    );
  }
  return svg;
}
