/**
 * A node's page: what it is (description, owner, tags, materialization, relation), whether it
 * can be trusted (last run, tests, row count, size, freshness), its columns with types, tests,
 * column lineage and profiles, its SQL, and its neighbours in the lineage graph. In a classified
 * project (classifications.yml), its access, who can read it and each column's classification.
 */
(function (dpf) {
  'use strict';

  const { h } = dpf.dom;

  function fact(label, value, note) {
    return h('div', { class: 'fact' }, h('div', { class: 'fact-label' }, label), h('div', { class: 'fact-value' }, value), note ? h('div', { class: 'fact-note' }, note) : null);
  }

  function columnRefLink(ref) {
    const n = dpf.store.node(ref.n);
    return h('a', { href: dpf.format.link.node(n.id, ref.c), title: `${n.n}.${ref.c} (${n.k})`, dataset: { column: `${n.n}.${ref.c}` } }, `${n.n}.${ref.c}`);
  }

  /** The column's profile as numbers and a small histogram or top-values chart. */
  function profileCell(p) {
    const { s } = dpf.dom;
    const f = dpf.format;
    if (!p) return h('td', { class: 'profile' });
    if (p.error && p.rowCount === 0) return h('td', { class: 'profile' }, h('span', { class: 'muted', title: p.error }, 'profile failed'));
    const nullPct = p.rowCount ? (100 * p.nullCount) / p.rowCount : 0;
    const lines = [h('div', null, `${nullPct.toFixed(nullPct && nullPct < 1 ? 1 : 0)}% null`, p.distinct !== undefined ? ` · ${f.number(p.distinct)} distinct` : '')];
    if (p.valuesHidden === 'pii') {
      lines.push(h('div', { class: 'muted small', title: 'marked as personal data (pii) in YAML: profiled by counts only' }, 'values hidden: personal data'));
    }
    if (p.histogram) {
      const max = Math.max(1, ...p.histogram.counts);
      const w = 168;
      const bw = w / p.histogram.counts.length;
      const svg = s('svg', { width: w, height: 30, viewBox: `0 0 ${w} 30`, role: 'img', 'aria-label': `histogram from ${p.histogram.min} to ${p.histogram.max}` },
        p.histogram.counts.map((c, i) => {
          const bh = c ? Math.max(1.5, (28 * c) / max) : 0;
          return s('rect', { class: 'bar', x: i * bw + 0.5, y: 30 - bh, width: bw - 1, height: bh }, s('title', null, f.number(c)));
        }),
      );
      lines.push(svg, h('div', { class: 'top' }, h('span', null, f.decimal(p.histogram.min)), h('span', null, `mean ${f.decimal(p.mean)}`), h('span', null, f.decimal(p.histogram.max))));
    } else if (p.top && p.top.length) {
      const max = Math.max(1, ...p.top.map((t) => t.count));
      const w = 168;
      lines.push(
        s('svg', { width: w, height: p.top.length * 7, viewBox: `0 0 ${w} ${p.top.length * 7}`, role: 'img', 'aria-label': 'most frequent values' },
          p.top.map((t, i) => s('rect', { class: 'bar', x: 0, y: i * 7, width: Math.max(2, (w * t.count) / max), height: 5 }, s('title', null, `${t.value}: ${f.number(t.count)}`))),
        ),
        ...p.top.slice(0, 3).map((t) => h('div', { class: 'top' }, h('span', { title: t.value }, t.value), h('span', null, f.number(t.count)))),
      );
      if (p.min !== undefined) lines.push(h('div', null, `${p.min} … ${p.max}`));
    } else if (p.min !== undefined) {
      lines.push(h('div', null, `${p.min} … ${p.max}`));
    }
    return h('td', { class: 'profile' }, lines);
  }

  function classificationCell(node, c) {
    return h('td', { class: 'cls-cell' },
      c.cls ? dpf.classification.badges(c.cls, `${node.k === 'source' ? `${node.sn}.` : ''}${node.n}.${c.name}`) : null,
      c.scan ? dpf.classification.scanNote(c.scan) : null,
    );
  }

  function columnsTable(node, details, highlight) {
    const hasProfiles = details.columns.some((c) => c.profile);
    // A classified project, or a column the PII scanner found personal data in.
    const classified = !!details.governance || details.columns.some((c) => c.scan);
    const lineage = details.lineage;
    const unresolved = new Set((lineage?.unresolved || []).map((c) => c.toLowerCase()));
    const lineageCell = (c) => {
      const parts = [];
      if (c.up && c.up.length) parts.push(h('div', { class: 'upstream' }, c.up.map((r) => h('div', null, h('span', { class: 'arrow', 'aria-hidden': 'true' }, '←'), columnRefLink(r)))));
      else if (lineage && lineage.status === 'unparsed') parts.push(h('span', { class: 'muted' }, 'not parsed'));
      else if (unresolved.has(c.name.toLowerCase())) parts.push(h('span', { class: 'muted', title: lineage?.reason || '' }, 'could not be traced'));
      else if (details.rawSql && c.up) parts.push(h('span', { class: 'muted', title: 'No column of a ref or source goes into it (a constant or a computed value).' }, 'no upstream column'));
      if (c.down && c.down.length) {
        parts.push(
          h('details', { class: 'downstream' },
            h('summary', null, `→ used by ${c.down.length}`),
            c.down.map((r) => h('div', null, h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'), columnRefLink(r))),
          ),
        );
      }
      return h('td', { class: 'lineage-cell' }, parts);
    };
    const rows = details.columns.map((c) =>
      h(
        'tr',
        { id: `col-${c.name}`, class: highlight && c.name.toLowerCase() === highlight.toLowerCase() ? 'highlight' : '', dataset: { column: c.name } },
        h('td', null, h('div', { class: 'col-name' }, c.name), c.type ? h('div', { class: 'col-type' }, c.type) : null, c.origin === 'warehouse' ? h('div', { class: 'origin-note' }, 'not documented') : c.origin === 'sql' ? h('div', { class: 'origin-note' }, 'from the SQL') : null),
        h('td', { class: 'col-desc' }, c.description ? dpf.markdown.render(c.description) : h('span', { class: 'empty' }, '—'),
          c.tags.length ? h('div', { class: 'badges' }, c.tags.map((t) => h('span', { class: 'badge tag' }, t))) : null,
          Object.keys(c.meta || {}).length ? h('div', { class: 'muted small' }, Object.entries(c.meta).map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(' · ')) : null),
        h('td', null, h('div', { class: 'col-tests' }, c.tests.map((t) => h('span', { class: `badge s-${t.status || 'none'}`, title: `${t.name}${t.status ? `: ${t.status}` : ''}${t.failures ? ` (${t.failures} failing rows)` : ''}` }, t.test)))),
        classified ? classificationCell(node, c) : null,
        lineageCell(c),
        hasProfiles ? profileCell(c.profile) : null,
      ),
    );
    const notes = [];
    if (lineage?.status === 'unparsed') notes.push(h('p', { class: 'notice warn', id: 'lineage-unparsed' }, `Column lineage is not available for this model: its SQL could not be parsed. ${lineage.reason || ''}`));
    else if (lineage?.status === 'partial') notes.push(h('p', { class: 'notice', id: 'lineage-partial' }, `Column lineage is partial: ${lineage.reason || ''}`));
    if (details.governance?.untraced) {
      notes.push(h('p', { class: 'notice warn', id: 'cls-untraced' }, 'dpf could not trace this model column by column, so every column carries the highest classification of its inputs. Declassify a column in its YAML (declassify:, with a reason) if it no longer identifies anyone.'));
    }
    return [
      notes,
      details.columns.length === 0
        ? h('p', { class: 'empty' }, 'No columns known: document them in YAML, or build the model and generate the site without --empty-catalog.')
        : h('div', { class: 'table-wrap' },
            h('table', { class: 'data columns', id: 'columns' },
              h('thead', null, h('tr', null, h('th', null, 'Column'), h('th', null, 'Description'), h('th', null, 'Tests'), classified ? h('th', null, 'Classification') : null, h('th', null, 'Lineage'), hasProfiles ? h('th', null, 'Profile') : null)),
              h('tbody', null, rows),
            ),
          ),
    ];
  }

  function testsTable(details) {
    if (!details.tests.length) return h('p', { class: 'empty' }, 'No tests. Add data_tests in YAML to check this data on every build.');
    return h('div', { class: 'table-wrap' },
      h('table', { class: 'data', id: 'tests' },
        h('thead', null, h('tr', null, h('th', null, 'Test'), h('th', null, 'Kind'), h('th', null, 'Column'), h('th', null, 'Last result'), h('th', { class: 'numeric' }, 'Failing rows'))),
        h('tbody', null, details.tests.map((t) =>
          h('tr', null,
            h('td', null, h('div', { class: 'col-name' }, t.name), t.description ? h('div', { class: 'muted small' }, t.description) : null),
            h('td', null, t.type, t.severity === 'warn' ? h('span', { class: 'muted small' }, ' (warn)') : null),
            h('td', null, t.column ? h('code', null, t.column) : '—'),
            h('td', null, t.status ? h('span', { class: `badge s-${t.status}` }, t.status) : h('span', { class: 'muted' }, 'not run'), t.executionTime !== undefined ? h('span', { class: 'muted small' }, ` ${dpf.format.duration(t.executionTime)}`) : null),
            h('td', { class: 'numeric' }, t.failures !== undefined ? dpf.format.number(t.failures) : '—'),
          ),
        )),
      ),
    );
  }

  function sqlBox(details) {
    const tabs = [];
    if (details.compiledSql) tabs.push(['Compiled', details.compiledSql]);
    if (details.rawSql) tabs.push(['Source', details.rawSql]);
    if (!tabs.length) return null;
    const pre = h('pre', { class: 'hljs', id: 'sql' });
    const code = h('code', { class: 'language-sql' });
    pre.appendChild(code);
    let current = 0;
    const show = (i) => {
      current = i;
      // highlight.js escapes the SQL it is given; its output is safe to insert as HTML.
      code.innerHTML = window.hljs.highlight(tabs[i][1], { language: 'sql', ignoreIllegals: true }).value;
      buttons.forEach((b, j) => b.setAttribute('aria-selected', j === i ? 'true' : 'false'));
    };
    const buttons = tabs.map(([label], i) => h('button', { type: 'button', role: 'tab', onclick: () => show(i) }, label));
    const copy = h('button', { type: 'button', class: 'copy', onclick: async () => {
      try {
        await navigator.clipboard.writeText(tabs[current][1]);
        copy.textContent = 'Copied';
      } catch {
        // Clipboard access needs a secure context; fall back to selecting the text.
        const range = document.createRange();
        range.selectNodeContents(code);
        const sel = window.getSelection();
        sel?.removeAllRanges();
        sel?.addRange(range);
        copy.textContent = 'Selected: press Ctrl+C';
      }
      setTimeout(() => (copy.textContent = 'Copy'), 1800);
    } }, 'Copy');
    const box = h('div', { class: 'sql-box' }, h('div', { class: 'sql-tabs', role: 'tablist' }, buttons, copy), pre);
    show(0);
    return box;
  }

  function neighbours(i) {
    const store = dpf.store;
    const list = (ids) =>
      ids.length
        ? h('ul', { class: 'plain-list' }, ids.slice(0, 50).map((j) => {
            const n = store.node(j);
            return h('li', null, h('span', { class: `badge k-${n.k}` }, n.k), h('a', { href: dpf.format.link.node(n.id) }, n.n));
          }), ids.length > 50 ? h('li', { class: 'muted' }, `and ${ids.length - 50} more`) : null)
        : h('p', { class: 'empty' }, 'None.');
    return h('div', { class: 'grid-2' },
      h('div', { class: 'panel', id: 'upstream' }, h('h3', null, `Upstream (${store.node(i).up.length})`), list(store.node(i).up)),
      h('div', { class: 'panel', id: 'downstream' }, h('h3', null, `Downstream (${store.children[i].length})`), list(store.children[i])),
    );
  }

  function miniGraph(i) {
    const store = dpf.store;
    const frame = h('div', { class: 'graph-frame short', id: 'mini-graph' });
    requestAnimationFrame(() => {
      const ids = new Set([i, ...store.node(i).up, ...store.children[i]]);
      const nodes = [...ids].slice(0, 120);
      const canvas = dpf.canvas.createCanvas(frame);
      dpf.nodeGraph.render(canvas, {
        nodes,
        focus: i,
        color: 'kind',
        onNodeClick: (j) => (location.hash = dpf.format.link.node(store.node(j).id)),
        onNodeOpen: (j) => (location.hash = dpf.format.link.node(store.node(j).id)),
        onEdgeClick: (a, b) => (location.hash = dpf.format.link.node(store.node(a === i ? b : a).id)),
        fitMax: 1,
      });
    });
    return frame;
  }

  const RESOURCE_FORMAT = {
    cpu_ms: (v) => dpf.format.duration(v / 1000),
    peak_memory_bytes: (v) => dpf.format.bytes(v),
    bytes_scanned: (v) => dpf.format.bytes(v),
    bytes_written: (v) => dpf.format.bytes(v),
    storage_bytes: (v) => dpf.format.bytes(v),
  };

  /**
   * The node's last runs from the history (NodeHistory): duration and rows with the monitor's
   * expected band, test pass rate, schema changes, and cost and resources when recorded.
   */
  function historySection(details) {
    const hist = details.history;
    const f = dpf.format;
    const charts = dpf.charts;
    if (!hist) return null;
    const parts = [];
    parts.push(charts.series({ id: 'chart-duration', title: 'Duration', times: hist.t, values: hist.d, rows: hist.r, band: hist.dBand, format: (v) => f.duration(v), note: hist.dBand ? 'shaded: what the duration monitor expected' : undefined }));
    if (hist.rows) {
      parts.push(charts.series({ id: 'chart-rows', title: hist.rowsFrom === 'table_stats' ? 'Rows in the table' : 'Rows written', times: hist.t, values: hist.rows, rows: hist.r, band: hist.rowsBand, format: (v) => f.number(v), note: hist.rowsBand ? 'shaded: what the volume monitor expected' : undefined }));
    }
    if (hist.tests) {
      const rate = hist.tests.pass.map((p, k) => (hist.tests.total[k] ? (100 * p) / hist.tests.total[k] : null));
      parts.push(charts.series({ id: 'chart-tests', title: 'Tests passing', times: hist.tests.t, values: rate, rows: hist.tests.r, format: (v) => `${Math.round(v)}%`, note: `${hist.tests.pass[hist.tests.pass.length - 1]} of ${hist.tests.total[hist.tests.total.length - 1]} in the last run` }));
    }
    for (const [name, values] of Object.entries(hist.res || {})) {
      if (!values.some((v) => v !== null)) continue;
      const format = RESOURCE_FORMAT[name] || ((v) => f.decimal(v));
      parts.push(charts.series({ id: `chart-res-${name}`, title: name.replace(/_/g, ' '), times: hist.t, values, rows: hist.r, format }));
    }
    const schema = hist.schema || [];
    return [
      h('h2', null, `History (last ${f.plural(hist.t.length, 'run')})`),
      h('div', { class: 'statuses', id: 'run-statuses', title: 'Its status in each run, oldest first' }, hist.s.map((st, k) => h('span', { class: `badge s-${st}`, title: `${f.when(new Date(hist.t[k]).toISOString())} · run ${hist.r[k].slice(0, 8)}` }, st))),
      h('div', { class: 'charts', id: 'history' }, parts),
      h('h3', null, 'Schema changes'),
      schema.length
        ? h('ul', { id: 'schema-changes' }, schema.map((c) => h('li', null, h('span', { class: 'muted small' }, `${f.when(new Date(c.t).toISOString())} · run ${c.r.slice(0, 8)}: `), c.change)))
        : h('p', { class: 'muted small', id: 'schema-changes' }, 'None recorded in these runs.'),
    ];
  }

  /** Access, classification and "who can read this" (NodeGovernance), in a classified project. */
  function governanceFacts(g) {
    if (!g) return null;
    const c = dpf.classification;
    const ACCESS = { public: 'for business users and partners: never personal data', protected: 'the project\'s users (the default)' };
    return [
      g.access ? fact('Access', h('span', { class: `badge access-${g.access}`, id: 'access' }, g.access), ACCESS[g.access]) : null,
      fact('Classification', g.l !== undefined ? c.levelBadge(g.l) : h('span', { class: 'muted' }, 'unclassified'), g.l !== undefined ? 'its most sensitive column' : undefined),
      h('div', { class: 'fact', id: 'readers' },
        h('div', { class: 'fact-label' }, 'Who can read this'),
        h('div', { class: 'fact-value' }, g.readers.length ? g.readers.map((r, k) => [k ? ', ' : '', h('span', { class: 'reader' }, r)]) : 'anyone in the project'),
        g.rules.length ? h('div', { class: 'fact-note' }, `by classifications.yml: ${g.rules.join(', ')}`) : null,
      ),
    ];
  }

  /** What has rows to preview: relations in the warehouse, not tests or ephemeral models. */
  const previewable = (node) => ['model', 'seed', 'snapshot', 'source'].includes(node.k) && node.m !== 'ephemeral';

  async function render(main, i, params) {
    const { mount } = dpf.dom;
    const f = dpf.format;
    const store = dpf.store;
    const node = store.node(i);
    const details = await dpf.dom.loadInto(main, `Loading ${node.n}…`, () => store.details(i));
    if (!details || store.node(i) !== node) return;
    const highlight = params.get('col') || '';
    const cat = details.catalog;
    const built = cat ? (cat.type === 'missing' ? 'not built yet' : cat.type) : node.m === 'ephemeral' ? 'ephemeral (inlined, not built)' : undefined;
    const facts = [
      fact('Relation', h('code', null, details.relation)),
      built ? fact('In the warehouse', built, cat?.error ? `could not read everything: ${cat.error}` : undefined) : null,
      cat && cat.rowCount !== undefined ? fact('Rows', f.number(cat.rowCount)) : details.seedRows !== undefined ? fact('Rows', f.number(details.seedRows), 'in the CSV file') : null,
      cat && cat.sizeBytes !== undefined ? fact('Size', f.bytes(cat.sizeBytes)) : null,
      details.run ? fact('Last run', h('span', null, h('span', { class: `badge s-${details.run.status}` }, details.run.status), ` in ${f.duration(details.run.executionTime)}`), details.run.completedAt ? `${f.when(details.run.completedAt)} · ${details.run.message}` : details.run.message) : fact('Last run', h('span', { class: 'muted' }, 'not in the last run')),
      details.owner ? fact('Owner', h('a', { href: f.link.search({ owner: details.owner }) }, details.owner)) : null,
      governanceFacts(details.governance),
      details.source?.freshness ? fact('Freshness', h('span', { class: `badge s-${details.source.freshness.status.replace(' ', '-')}` }, details.source.freshness.status),
        [details.source.freshness.ageSeconds !== undefined ? `loaded ${f.age(details.source.freshness.ageSeconds)} ago` : '', details.source.freshness.warnAfter ? `warn after ${details.source.freshness.warnAfter}` : '', details.source.freshness.errorAfter ? `error after ${details.source.freshness.errorAfter}` : ''].filter(Boolean).join(' · ')) : null,
      details.source?.externalLocation ? fact('Files', h('code', null, details.source.externalLocation)) : null,
      fact('Defined in', h('code', null, details.path), details.patchPath && details.patchPath !== details.path ? `described in ${details.patchPath}` : undefined),
    ];
    const config = Object.entries(details.config || {}).filter(([k]) => k !== 'materialized');
    const meta = Object.entries(details.meta || {}).filter(([k]) => k !== 'owner');
    mount(
      main,
      h(
        'article',
        { class: 'page', id: 'node-page', dataset: { id: node.id } },
        h('div', { class: 'crumbs' }, h('span', { class: `badge k-${node.k}` }, node.k), node.k === 'source' ? `source ${node.sn}` : details.path),
        h('div', { class: 'title-row' }, h('h1', null, node.n), h('span', { class: `badge h-${node.h}`, title: 'From the last run, its tests and freshness' }, f.healthLabel(node))),
        previewable(node) ? h('div', { class: 'section-actions' }, h('a', { class: 'btn', id: 'preview-node', href: `#/explore?preview=${encodeURIComponent(node.id)}`, title: 'Its first 100 rows on the Explore page (needs dpf docs serve)' }, 'Preview rows')) : null,
        h('div', { class: 'badges' },
          node.m && node.k !== 'seed' ? h('span', { class: 'badge' }, node.m) : null,
          details.tags.map((t) => h('a', { class: 'badge tag', href: f.link.search({ tag: t }) }, `#${t}`)),
        ),
        h('div', { class: 'description', id: 'description' }, dpf.markdown.block(details.description)),
        details.source && details.source.sourceDescription ? h('div', { class: 'description muted small' }, h('strong', null, `Source ${details.source.sourceName}: `), dpf.markdown.render(details.source.sourceDescription)) : null,
        h('div', { class: 'facts' }, facts),
        historySection(details),
        h('h2', null, `Columns (${details.columns.length})`),
        h('div', { class: 'section-actions' }, h('a', { class: 'btn', href: f.link.columns(node.id) }, 'Column lineage graph')),
        columnsTable(node, details, highlight),
        h('h2', null, `Tests (${details.tests.length})`),
        testsTable(details),
        h('h2', null, 'Lineage'),
        h('div', { class: 'section-actions' },
          h('a', { class: 'btn', href: f.link.lineage({ focus: node.id }), id: 'open-lineage' }, 'Open the lineage graph'),
          h('a', { class: 'btn', href: f.link.columns(node.id) }, 'Column lineage graph'),
        ),
        miniGraph(i),
        neighbours(i),
        details.rawSql || details.compiledSql ? [h('h2', null, 'SQL'), sqlBox(details)] : null,
        config.length || meta.length
          ? [h('h2', null, 'Config and meta'), h('dl', { class: 'kv panel' }, [...config, ...meta].map(([k, v]) => [h('dt', null, k), h('dd', null, typeof v === 'string' ? v : JSON.stringify(v))]))]
          : null,
      ),
    );
    if (highlight) {
      const row = main.querySelector(`tr[data-column="${CSS.escape(highlight)}"]`);
      if (row) row.scrollIntoView({ block: 'center' });
    }
  }

  dpf.nodePage = { render };
})((window.dpf = window.dpf || {}));
