/**
 * A chart of a query result: one module that takes a result ({columns, rows}, as the
 * adapters' QueryResult: columns [{name, type}], rows as arrays) and a chart spec ({mark: bar |
 * line | area | scatter, x, y, color, aggregate: none | sum | avg | count | min | max}, the
 * `chart:` of analyses/*.yml, src/compiler/manifest.ts ChartSpec) and draws it. The analysis
 * pages draw with it, and so can any page holding a result (the Explore page's results).
 *
 * Drawn by uPlot (vendor/uplot.js), on canvas: 100,000 points redraw in tens of milliseconds,
 * where SVG libraries (Vega, Observable Plot) make one DOM node per mark. The spec is the
 * declarative part; prepare() turns it into uPlot's aligned columns. Project text (column names,
 * category values) reaches the canvas only through fillText and the page through textContent:
 * never as HTML. No network, no eval (the site's Content-Security-Policy allows neither).
 */
(function (dpf) {
  'use strict';

  const MARKS = ['bar', 'line', 'area', 'scatter'];
  const AGGREGATES = ['none', 'sum', 'avg', 'count', 'min', 'max'];
  const PALETTE = ['#1d4ed8', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#be185d', '#4d7c0f', '#475569'];
  /** More colour values than this are drawn as the first ones and "other". */
  const MAX_SERIES = PALETTE.length;
  const WIDTH = 760;
  const HEIGHT = 320;

  const columnIndex = (result, name) => {
    if (!name) return -1;
    const exact = result.columns.findIndex((c) => c.name === name);
    return exact >= 0 ? exact : result.columns.findIndex((c) => c.name.toLowerCase() === String(name).toLowerCase());
  };

  const DATE_TYPE = /^(date|timestamp|time with|timestamptz|datetime)/i;
  const NUMBER_TYPE = /^(tinyint|smallint|integer|int|bigint|hugeint|ubigint|uinteger|usmallint|utinyint|uhugeint|decimal|numeric|double|float|real)/i;
  const ISO_DATE = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

  /** How the x column is scaled: time, number, or category; from its type, else its values. */
  function scaleOf(result, index) {
    const type = (result.columns[index] && result.columns[index].type) || '';
    if (DATE_TYPE.test(type)) return 'time';
    if (NUMBER_TYPE.test(type)) return 'number';
    let seen = 0;
    let dates = 0;
    let numbers = 0;
    for (let i = 0; i < result.rows.length && seen < 200; i++) {
      const v = result.rows[i][index];
      if (v === null || v === undefined) continue;
      seen++;
      if (typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)))) numbers++;
      else if (typeof v === 'string' && ISO_DATE.test(v)) dates++;
    }
    if (seen > 0 && dates === seen) return 'time';
    if (seen > 0 && numbers === seen) return 'number';
    return 'category';
  }

  const toNumber = (v) => {
    if (v === null || v === undefined || v === '') return null;
    const n = typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : Number(v);
    return Number.isFinite(n) ? n : null;
  };
  const toTime = (v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'number') return v;
    const text = String(v);
    const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text.replace(' ', 'T'));
    return Number.isFinite(t) ? t / 1000 : null;
  };

  /** What is wrong with a spec for this result, in words; empty when it can be drawn. */
  function problemsOf(result, spec) {
    const out = [];
    if (!spec || !MARKS.includes(spec.mark)) out.push(`mark must be one of ${MARKS.join(', ')}`);
    const aggregate = (spec && spec.aggregate) || 'none';
    if (!AGGREGATES.includes(aggregate)) out.push(`aggregate must be one of ${AGGREGATES.join(', ')}`);
    if (!spec) return out;
    if (columnIndex(result, spec.x) < 0) out.push(`x: the result has no column "${spec.x}"`);
    if (spec.y !== undefined && spec.y !== null && spec.y !== '' && columnIndex(result, spec.y) < 0) out.push(`y: the result has no column "${spec.y}"`);
    if ((spec.y === undefined || spec.y === null || spec.y === '') && aggregate !== 'count') out.push('y: name a column, or count rows with aggregate count');
    if (spec.color && columnIndex(result, spec.color) < 0) out.push(`color: the result has no column "${spec.color}"`);
    return out;
  }

  function reducer(aggregate) {
    switch (aggregate) {
      case 'sum':
        return { start: () => [0, 0], add: (a, v) => { if (v !== null) { a[0] += v; a[1]++; } }, end: (a) => (a[1] ? a[0] : null) };
      case 'avg':
        return { start: () => [0, 0], add: (a, v) => { if (v !== null) { a[0] += v; a[1]++; } }, end: (a) => (a[1] ? a[0] / a[1] : null) };
      case 'count':
        return { start: () => [0], add: (a) => { a[0]++; }, end: (a) => a[0] };
      case 'min':
        return { start: () => [null], add: (a, v) => { if (v !== null && (a[0] === null || v < a[0])) a[0] = v; }, end: (a) => a[0] };
      case 'max':
        return { start: () => [null], add: (a, v) => { if (v !== null && (a[0] === null || v > a[0])) a[0] = v; }, end: (a) => a[0] };
      default:
        return null;
    }
  }

  /**
   * The spec applied to the result: uPlot's aligned data. Returns {scale, xs, labels (category
   * names, by x index), series: [{name, values}], stacked, points} or {problems}.
   */
  function prepare(result, spec) {
    const problems = problemsOf(result, spec);
    if (problems.length > 0) return { problems };
    const xi = columnIndex(result, spec.x);
    const yi = spec.y ? columnIndex(result, spec.y) : -1;
    const ci = spec.color ? columnIndex(result, spec.color) : -1;
    const aggregate = spec.aggregate || 'none';
    const scale = scaleOf(result, xi);
    const rows = result.rows;

    // x as a number: time in seconds, a number, or a category's position in order of appearance.
    const labels = [];
    const categories = new Map();
    // Dates repeat: each distinct text is parsed once.
    const times = new Map();
    const xOf =
      scale === 'time'
        ? (v) => {
            let t = times.get(v);
            if (t === undefined) {
              t = toTime(v);
              times.set(v, t);
            }
            return t;
          }
        : scale === 'number'
          ? (v) => toNumber(v)
          : (v) => {
              const key = v === null || v === undefined ? '(null)' : typeof v === 'object' ? JSON.stringify(v) : String(v);
              let at = categories.get(key);
              if (at === undefined) {
                at = labels.length;
                labels.push(key);
                categories.set(key, at);
              }
              return at;
            };

    // Colour groups, the most frequent first; the rest are "other".
    let groupOf = () => 0;
    let names = [spec.y || 'count'];
    if (ci >= 0) {
      const counts = new Map();
      for (let r = 0; r < rows.length; r++) {
        const v = rows[r][ci];
        const key = v === null || v === undefined ? '(null)' : String(v);
        counts.set(key, (counts.get(key) || 0) + 1);
      }
      const ordered = [...counts.keys()];
      if (ordered.length > MAX_SERIES) ordered.sort((a, b) => counts.get(b) - counts.get(a));
      const kept = ordered.slice(0, ordered.length > MAX_SERIES ? MAX_SERIES - 1 : MAX_SERIES);
      const at = new Map(kept.map((k, i) => [k, i]));
      names = ordered.length > MAX_SERIES ? [...kept, 'other'] : kept;
      const other = kept.length;
      groupOf = (row) => {
        const v = row[ci];
        const i = at.get(v === null || v === undefined ? '(null)' : String(v));
        return i === undefined ? other : i;
      };
    }

    const reduce = reducer(aggregate);
    const xsRaw = new Float64Array(rows.length);
    let valid = 0;
    const order = new Uint32Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const x = xOf(rows[r][xi]);
      if (x === null) continue;
      xsRaw[r] = x;
      order[valid++] = r;
    }
    const used = order.subarray(0, valid);
    if (scale !== 'category') used.sort((a, b) => xsRaw[a] - xsRaw[b]);

    let xs;
    let series;
    if (reduce) {
      // One point per x per series: reduce (or, with aggregate none, the last row's value).
      const slots = new Map();
      const keys = [];
      for (let k = 0; k < used.length; k++) {
        const x = xsRaw[used[k]];
        if (!slots.has(x)) {
          slots.set(x, keys.length);
          keys.push(x);
        }
      }
      const acc = names.map(() => new Array(keys.length));
      for (let k = 0; k < used.length; k++) {
        const row = rows[used[k]];
        const slot = slots.get(xsRaw[used[k]]);
        const g = groupOf(row);
        const y = yi >= 0 ? toNumber(row[yi]) : null;
        if (acc[g][slot] === undefined) acc[g][slot] = reduce.start();
        reduce.add(acc[g][slot], y);
      }
      xs = keys;
      series = names.map((name, g) => ({ name, values: acc[g].map((a) => (a === undefined ? null : reduce.end(a))) }));
      // Fill the holes so that arrays are dense (a sparse slot reads as undefined, not null).
      for (const s of series) for (let i = 0; i < xs.length; i++) if (s.values[i] === undefined) s.values[i] = null;
    } else {
      // Every row a point; with a colour, each series holds its rows' values and null elsewhere.
      xs = new Array(used.length);
      const values = names.map(() => (names.length > 1 ? new Array(used.length).fill(null) : new Array(used.length)));
      for (let k = 0; k < used.length; k++) {
        const row = rows[used[k]];
        xs[k] = xsRaw[used[k]];
        values[names.length > 1 ? groupOf(row) : 0][k] = toNumber(row[yi]);
      }
      series = names.map((name, g) => ({ name, values: values[g] }));
    }
    const stacked = series.length > 1 && (spec.mark === 'bar' || spec.mark === 'area');
    const points = series.reduce((n, s) => n + s.values.filter((v) => v !== null).length, 0);
    return { scale, xs, labels, series, stacked, points };
  }

  /** Stacked series as drawn: each the sum of itself and the ones below, the top first (drawn behind). */
  function stack(series) {
    const sums = series.map((s) => s.values.slice());
    for (let g = 1; g < sums.length; g++) {
      for (let i = 0; i < sums[g].length; i++) {
        const below = sums[g - 1][i];
        if (below !== null) sums[g][i] = (sums[g][i] === null ? 0 : sums[g][i]) + below;
      }
    }
    return series.map((s, g) => ({ name: s.name, values: sums[g], colour: PALETTE[g % PALETTE.length] })).reverse();
  }

  const formatNumber = (v) => (Math.abs(v) >= 1e6 ? `${+(v / 1e6).toPrecision(3)}M` : Math.abs(v) >= 1e4 ? `${+(v / 1e3).toPrecision(3)}k` : String(+v.toPrecision(4)));

  function uplotOptions(prepared, spec, width, height) {
    const U = window.uPlot;
    const drawn = prepared.stacked ? stack(prepared.series) : prepared.series.map((s, g) => ({ ...s, colour: PALETTE[g % PALETTE.length] }));
    const seriesOpts = drawn.map((s, i) => {
      const base = { label: `series ${i + 1}`, stroke: s.colour, width: 2, spanGaps: spec.mark !== 'bar' };
      switch (spec.mark) {
        case 'bar':
          return { ...base, width: 0, fill: s.colour, paths: U.paths.bars({ size: [prepared.stacked || drawn.length === 1 ? 0.7 : 0.7 / drawn.length, 80], align: 0 }), points: { show: false } };
        case 'area':
          return { ...base, fill: `${s.colour}55`, points: { show: false } };
        case 'scatter':
          return { ...base, width: 0, paths: () => null, points: { show: true, size: prepared.points > 20000 ? 3 : 6, width: 0, fill: `${s.colour}aa`, stroke: s.colour } };
        default:
          return { ...base, points: { show: prepared.xs.length <= 60 } };
      }
    });
    const category = prepared.scale === 'category';
    const n = prepared.xs.length;
    const xAxis = { stroke: '#5f6b7a', grid: { stroke: '#eef0f3' } };
    if (category) {
      const every = Math.max(1, Math.ceil(n / Math.max(1, Math.floor(width / 70))));
      xAxis.splits = () => prepared.xs.filter((x) => x % every === 0);
      xAxis.values = (u, splits) => splits.map((v) => {
        const label = prepared.labels[v] === undefined ? '' : prepared.labels[v];
        return label.length > 14 ? `${label.slice(0, 13)}…` : label;
      });
    } else if (prepared.scale === 'number') {
      xAxis.values = (u, splits) => splits.map(formatNumber);
    }
    return {
      options: {
        width,
        height,
        legend: { show: false },
        cursor: { drag: { x: true, y: false }, points: { show: spec.mark !== 'scatter' || prepared.points <= 20000 } },
        scales: {
          x: category ? { time: false, range: () => [-0.5, n - 0.5] } : { time: prepared.scale === 'time' },
          y: { range: (u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : max < 0 ? 0 : 1] },
        },
        axes: [xAxis, { stroke: '#5f6b7a', grid: { stroke: '#eef0f3' }, size: 64, values: (u, ticks) => ticks.map(formatNumber) }],
        series: [{}, ...seriesOpts],
      },
      data: [prepared.xs, ...drawn.map((s) => s.values)],
      drawn,
    };
  }

  /**
   * Draws result with spec into a new element (a <figure>): the chart, a legend of its series
   * and a line saying what was drawn. Returns {el, redraw(spec) -> ms, destroy(), prepared}.
   */
  function render(result, spec, opts) {
    const options = opts || {};
    const { h, mount } = dpf.dom;
    const el = h('figure', { class: 'result-chart' });
    const plot = h('div', { class: 'result-chart-plot' });
    const legend = h('div', { class: 'result-chart-legend' });
    const note = h('figcaption', { class: 'muted small' });
    el.append(plot, legend, note);
    let chart = null;
    const chartApi = {
      el,
      prepared: null,
      /** Draws spec; returns the milliseconds it took (prepare + draw). */
      redraw(next) {
        const started = performance.now();
        spec = next;
        const prepared = prepare(result, spec);
        chartApi.prepared = prepared;
        if (chart) {
          chart.destroy();
          chart = null;
        }
        plot.textContent = '';
        if (prepared.problems) {
          el.dataset.marks = '0';
          el.dataset.state = 'invalid';
          mount(legend);
          mount(note, `Cannot draw this chart: ${prepared.problems.join('; ')}.`);
          return performance.now() - started;
        }
        if (!window.uPlot) {
          mount(note, 'The chart library (vendor/uplot.js) did not load.');
          return performance.now() - started;
        }
        const built = uplotOptions(prepared, spec, options.width || Math.max(320, Math.min(WIDTH, (plot.clientWidth || WIDTH))), options.height || HEIGHT);
        chart = new window.uPlot(built.options, built.data, plot);
        el.dataset.marks = String(prepared.points);
        el.dataset.series = String(prepared.series.length);
        el.dataset.mark = spec.mark;
        el.dataset.state = 'drawn';
        mount(
          legend,
          prepared.series.length > 1 || spec.color
            ? prepared.series.map((s, g) => {
                const swatch = h('span', { class: 'legend-swatch' });
                // Through the CSSOM: the Content-Security-Policy refuses style attributes.
                swatch.style.background = PALETTE[g % PALETTE.length];
                return h('span', { class: 'legend-item' }, swatch, s.name);
              })
            : [],
        );
        const what = (spec.aggregate && spec.aggregate !== 'none' ? `${spec.aggregate} of ${spec.y || 'rows'}` : spec.y) + ` by ${spec.x}` + (spec.color ? `, per ${spec.color}` : '');
        mount(note, `${spec.mark}: ${what} · ${prepared.points.toLocaleString('en-US')} points`);
        return performance.now() - started;
      },
      destroy() {
        if (chart) chart.destroy();
        chart = null;
      },
    };
    chartApi.redraw(spec);
    return chartApi;
  }

  /** A spec to start from for a result: the first column as x, the first numeric other column as y. */
  function suggest(result) {
    const columns = result.columns;
    if (columns.length === 0) return { mark: 'bar', x: '', aggregate: 'count' };
    const x = columns[0].name;
    const numeric = columns.slice(1).find((c, i) => scaleOf(result, i + 1) === 'number');
    const scale = scaleOf(result, 0);
    const mark = scale === 'time' ? 'line' : scale === 'number' ? 'scatter' : 'bar';
    return numeric ? { mark, x, y: numeric.name, aggregate: scale === 'category' ? 'sum' : 'none' } : { mark: 'bar', x, aggregate: 'count' };
  }

  /** The spec as the `chart:` block of an analyses/*.yml. */
  function toYaml(spec) {
    const quote = (v) => (/^[A-Za-z_][A-Za-z0-9_ ]*$/.test(v) && !/^(true|false|null|yes|no|on|off)$/i.test(v) ? v : JSON.stringify(v));
    const lines = ['chart:', `  mark: ${spec.mark}`, `  x: ${quote(spec.x)}`];
    if (spec.y) lines.push(`  y: ${quote(spec.y)}`);
    if (spec.color) lines.push(`  color: ${quote(spec.color)}`);
    if (spec.aggregate && spec.aggregate !== 'none') lines.push(`  aggregate: ${spec.aggregate}`);
    return lines.join('\n') + '\n';
  }

  dpf.resultChart = { MARKS, AGGREGATES, prepare, render, suggest, toYaml, problemsOf };
})((window.dpf = window.dpf || {}));
