/**
 * A run's Gantt timeline as plain SVG: one lane per worker thread, one bar per step from its
 * start to its end (RunTimeline in src/docs-site/site-data.ts), the critical path outlined.
 * Names are SVG text nodes and <title>s, never markup.
 */
(function (dpf) {
  'use strict';

  const { s } = dpf.dom;
  const WIDTH = 1000;
  const GUTTER = 78;
  const LANE = 26;
  const AXIS = 24;

  function ticks(spanMs) {
    const steps = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 30000, 60000, 120000, 300000, 600000, 1800000, 3600000];
    const step = steps.find((x) => spanMs / x <= 8) || Math.ceil(spanMs / 8);
    const out = [];
    for (let t = 0; t <= spanMs; t += step) out.push(t);
    return out;
  }

  /** timeline: RunTimeline; linkOf(bar) → href or undefined. */
  function render(timeline, linkOf) {
    const lanes = new Map(timeline.threads.map((th, i) => [th, i]));
    const height = AXIS + timeline.threads.length * LANE + 6;
    const scale = (WIDTH - GUTTER - 10) / timeline.spanMs;
    const x = (ms) => GUTTER + ms * scale;
    const f = dpf.format;
    const svg = s('svg', { class: 'gantt', id: 'gantt', viewBox: `0 0 ${WIDTH} ${height}`, width: '100%', role: 'img', 'aria-label': `Timeline of ${timeline.bars.length} steps on ${timeline.threads.length} threads` });
    for (const t of ticks(timeline.spanMs)) {
      svg.appendChild(s('line', { class: 'gantt-tick', x1: x(t), x2: x(t), y1: AXIS - 4, y2: height }));
      svg.appendChild(s('text', { class: 'gantt-tick-label', x: x(t), y: AXIS - 8, 'text-anchor': 'middle' }, f.duration(t / 1000)));
    }
    timeline.threads.forEach((th, i) => {
      svg.appendChild(s('text', { class: 'gantt-lane-label', x: 6, y: AXIS + i * LANE + LANE / 2 + 4 }, th === 0 ? 'no thread' : `thread ${th}`));
    });
    for (const bar of timeline.bars) {
      const y = AXIS + lanes.get(bar.th) * LANE + 3;
      const w = Math.max(2, (bar.b - bar.a) * scale);
      const label = `${bar.n} (${bar.k}, ${bar.s}): ${f.duration((bar.b - bar.a) / 1000)}, from ${f.duration(bar.a / 1000)}${bar.cp ? ' · critical path' : ''}`;
      const group = s('g', { class: ['gantt-bar', `s-${bar.s}`, `k-${bar.k}`, bar.cp ? 'cp' : ''], dataset: { id: bar.id } },
        s('title', null, label),
        s('rect', { x: x(bar.a), y, width: w, height: LANE - 6, rx: 3 }),
        w > 48 ? s('text', { x: x(bar.a) + 4, y: y + LANE / 2 + 1, class: 'gantt-bar-label' }, bar.n.length * 6.5 > w - 8 ? `${bar.n.slice(0, Math.max(1, Math.floor((w - 8) / 6.5) - 1))}…` : bar.n) : null,
      );
      const href = linkOf(bar);
      svg.appendChild(href ? s('a', { href }, group) : group);
    }
    return svg;
  }

  dpf.gantt = { render };
})((window.dpf = window.dpf || {}));
