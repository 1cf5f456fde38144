/**
 * The Personal data page (#/personal-data?kind=): every column that carries personal data,
 * declared or through column lineage, with its level, where it was declared and the path it
 * came by; columns declassified with their reasons; models whose columns could not be traced;
 * the PII scanner's latest findings (SiteIndex.piiScan), classified or not; and
 * classifications.yml's levels and kinds with their readers. Data: SiteIndex.governance and
 * data/governance.js (GovernanceData in src/docs-site/site-data.ts), every value as text.
 */
(function (dpf) {
  'use strict';

  const { h } = dpf.dom;

  function rulesTables(g) {
    const c = dpf.classification;
    return [
      h('h2', null, 'Levels'),
      h('div', { class: 'table-wrap' },
        h('table', { class: 'data', id: 'cls-levels' },
          h('thead', null, h('tr', null, ['level', 'description', 'who can read it'].map((t) => h('th', null, t)))),
          h('tbody', null, g.levels.map((l, i) => h('tr', null, h('td', null, c.levelBadge(i)), h('td', null, l.d || ''), h('td', null, c.readersText(l.r))))),
        ),
      ),
      g.pii.length
        ? [
            h('h2', null, 'Kinds of personal data'),
            h('div', { class: 'table-wrap' },
              h('table', { class: 'data', id: 'cls-kinds' },
                h('thead', null, h('tr', null, ['kind', 'description', 'at least', 'masked outside production', 'who can read it'].map((t) => h('th', null, t)))),
                h('tbody', null, g.pii.map((p) => h('tr', null, h('td', null, c.piiBadge(p.n)), h('td', null, p.d || ''), h('td', null, c.levelBadge(p.l)), h('td', null, p.m || '–'), h('td', null, p.r.length ? p.r.join(', ') : 'as its level')))),
              ),
            ),
          ]
        : null,
    ];
  }

  function columnsTable(rows) {
    const c = dpf.classification;
    const store = dpf.store;
    if (!rows.length) return h('p', { class: 'muted', id: 'personal-none' }, 'No column carries this kind of personal data.');
    return h('div', { class: 'table-wrap' },
      h('table', { class: 'data', id: 'personal-columns' },
        h('thead', null, h('tr', null, ['column', 'kind', 'level', 'declared in'].map((t) => h('th', null, t)))),
        h('tbody', null, rows.map((r) => {
          const self = c.columnName(r);
          const origin = r.via && r.via.length ? c.columnLink(r.via[r.via.length - 1]) : h('span', { class: 'muted' }, r.d ? 'here' : '–');
          return h('tr', { dataset: { column: self } },
            h('td', null, h('span', { class: `badge k-${store.node(r.n).k}` }, store.node(r.n).k), ' ', c.columnLink(r)),
            h('td', null, r.p.map(c.piiBadge)),
            h('td', null, r.l !== undefined ? c.levelBadge(r.l) : ''),
            h('td', null, origin, r.via && r.via.length ? h('div', { class: 'muted small cls-path-text' }, c.pathText(self, r.via)) : null),
          );
        })),
      ),
    );
  }

  /** The PII scanner's latest findings (SiteIndex.piiScan): where it found personal data, and whether a classification covers it. */
  function scanSection(scan) {
    if (!scan) return null;
    const c = dpf.classification;
    const store = dpf.store;
    const unclassified = scan.findings.filter((f) => f.st === 'new').length;
    return [
      h('h2', null, `Found by the PII scanner (${scan.findings.length})`),
      h('p', { class: 'muted', id: 'pii-scan-summary' },
        `The latest dpf scan pii of ${scan.relations} relation${scan.relations === 1 ? '' : 's'}${scan.at ? `, newest ${dpf.format.when(scan.at)}` : ''}: ${unclassified} column${unclassified === 1 ? '' : 's'} not classified. Categories and counts only; sampled values are never stored.`),
      scan.findings.length
        ? h('div', { class: 'table-wrap' },
            h('table', { class: 'data', id: 'pii-scan-findings' },
              h('thead', null, h('tr', null, ['column', 'found', 'confidence', 'status', 'classified as'].map((t) => h('th', null, t)))),
              h('tbody', null, scan.findings.map((f) => h('tr', { dataset: { column: c.columnName(f), status: f.st } },
                h('td', null, h('span', { class: `badge k-${store.node(f.n).k}` }, store.node(f.n).k), ' ', c.columnLink(f)),
                h('td', null, c.piiBadge(f.cat)),
                h('td', null, String(f.cf)),
                h('td', { class: f.st === 'new' || f.st === 'mismatch' ? 'warn' : null }, c.scanStatusText(f.st)),
                h('td', null, f.cl || '–'),
              ))),
            ),
          )
        : h('p', { class: 'muted' }, 'The scanner found no personal data.'),
    ];
  }

  async function render(main, params) {
    const { mount } = dpf.dom;
    const store = dpf.store;
    const g = store.index.governance;
    const page = (...children) => mount(main, h('article', { class: 'page', id: 'personal-data-page' }, h('h1', null, 'Personal data'), ...children));
    if (!g) return page(h('p', { class: 'notice' }, 'This project is not classified. Add classifications.yml (docs/governance.md) and mark columns with pii: or classification:, then run dpf docs generate.'), scanSection(store.index.piiScan));
    const data = await dpf.dom.loadInto(main, 'Loading the classified columns…', () => store.governance());
    if (!data) return;
    const kind = params.get('kind') || '';
    const personal = data.columns.filter((r) => r.p.length && r.x === undefined);
    const shown = kind ? personal.filter((r) => r.p.includes(kind)) : personal;
    const declassified = data.columns.filter((r) => r.x !== undefined);
    const select = h('select', { id: 'personal-kind', onchange: () => (location.hash = `#/personal-data${select.value ? `?${new URLSearchParams({ kind: select.value })}` : ''}`) },
      h('option', { value: '' }, 'every kind'),
      g.pii.map((p) => h('option', { value: p.n, selected: p.n === kind }, p.n)),
    );
    page(
      h('p', { class: 'muted' }, 'Columns that hold personal data, declared in YAML or carried from one through column lineage, as the last compile classified them.'),
      h('div', { class: 'filters' }, h('label', null, 'Kind', select)),
      h('h2', null, `Columns (${shown.length})`),
      columnsTable(shown),
      declassified.length
        ? [
            h('h2', null, `Declassified (${declassified.length})`),
            h('ul', { class: 'plain-list', id: 'declassified' }, declassified.map((r) => h('li', null, dpf.classification.columnLink(r), h('span', { class: 'why cls-reason' }, r.x)))),
          ]
        : null,
      g.untraced.length
        ? [
            h('h2', null, 'Not traced column by column'),
            h('p', { class: 'muted small' }, 'Every column of these models carries the highest classification of their inputs.'),
            h('ul', { class: 'plain-list', id: 'untraced' }, g.untraced.map((i) => h('li', null, h('a', { href: dpf.format.link.node(store.node(i).id) }, store.node(i).n)))),
          ]
        : null,
      scanSection(store.index.piiScan),
      rulesTables(g),
    );
  }

  dpf.personalDataPage = { render };
})((window.dpf = window.dpf || {}));
