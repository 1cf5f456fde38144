/**
 * The lineage pages.
 *
 * #/lineage?select=<selector>&focus=<id>&color=kind|health: the node graph of what a selector
 * selects, in the CLI's syntax (`2+fct_orders+2`, `tag:finance`, `source:web+`). The page's
 * whole state is that selector: the level buttons rewrite the focus term's `N+`/`+N`, a node's
 * "+" adds a `1+name` or `name+1` term. Only the selection is laid out and drawn, at most
 * MAX_NODES nodes (those nearest the focus first), so a 10,000-node project stays smooth.
 * Click a node to focus it, double-click (or Enter) to open its page, click an edge to move
 * the focus to its other end.
 *
 * #/columns/<id>?col=<column>&up=N&down=N: column-level lineage around one model, following
 * each column's upstream and downstream columns through the node details (loaded on demand).
 */
(function (dpf) {
  'use strict';
  const MAX_NODES = 300;
  const MAX_TABLES = 60;
  const { h } = dpf.dom;

  const escapeRe = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  /** The term of the selector that names the focus node, with its depths. */
  function focusTerm(select, name) {
    const terms = select.split(/\s+/).filter(Boolean);
    const re = new RegExp(`^(?:(\\d*)\\+)?${escapeRe(name)}(?:\\+(\\d*))?$`);
    for (let t = 0; t < terms.length; t++) {
      const m = re.exec(terms[t]);
      if (m) {
        const depth = (d, present) => (!present ? 0 : d ? Number(d) : Infinity);
        return { terms, at: t, up: depth(m[1], m[1] !== undefined), down: depth(m[2], m[2] !== undefined) };
      }
    }
    return undefined;
  }

  const termFor = (name, up, down) => `${up ? `${up === Infinity ? '' : up}+` : ''}${name}${down ? `+${down === Infinity ? '' : down}` : ''}`;

  /** Nodes nearest the focus first (BFS both ways), for capping a large selection. */
  function nearest(selected, focus, limit) {
    const store = dpf.store;
    if (focus === undefined || !selected.has(focus)) return [...selected].sort((a, b) => a - b).slice(0, limit);
    const out = [focus];
    const seen = new Set(out);
    for (let k = 0; k < out.length && out.length < limit; k++) {
      const i = out[k];
      for (const j of [...store.node(i).up, ...store.children[i]]) {
        if (selected.has(j) && !seen.has(j) && out.length < limit) {
          seen.add(j);
          out.push(j);
        }
      }
    }
    return out;
  }

  function nodePanel(i, onOpen) {
    const store = dpf.store;
    const f = dpf.format;
    const n = store.node(i);
    const description = h('div', { class: 'small' }, h('span', { class: 'muted' }, '…'));
    store.details(i).then((d) => dpf.dom.mount(description, dpf.markdown.block(d.description))).catch((err) => dpf.dom.mount(description, h('span', { class: 'muted' }, String(err.message || err))));
    return h(
      'div',
      { class: 'graph-side', id: 'graph-focus' },
      h('div', { class: 'badges' }, h('span', { class: `badge k-${n.k}` }, n.k), h('span', { class: `badge h-${n.h}` }, f.HEALTH_LABEL[n.h])),
      h('h3', null, n.n),
      description,
      h('p', { class: 'small muted' }, `${f.plural(n.up.length, 'parent')} · ${f.plural(store.children[i].length, 'child', 'children')}`),
      h('div', { class: 'section-actions' }, h('a', { class: 'btn primary', href: f.link.node(n.id), onclick: onOpen }, 'Open page'), h('a', { class: 'btn', href: f.link.columns(n.id) }, 'Column lineage')),
      h('p', { class: 'small muted' }, 'Click a node to focus it, double-click to open its page, click an edge to follow it. Drag to pan, scroll to zoom.'),
    );
  }

  function legend(color) {
    const f = dpf.format;
    const items = color === 'health' ? Object.entries(f.HEALTH_LABEL) : Object.entries(f.KIND_LABEL);
    return h('div', { class: 'graph-legend' }, items.map(([k, label]) => h('span', null, h('i', { class: `l-${k}` }), label)));
  }

  function renderNodes(main, params) {
    const { mount } = dpf.dom;
    const store = dpf.store;
    const f = dpf.format;
    const index = store.index;
    const focusId = params.get('focus') || '';
    const focus = focusId ? store.byId.get(focusId) : undefined;
    const color = params.get('color') === 'health' ? 'health' : 'kind';
    let select = params.get('select') || '';
    if (!select && focus !== undefined) select = termFor(store.selectorName(focus), 2, 2);
    const go = (changes) => {
      const next = new URLSearchParams(params);
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined || v === '') next.delete(k);
        else next.set(k, v);
      }
      location.hash = `#/lineage?${next.toString()}`;
    };

    const input = h('input', { type: 'text', value: select, 'aria-label': 'Selector', placeholder: 'e.g. +fct_orders+1  tag:finance  source:web+  path:models/marts', spellcheck: 'false', id: 'selector-input' });
    const apply = () => go({ select: input.value.trim(), focus: focusId });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') apply();
    });
    const term = focus !== undefined ? focusTerm(select, store.selectorName(focus)) : undefined;
    const setLevels = (up, down) => {
      if (!term || focus === undefined) return;
      const terms = [...term.terms];
      terms[term.at] = termFor(store.selectorName(focus), up, down);
      go({ select: terms.join(' ') });
    };
    const level = (label, value, onChange, id) =>
      h('span', { class: 'group', title: term ? `${label} levels around ${store.node(focus).n}` : 'Focus a node to change levels' },
        label,
        h('button', { type: 'button', 'aria-label': `fewer ${label.toLowerCase()} levels`, disabled: !term || value === 0 ? 'disabled' : undefined, onclick: () => onChange(value === Infinity ? 3 : Math.max(0, value - 1)), id: `${id}-less` }, '−'),
        h('span', { class: 'level', id: `${id}-level` }, value === Infinity ? 'all' : String(value)),
        h('button', { type: 'button', 'aria-label': `more ${label.toLowerCase()} levels`, disabled: !term || value === Infinity ? 'disabled' : undefined, onclick: () => onChange(value + 1), id: `${id}-more` }, '+'),
      );
    const toolbar = h(
      'div',
      { class: 'graph-toolbar' },
      h('div', { class: 'selector' }, input, h('button', { type: 'button', class: 'btn primary', onclick: apply }, 'Show')),
      level('Upstream', term ? term.up : 0, (v) => setLevels(v, term.down), 'up'),
      level('Downstream', term ? term.down : 0, (v) => setLevels(term.up, v), 'down'),
      h('label', { class: 'group' }, 'Colour', h('select', { onchange: (e) => go({ color: e.target.value === 'health' ? 'health' : '' }), 'aria-label': 'Colour by' },
        h('option', { value: 'kind' }, 'by kind'), h('option', { value: 'health', selected: color === 'health' ? 'selected' : undefined }, 'by status'))),
    );
    const message = h('div', { class: 'graph-message', id: 'graph-message', role: 'status' });
    const frame = h('div', { class: 'graph-frame tall', id: 'lineage-graph' });
    const side = focus !== undefined ? nodePanel(focus) : h('div', { class: 'graph-side' }, h('h3', null, 'Selectors'),
      h('p', { class: 'small' }, 'The same syntax as dpf ls --select:'),
      h('ul', { class: 'plain-list small' }, ['fct_orders', '+fct_orders', 'stg_orders+', '2+fct_orders+1', 'tag:finance', 'path:models/marts', 'source:web+', 'resource_type:seed', 'config.materialized:table', 'tag:core,+fct_orders', 'stg_* dim_customers'].map((x) => h('li', null, h('a', { href: f.link.lineage({ select: x }) }, h('code', null, x))))),
      h('p', { class: 'small muted' }, 'Space means or, comma means and. state:, result: and source_status: need the command line.'));
    mount(main, h('div', { class: 'page wide', id: 'lineage-page' }, h('h1', null, focus !== undefined ? `Lineage of ${store.node(focus).n}` : 'Lineage'), toolbar, message, h('div', { class: 'graph-layout' }, frame, side)));

    let selected;
    if (index.nodes.length === 0) {
      message.textContent = 'This project has no models yet. Add one, a .sql file in models/ (for example models/my_first_model.sql with select 1 as id), then run dpf docs generate again to see it here.';
      return;
    }
    if (!select) {
      if (index.nodes.length > MAX_NODES) {
        message.textContent = `This project has ${f.number(index.nodes.length)} nodes: type a selector above, or open the lineage of a node from its page.`;
        return;
      }
      selected = new Set(index.nodes.map((_, i) => i));
    } else {
      try {
        selected = window.dpfSelect.select(index, select);
      } catch (err) {
        message.textContent = String(err.message || err);
        message.classList.add('error');
        return;
      }
    }
    if (selected.size === 0) {
      message.textContent = `Nothing matches ${select}.`;
      return;
    }
    const shown = nearest(selected, focus, MAX_NODES);
    const visible = new Set(shown);
    message.textContent =
      shown.length < selected.size
        ? `${f.number(selected.size)} nodes selected; showing the ${f.number(shown.length)} ${focus !== undefined ? 'nearest the focus' : 'first'}. Narrow the selector to see the rest.`
        : `${f.plural(shown.length, 'node')}.`;
    requestAnimationFrame(() => {
      const canvas = dpf.canvas.createCanvas(frame);
      frame.appendChild(legend(color));
      const refocus = (j) => go({ focus: store.node(j).id, select: termFor(store.selectorName(j), term ? Math.min(term.up, 9) || 2 : 2, term ? Math.min(term.down, 9) || 2 : 2) });
      const layout = dpf.nodeGraph.render(canvas, {
        nodes: shown,
        focus,
        color,
        hiddenUp: (i) => store.node(i).up.some((p) => !visible.has(p)),
        hiddenDown: (i) => store.children[i].some((c) => !visible.has(c)),
        onNodeClick: refocus,
        onNodeOpen: (j) => (location.hash = f.link.node(store.node(j).id)),
        onExpand: (j, direction) => go({ select: `${select} ${direction === 'up' ? `1+${store.selectorName(j)}` : `${store.selectorName(j)}+1`}` }),
        onEdgeClick: (a, b) => refocus(focus === b ? a : b),
      });
      if (focus !== undefined && shown.length > 40) {
        const p = layout.positions(focus);
        if (p) canvas.centerOn(p.x, p.y, 0.9);
      }
      frame.dataset.nodes = String(layout.count);
      frame.dataset.edges = String(layout.edges);
    });
  }

  // ---------------------------------------------------------------- column lineage

  async function renderColumns(main, i, params) {
    const { mount } = dpf.dom;
    const store = dpf.store;
    const f = dpf.format;
    const node = store.node(i);
    const column = params.get('col') || '';
    const up = Math.max(0, Math.min(9, Number(params.get('up') ?? 3)));
    const down = Math.max(0, Math.min(9, Number(params.get('down') ?? 1)));
    const go = (changes) => {
      const next = new URLSearchParams(params);
      for (const [k, v] of Object.entries(changes)) {
        if (v === undefined || v === '') next.delete(k);
        else next.set(k, String(v));
      }
      location.hash = `#/columns/${encodeURIComponent(node.id)}?${next.toString()}`;
    };
    mount(main, h('div', { class: 'page' }, h('p', { class: 'loading' }, `Tracing the columns of ${node.n}…`)));
    let details;
    try {
      details = await store.details(i);
    } catch (err) {
      mount(main, h('div', { class: 'page' }, h('p', { class: 'notice bad' }, String(err.message || err))));
      return;
    }
    const key = (n, c) => `${n}\u0000${c.toLowerCase()}`;
    const tables = new Map(); // node -> Map(lower column -> name)
    const add = (n, c) => {
      const cols = tables.get(n) || new Map();
      tables.set(n, cols);
      if (!cols.has(c.toLowerCase())) cols.set(c.toLowerCase(), c);
    };
    const edges = new Map();
    const start = details.columns.filter((c) => !column || c.name.toLowerCase() === column.toLowerCase());
    start.forEach((c) => add(i, c.name));
    let truncated = false;
    const columnOf = async (n, c) => {
      const d = await store.details(n);
      return d.columns.find((x) => x.name.toLowerCase() === c.toLowerCase());
    };
    const walk = async (direction, depth) => {
      let frontier = start.map((c) => ({ n: i, c: c.name }));
      const seen = new Set(frontier.map((x) => key(x.n, x.c)));
      for (let level = 0; level < depth && frontier.length; level++) {
        const next = [];
        for (const x of frontier) {
          const col = x.n === i ? details.columns.find((c) => c.name === x.c) : await columnOf(x.n, x.c);
          for (const ref of (direction === 'up' ? col?.up : col?.down) || []) {
            if (!tables.has(ref.n) && tables.size >= MAX_TABLES) {
              truncated = true;
              continue;
            }
            add(ref.n, ref.c);
            const e = direction === 'up' ? { from: ref, to: { n: x.n, c: x.c } } : { from: { n: x.n, c: x.c }, to: ref };
            edges.set(`${key(e.from.n, e.from.c)}>${key(e.to.n, e.to.c)}`, e);
            if (!seen.has(key(ref.n, ref.c))) {
              seen.add(key(ref.n, ref.c));
              next.push({ n: ref.n, c: ref.c });
            }
          }
        }
        frontier = next;
      }
    };
    try {
      await walk('up', up);
      await walk('down', down);
    } catch (err) {
      mount(main, h('div', { class: 'page' }, h('p', { class: 'notice bad' }, String(err.message || err))));
      return;
    }
    const lineage = details.lineage;
    const counter = (label, value, onChange, id) =>
      h('span', { class: 'group' }, label,
        h('button', { type: 'button', disabled: value === 0 ? 'disabled' : undefined, onclick: () => onChange(value - 1), 'aria-label': `fewer ${label.toLowerCase()} levels`, id: `${id}-less` }, '−'),
        h('span', { class: 'level', id: `${id}-level` }, String(value)),
        h('button', { type: 'button', disabled: value >= 9 ? 'disabled' : undefined, onclick: () => onChange(value + 1), 'aria-label': `more ${label.toLowerCase()} levels`, id: `${id}-more` }, '+'));
    const frame = h('div', { class: 'graph-frame tall', id: 'column-graph' });
    mount(
      main,
      h('div', { class: 'page wide', id: 'column-lineage-page' },
        h('div', { class: 'crumbs' }, h('a', { href: f.link.node(node.id) }, `← ${node.n}`), h('span', null, '·'), h('a', { href: f.link.lineage({ select: `2+${store.selectorName(i)}+2`, focus: node.id }) }, 'node lineage')),
        h('h1', null, `Column lineage of ${node.n}${column ? `.${column}` : ''}`),
        h('div', { class: 'graph-toolbar' },
          h('label', { class: 'group' }, 'Column',
            h('select', { 'aria-label': 'Column', id: 'column-select', onchange: (e) => go({ col: e.target.value }) },
              h('option', { value: '' }, 'all columns'),
              details.columns.map((c) => h('option', { value: c.name, selected: c.name === column ? 'selected' : undefined }, c.name)))),
          counter('Upstream', up, (v) => go({ up: v }), 'col-up'),
          counter('Downstream', down, (v) => go({ down: v }), 'col-down'),
        ),
        lineage?.status === 'unparsed' ? h('p', { class: 'notice warn' }, `The SQL of ${node.n} could not be parsed, so its columns have no upstream here. ${lineage.reason || ''}`) : null,
        lineage?.status === 'partial' ? h('p', { class: 'notice' }, `Partly traced: ${lineage.reason || ''}`) : null,
        h('div', { class: 'graph-message', role: 'status' },
          `${f.plural(tables.size, 'relation')}, ${f.plural(edges.size, 'column edge')}.${truncated ? ` Only the first ${MAX_TABLES} relations are shown.` : ''} Click a column to follow it; click a relation's name to centre on it.`),
        frame,
      ),
    );
    requestAnimationFrame(() => {
      const canvas = dpf.canvas.createCanvas(frame);
      dpf.columnGraph.render(canvas, {
        tables: [...tables].map(([n, cols]) => ({ node: n, columns: [...cols.values()] })),
        edges: [...edges.values()],
        focus: i,
        selected: column ? { n: i, c: column } : undefined,
        onColumnClick: (n, c) => (location.hash = `#/columns/${encodeURIComponent(store.node(n).id)}?col=${encodeURIComponent(c)}`),
        onTableClick: (n) => (location.hash = f.link.columns(store.node(n).id)),
      });
    });
  }

  dpf.lineagePage = { renderNodes, renderColumns, focusTerm };
})((window.dpf = window.dpf || {}));
