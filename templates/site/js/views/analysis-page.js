/**
 * Analyses (analyses/*.yml, docs/analyses.md): the list (#/analyses) and each analysis's page
 * (#/analysis/<unique id>): its title, description, owner, chart, and the snapshot of its
 * result taken when the site was generated (data/analyses/<i>.js; personal data masked), with
 * "Change chart" (dpf.chartBuilder) to look at the same rows another way, and its SQL.
 * Everything works from the static files: no server, no warehouse.
 */
(function (dpf) {
  'use strict';

  /** Table rows drawn at once; the rest behind "Show more". */
  const TABLE_PAGE = 200;

  const analyses = () => (dpf.store.index && dpf.store.index.analyses) || [];

  function list(main) {
    const { h, mount } = dpf.dom;
    const items = analyses();
    mount(
      main,
      h('div', { class: 'page', id: 'analyses-page' },
        h('h1', null, 'Analyses'),
        h('p', { class: 'muted' }, 'Questions answered with a query and a chart, kept in the project (analyses/*.yml). Each page shows the data as it was when this catalog was generated.'),
        items.length === 0
          ? h('p', { class: 'empty' }, 'This project has no analyses yet. Add one as analyses/<name>.yml (docs/analyses.md).')
          : h('ul', { class: 'analysis-list' }, items.map((a) =>
              h('li', null,
                h('a', { href: `#/analysis/${encodeURIComponent(a.id)}` }, a.title),
                a.mark ? h('span', { class: 'badge' }, a.mark) : null,
                a.owner ? h('span', { class: 'muted small' }, ` · ${a.owner}`) : null,
                a.summary ? h('div', { class: 'muted small' }, a.summary) : null,
              ))),
      ),
    );
  }

  function table(snapshot) {
    const { h } = dpf.dom;
    const body = h('tbody');
    let shown = 0;
    const more = h('button', { type: 'button', class: 'more' });
    const cell = (v, masked) => {
      if (v === null || v === undefined) return h('td', { class: 'null' }, 'null');
      const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
      return h('td', { class: [typeof v === 'number' || /^-?\d+(\.\d+)?$/.test(text) ? 'numeric' : null, masked ? 'masked' : null] }, text);
    };
    const showMore = () => {
      const end = Math.min(snapshot.rows.length, shown + TABLE_PAGE);
      for (; shown < end; shown++) body.appendChild(h('tr', null, snapshot.rows[shown].map((v, i) => cell(v, snapshot.columns[i].masked))));
      more.hidden = shown >= snapshot.rows.length;
      more.textContent = `Show ${Math.min(TABLE_PAGE, snapshot.rows.length - shown)} more of ${snapshot.rows.length - shown}`;
    };
    more.addEventListener('click', showMore);
    showMore();
    return h('div', { class: 'table-scroll' },
      h('table', { class: 'data small', id: 'snapshot-table' },
        h('thead', null, h('tr', null, snapshot.columns.map((c) => h('th', { title: c.type || '' }, c.name, c.masked ? h('span', { class: 'badge pii', title: 'Personal data: masked in this snapshot' }, 'masked') : null)))),
        body),
      more);
  }

  function sqlBlock(title, sql) {
    const { h } = dpf.dom;
    const code = h('code', { class: 'language-sql' });
    // highlight.js escapes the SQL it is given; its output is safe to insert as HTML.
    if (window.hljs) code.innerHTML = window.hljs.highlight(sql, { language: 'sql', ignoreIllegals: true }).value;
    else code.textContent = sql;
    return h('details', { class: 'analysis-sql' }, h('summary', null, title), h('pre', { class: 'hljs' }, code));
  }

  async function render(main, id) {
    const { h, mount } = dpf.dom;
    const store = dpf.store;
    const at = analyses().findIndex((a) => a.id === id);
    if (at < 0) return false;
    const entry = analyses()[at];
    const data = await dpf.dom.loadInto(main, `Loading ${entry.title}…`, () => store.analysis(at));
    if (!data) return true;
    const snapshot = data.snapshot;
    const reads = (data.up || []).map((i) => store.node(i)).filter(Boolean);
    const chartBox = h('div', { class: 'analysis-chart', id: 'analysis-chart' });
    let chart = null;
    let builder = null;
    if (snapshot && data.chart) {
      chart = dpf.resultChart.render(snapshot, data.chart);
      chartBox.appendChild(chart.el);
    } else if (snapshot && snapshot.rows.length > 0) {
      chartBox.appendChild(h('p', { class: 'muted' }, 'This analysis names no chart: pick one below.'));
    }
    if (snapshot && snapshot.columns.length > 0) {
      builder = dpf.chartBuilder.create(snapshot, data.chart || dpf.resultChart.suggest(snapshot), (spec) => {
        if (chart) chart.redraw(spec);
        else {
          chartBox.textContent = '';
          chart = dpf.resultChart.render(snapshot, spec);
          chartBox.appendChild(chart.el);
        }
      });
    }
    mount(
      main,
      h('div', { class: 'page analysis-page', id: 'analysis-page' },
        h('p', { class: 'muted small' }, h('a', { href: '#/analyses' }, 'Analyses'), ' / ', h('code', null, data.file)),
        h('h1', { id: 'analysis-title' }, data.title),
        h('p', { class: 'meta-line' },
          h('span', { class: 'badge k-analysis' }, 'analysis'),
          data.owner ? h('span', null, ' Owner: ', h('strong', { id: 'analysis-owner' }, data.owner)) : null,
          data.tags && data.tags.length ? h('span', { class: 'muted' }, ` · ${data.tags.join(', ')}`) : null),
        h('div', { class: 'description', id: 'analysis-description' }, dpf.markdown.block(data.description, 'No description.')),
        data.warnings && data.warnings.length ? h('div', { class: 'notice warn' }, data.warnings.map((w) => h('p', null, w))) : null,
        data.error ? h('p', { class: 'notice bad', id: 'analysis-error' }, data.error) : null,
        chartBox,
        builder ? h('details', { class: 'chart-builder-box', id: 'change-chart' }, h('summary', null, 'Change chart'), builder.el) : null,
        h('h2', null, 'Data'),
        snapshot
          ? h('p', { class: 'muted small', id: 'snapshot-note' },
              `${snapshot.rows.length.toLocaleString('en-US')} rows${snapshot.truncated ? ` (the first ${snapshot.rows.length.toLocaleString('en-US')}: the result has more)` : ''}, taken ${dpf.format.when(data.takenAt)} from ${store.index.project.targetName}.`,
              snapshot.columns.some((c) => c.masked) ? ' Columns holding personal data are masked.' : '')
          : h('p', { class: 'muted' }, data.error ? 'No snapshot: its query failed when the site was generated.' : 'No snapshot: the site was generated without the warehouse (--empty-catalog).'),
        snapshot ? table(snapshot) : null,
        reads.length ? h('h2', null, 'Reads') : null,
        reads.length ? h('ul', { class: 'reads' }, reads.map((n) => h('li', null, h('span', { class: `badge k-${n.k}` }, n.k), ' ', h('a', { href: dpf.format.link.node(n.id) }, n.n)))) : null,
        h('h2', null, 'SQL'),
        sqlBlock('As written', data.sql),
        data.compiledSql ? sqlBlock('Compiled', data.compiledSql) : null,
      ),
    );
    return true;
  }

  dpf.analysisPage = { list, render };
})((window.dpf = window.dpf || {}));
