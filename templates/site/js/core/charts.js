/**
 * History charts: one series over runs, drawn by uPlot (vendor/uplot.js, a canvas chart
 * library bundled into the site), with the monitor's expected band shaded when it is known.
 * Every chart carries its values as a table too (in a <details>), for screen readers, copying
 * and tests: the canvas is pixels, the table is the same points as text. Labels reach uPlot
 * only as fixed words of this file, never as project text.
 */
(function (dpf) {
  'use strict';

  const { h } = dpf.dom;
  const COLORS = { line: '#1d4ed8', band: 'rgba(21, 128, 61, 0.14)', bandEdge: 'rgba(21, 128, 61, 0.55)', bad: '#b91c1c' };
  const WIDTH = 620;
  const HEIGHT = 170;

  /**
   * opts: { id, title, times: epoch ms[], values: (number|null)[], format: (v) => string,
   *         band?: [low[], high[]], rows?: label per point (run ids), note? }
   * Returns an element: the chart, then its values.
   */
  function series(opts) {
    const { times, values, band, format } = opts;
    const el = h('figure', { class: 'chart', id: opts.id, dataset: { points: values.length, band: band ? 1 : 0 } });
    el.appendChild(h('figcaption', null, opts.title, opts.note ? h('span', { class: 'muted small' }, ` · ${opts.note}`) : null));
    const plot = h('div', { class: 'chart-plot' });
    el.appendChild(plot);
    if (window.uPlot && values.length > 0) {
      const xs = times.map((t) => t / 1000);
      const data = [xs, values];
      const seriesOpts = [{}, { label: 'value', stroke: COLORS.line, width: 2, spanGaps: true, points: { show: true, size: 6, fill: COLORS.line } }];
      let bands;
      if (band) {
        data.push(band[0], band[1]);
        seriesOpts.push(
          { label: 'expected low', stroke: COLORS.bandEdge, width: 1, dash: [4, 4], spanGaps: true, points: { show: false } },
          { label: 'expected high', stroke: COLORS.bandEdge, width: 1, dash: [4, 4], spanGaps: true, points: { show: false } },
        );
        bands = [{ series: [3, 2], fill: COLORS.band }];
      }
      try {
        // eslint-disable-next-line no-new
        new window.uPlot(
          {
            width: WIDTH,
            height: HEIGHT,
            legend: { show: false },
            cursor: { drag: { x: false, y: false } },
            scales: { x: { time: true }, y: { range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.1 : 1] } },
            axes: [{ stroke: '#5f6b7a', grid: { stroke: '#eef0f3' } }, { stroke: '#5f6b7a', grid: { stroke: '#eef0f3' }, size: 64, values: (u, ticks) => ticks.map(format) }],
            series: seriesOpts,
            ...(bands ? { bands } : {}),
          },
          data,
          plot,
        );
      } catch (err) {
        plot.appendChild(h('p', { class: 'notice warn' }, `The chart could not be drawn: ${err.message}`));
      }
    }
    const labels = opts.rows || times.map(() => '');
    el.appendChild(
      h('details', { class: 'chart-values' },
        h('summary', null, `Values (${values.length})`),
        h('table', { class: 'data small' },
          h('thead', null, h('tr', null, h('th', null, 'when'), h('th', null, 'run'), h('th', null, 'value'), band ? h('th', null, 'expected') : null)),
          h('tbody', null, values.map((v, i) => {
            const low = band ? band[0][i] : null;
            const high = band ? band[1][i] : null;
            const outside = v !== null && ((low !== null && v < low) || (high !== null && v > high));
            return h('tr', { class: outside ? 'outside' : null },
              h('td', null, dpf.format.when(new Date(times[i]).toISOString())),
              h('td', null, h('code', null, String(labels[i] || '').slice(0, 8))),
              h('td', null, v === null ? '–' : format(v)),
              band ? h('td', null, low === null && high === null ? '–' : `${low === null ? '…' : format(low)} – ${high === null ? '…' : format(high)}`) : null,
            );
          })),
        ),
      ),
    );
    return el;
  }

  dpf.charts = { series };
})((window.dpf = window.dpf || {}));
