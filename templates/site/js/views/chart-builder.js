/**
 * The chart builder: controls that make a chart spec ({mark, x, y, color, aggregate}, the
 * `chart:` of analyses/*.yml) from a query result ({columns, rows}). It draws nothing itself:
 * each change calls onChange(spec), and the page redraws with dpf.resultChart. The analysis
 * pages use it as "Change chart"; any page with a result (the Explore page) can too, and save
 * the spec (dpf.resultChart.toYaml gives its YAML).
 *
 *   const builder = dpf.chartBuilder.create(result, spec, (next) => chart.redraw(next));
 *   page.append(builder.el);   builder.spec() is the current spec.
 */
(function (dpf) {
  'use strict';

  const NONE = '';

  /**
   * result: {columns: [{name, type}], rows}; spec: the starting spec (default: dpf.resultChart.suggest);
   * onChange(spec): after every change. Returns {el, spec(), set(spec)}.
   */
  function create(result, spec, onChange) {
    const { h } = dpf.dom;
    const chart = dpf.resultChart;
    let current = { ...(spec || chart.suggest(result)) };
    const names = result.columns.map((c) => c.name);
    const select = (name, label, options, value, optional) => {
      const el = h(
        'select',
        { name, 'aria-label': label },
        optional ? h('option', { value: NONE }, optional) : null,
        options.map((o) => h('option', { value: o }, o)),
      );
      el.value = value === undefined || value === null ? NONE : value;
      return el;
    };
    const controls = {
      mark: select('mark', 'Mark', chart.MARKS, current.mark),
      x: select('x', 'X axis', names, current.x),
      y: select('y', 'Y axis', names, current.y, '(none: count rows)'),
      color: select('color', 'Colour', names, current.color, '(none)'),
      aggregate: select('aggregate', 'Aggregation', chart.AGGREGATES, current.aggregate || 'none'),
    };
    const yaml = h('pre', { class: 'chart-builder-yaml small' });
    const el = h(
      'form',
      { class: 'chart-builder', onsubmit: (e) => e.preventDefault() },
      ['mark', 'x', 'y', 'color', 'aggregate'].map((key) => h('label', null, h('span', { class: 'muted small' }, { mark: 'Mark', x: 'X', y: 'Y', color: 'Colour', aggregate: 'Aggregate' }[key]), controls[key])),
      h('details', { class: 'chart-builder-spec' }, h('summary', { class: 'small' }, 'As YAML (the chart: of an analysis)'), yaml),
    );

    const read = () => {
      const next = { mark: controls.mark.value, x: controls.x.value, aggregate: controls.aggregate.value };
      if (controls.y.value !== NONE) next.y = controls.y.value;
      if (controls.color.value !== NONE) next.color = controls.color.value;
      // Without y only a count can be drawn.
      if (next.y === undefined && next.aggregate !== 'count') {
        next.aggregate = 'count';
        controls.aggregate.value = 'count';
      }
      return next;
    };
    const changed = () => {
      current = read();
      yaml.textContent = chart.toYaml(current);
      if (onChange) onChange({ ...current });
    };
    Object.values(controls).forEach((c) => c.addEventListener('change', changed));
    yaml.textContent = chart.toYaml(current);
    return {
      el,
      spec: () => ({ ...current }),
      set(next) {
        current = { ...next };
        for (const key of Object.keys(controls)) controls[key].value = current[key] === undefined ? (key === 'aggregate' ? 'none' : NONE) : current[key];
        yaml.textContent = chart.toYaml(current);
      },
    };
  }

  dpf.chartBuilder = { create };
})((window.dpf = window.dpf || {}));
