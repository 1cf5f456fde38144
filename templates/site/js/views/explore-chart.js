/**
 * What the Explore page shows under a result: a chart of it (dpf.resultChart) with the chart
 * builder (dpf.chartBuilder), redrawn as the builder changes, and "Save as analysis", which
 * sends the query and the chart to `dpf docs serve` (POST /api/analyses,
 * src/server/save-analysis.ts) to become analyses/<name>.yml in the project. Everything the
 * user types and the server answers goes in as text (dpf.dom.h), never HTML.
 *
 *   const section = dpf.exploreChart.create(result, api);   main.append(section.el);
 *
 * result: dpf.explorePage.lastResult()'s shape; api(path, init): the page's fetch, with the token.
 */
(function (dpf) {
  'use strict';

  /** The chart spec is kept across results while its columns still exist: re-running a query keeps the chart. */
  let lastSpec = null;

  function fits(spec, result) {
    if (!spec) return false;
    const names = new Set(result.columns.map((c) => c.name));
    return [spec.x, spec.y, spec.color].every((c) => c === undefined || names.has(c));
  }

  function create(result, api) {
    const { h, mount } = dpf.dom;
    if (result.columns.length === 0) return { el: h('div'), destroy: () => undefined };
    const start = fits(lastSpec, result) ? lastSpec : dpf.resultChart.suggest(result);
    const chart = dpf.resultChart.render(result, start);
    chart.el.id = 'explore-chart';
    const builder = dpf.chartBuilder.create(result, start, (spec) => {
      lastSpec = spec;
      chart.redraw(spec);
    });
    builder.el.id = 'explore-chart-builder';

    const input = (id, label, attrs) => h('label', null, h('span', { class: 'muted small' }, label), h('input', { id, type: 'text', autocomplete: 'off', ...attrs }));
    const status = h('div', { id: 'explore-save-status', role: 'status' });
    const form = h('form', { class: 'explore-save-form', id: 'explore-save-form', onsubmit: (e) => { e.preventDefault(); save(); } },
      input('explore-save-name', 'Name (the file analyses/<name>.yml)', { required: true, pattern: '[A-Za-z_][A-Za-z0-9_]*', placeholder: 'revenue_by_month', spellcheck: 'false' }),
      input('explore-save-title', 'Title', { placeholder: 'Revenue by month' }),
      input('explore-save-owner', 'Owner', { placeholder: 'finance@shop.example' }),
      h('label', { class: 'wide' }, h('span', { class: 'muted small' }, 'Description (Markdown)'), h('textarea', { id: 'explore-save-description', rows: 2 })),
      h('label', { class: 'check' }, h('input', { type: 'checkbox', id: 'explore-save-overwrite' }), h('span', { class: 'small' }, 'Replace the file if it exists')),
      h('button', { type: 'submit', class: 'btn primary', id: 'explore-save-button' }, 'Save'),
      status);
    const value = (id) => form.querySelector(`#${id}`).value;

    async function save() {
      const button = form.querySelector('#explore-save-button');
      button.disabled = true;
      mount(status, h('span', { class: 'loading' }, 'Saving…'));
      try {
        const res = await api('analyses', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            name: value('explore-save-name').trim(),
            title: value('explore-save-title').trim() || undefined,
            description: value('explore-save-description').trim() || undefined,
            owner: value('explore-save-owner').trim() || undefined,
            sql: result.sql,
            chart: builder.spec(),
            overwrite: form.querySelector('#explore-save-overwrite').checked,
          }),
        });
        const body = await res.json().catch(() => ({ error: { message: `The server answered ${res.status}.` } }));
        if (!res.ok) {
          const e = res.status === 401 ? { message: 'This server needs the token `dpf docs serve` printed when it started: open the URL it printed (…/?token=…).' } : body.error || {};
          return mount(status, h('div', { class: 'notice bad', id: 'explore-save-error' },
            h('strong', null, e.code ? `${e.code} ${e.title}: ` : ''), e.message || 'Not saved.', e.hint ? h('div', { class: 'small' }, e.hint) : null));
        }
        mount(status, h('div', { class: 'notice', id: 'explore-saved' },
          body.overwritten ? 'Replaced ' : 'Saved as ', h('code', { id: 'explore-saved-file' }, body.file), ' in the project. ',
          body.refs.length ? ['Its relations are named as ', h('code', null, body.refs.join(', ')), ', so it is in the lineage. '] : 'It names no model by ref, so it is not in the lineage. ',
          'Run ', h('code', null, 'dpf docs generate'), ' to publish it in the catalog (this server shows the site as it was generated), and commit the file.'));
      } catch (err) {
        mount(status, h('div', { class: 'notice bad', id: 'explore-save-error' }, `The server could not be reached: ${err.message}`));
      } finally {
        button.disabled = false;
      }
    }

    const el = h('section', { class: 'explore-chart', id: 'explore-chart-section' },
      h('h2', null, 'Chart'),
      builder.el,
      chart.el,
      h('details', { class: 'explore-save', id: 'explore-save' }, h('summary', null, 'Save as analysis'),
        h('p', { class: 'muted small' }, 'Keeps this query and chart in the project as analyses/<name>.yml: a page of the catalog with the chart and its data, for people without a warehouse login.'),
        form));
    return { el, destroy: () => chart.destroy() };
  }

  dpf.exploreChart = { create };
})((window.dpf = window.dpf || {}));
