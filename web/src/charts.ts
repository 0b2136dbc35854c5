/**
 * Two charts drawn as inline SVG (no chart library): a line for the equity curve and bars for the daily
 * P&L. Each SVG carries its scale (data-min, data-max) and every point's date and value, and each chart
 * has the same numbers as a table, for screen readers and for the browser tests.
 */
import { h, s } from './dom.js';

export interface Point {
  date: string;
  value: number;
}

export const CHART = { width: 720, height: 220, left: 80, right: 12, top: 12, bottom: 28 } as const;

/** The y coordinate of a value on a chart whose scale is [min, max]. */
export function yOf(v: number, min: number, max: number): number {
  const plotH = CHART.height - CHART.top - CHART.bottom;
  return CHART.top + ((max - v) / (max - min)) * plotH;
}

function scale(values: number[], includeZero: boolean): { min: number; max: number } {
  let min = Math.min(...values, ...(includeZero ? [0] : []));
  let max = Math.max(...values, ...(includeZero ? [0] : []));
  if (min === max) {
    min -= 1;
    max += 1;
  }
  return { min, max };
}

const fmt = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: 0 });

function frame(id: string, label: string, desc: string, min: number, max: number, points: Point[]): SVGElement {
  const svg = s('svg', {
    viewBox: `0 0 ${CHART.width} ${CHART.height}`,
    role: 'img',
    'aria-labelledby': `${id}-title ${id}-desc`,
    'data-min': min,
    'data-max': max,
    'data-count': points.length,
    // The y scale: value max at y = data-plot-top, min at y = data-plot-bottom.
    'data-plot-top': CHART.top,
    'data-plot-bottom': CHART.height - CHART.bottom,
    class: 'chart',
    id,
  });
  svg.append(s('title', { id: `${id}-title` }, label), s('desc', { id: `${id}-desc` }, desc));
  const x0 = CHART.left;
  const x1 = CHART.width - CHART.right;
  const yTop = CHART.top;
  const yBottom = CHART.height - CHART.bottom;
  svg.append(
    s('line', { x1: x0, x2: x0, y1: yTop, y2: yBottom, class: 'axis' }),
    s('line', { x1: x0, x2: x1, y1: yBottom, y2: yBottom, class: 'axis' }),
    s('text', { x: x0 - 6, y: yTop + 10, 'text-anchor': 'end', class: 'tick' }, fmt(max)),
    s('text', { x: x0 - 6, y: yBottom, 'text-anchor': 'end', class: 'tick' }, fmt(min)),
  );
  if (points.length) {
    svg.append(
      s('text', { x: x0, y: CHART.height - 8, class: 'tick' }, points[0]!.date),
      s('text', { x: x1, y: CHART.height - 8, 'text-anchor': 'end', class: 'tick' }, points[points.length - 1]!.date),
    );
  }
  return svg;
}

function xOf(i: number, n: number): number {
  const w = CHART.width - CHART.left - CHART.right;
  return CHART.left + (n <= 1 ? w / 2 : (i / (n - 1)) * w);
}

function dataTable(label: string, points: Point[], tableId: string): HTMLElement {
  return h(
    'details',
    {},
    h('summary', {}, `${label}: the numbers (${points.length} days)`),
    h(
      'table',
      { id: tableId },
      h('caption', {}, label),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'date'), h('th', { scope: 'col' }, 'value'))),
      h('tbody', {}, points.map((p) => h('tr', {}, h('td', {}, p.date), h('td', { 'data-value': p.value }, p.value.toFixed(2))))),
    ),
  );
}

/** The equity curve: one polyline through every day's value. */
export function lineChart(id: string, label: string, points: Point[]): HTMLElement {
  const { min, max } = scale(
    points.map((p) => p.value),
    false,
  );
  const desc = points.length
    ? `${points.length} days from ${points[0]!.date} to ${points[points.length - 1]!.date}; lowest ${fmt(min)}, highest ${fmt(max)}, last ${fmt(points[points.length - 1]!.value)}.`
    : 'No data yet.';
  const svg = frame(id, label, desc, min, max, points);
  const coords = points.map((p, i) => `${xOf(i, points.length).toFixed(2)},${yOf(p.value, min, max).toFixed(2)}`).join(' ');
  svg.append(s('polyline', { points: coords, class: 'line', fill: 'none' }));
  return h('figure', {}, h('figcaption', {}, label), svg, dataTable(label, points, `${id}-table`));
}

/** Daily P&L: one bar per day from the zero line, up for gains, down for losses (also hatched, so sign reads without colour). */
export function barChart(id: string, label: string, points: Point[]): HTMLElement {
  const { min, max } = scale(
    points.map((p) => p.value),
    true,
  );
  const desc = points.length ? `${points.length} daily bars; largest gain ${fmt(max)}, largest loss ${fmt(min)}. Gains are solid bars above the zero line, losses hatched bars below it.` : 'No data yet.';
  const svg = frame(id, label, desc, min, max, points);
  const defs = s('defs', {}, s('pattern', { id: `${id}-hatch`, width: 4, height: 4, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' }, s('rect', { width: 2, height: 4, class: 'hatch' })));
  svg.append(defs);
  const zero = yOf(0, min, max);
  svg.append(s('line', { x1: CHART.left, x2: CHART.width - CHART.right, y1: zero, y2: zero, class: 'zero' }));
  const w = Math.max(1, (CHART.width - CHART.left - CHART.right) / Math.max(points.length, 1) - 1);
  points.forEach((p, i) => {
    const y = yOf(p.value, min, max);
    const x = xOf(i, points.length) - w / 2;
    svg.append(
      s('rect', {
        x: x.toFixed(2),
        y: Math.min(y, zero).toFixed(2),
        width: w.toFixed(2),
        height: Math.abs(zero - y).toFixed(2),
        class: p.value >= 0 ? 'gain' : 'loss',
        ...(p.value < 0 ? { fill: `url(#${id}-hatch)` } : {}),
        'data-date': p.date,
        'data-value': p.value,
      }),
    );
  });
  return h('figure', {}, h('figcaption', {}, label), svg, dataTable(label, points, `${id}-table`));
}
