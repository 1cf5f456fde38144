/**
 * The lineage pages.
 *
 * #/lineage?select=<selector>&focus=<id>&color=kind|health: the node graph of what a selector
 * selects, in the CLI's syntax (`2+fct_orders+2`, `tag:finance`, `source:web+`). The page's
 * whole state is that selector (plus `near=<up>:<down>:<id>` terms for nodes whose names the
 * syntax cannot hold): the level buttons rewrite the focus term's `N+`/`+N`, a node's "+"
 * adds a level to that node's term, or a `1+name` or `name+1` term. Only the selection is
 * laid out and drawn, at most MAX_NODES nodes (those nearest the focus first), so a
 * 10,000-node project stays smooth. Click a node to focus it, double-click (or Enter) to open
 * its page, click an edge to move the focus to its other end.
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

  const depthOf = (d, present) => (!present ? 0 : d ? Number(d) : Infinity);

  /**
   * The terms of the selector that name a node (`N+name+M`), merged: their positions and the
   * deepest levels each way (`2+x x+1` shows x two up and one down).
   */
  function focusTerm(select, name) {
    const terms = select.split(/\s+/).filter(Boolean);
    const re = new RegExp(`^(?:(\\d*)\\+)?${escapeRe(name)}(?:\\+(\\d*))?$`);
    let found;
    terms.forEach((t, k) => {
      const m = re.exec(t);
      if (!m) return;
      const up = depthOf(m[1], m[1] !== undefined);
      const down = depthOf(m[2], m[2] !== undefined);
      found = found ? { terms, at: [...found.at, k], up: Math.max(found.up, up), down: Math.max(found.down, down) } : { terms, at: [k], up, down };
    });
    return found;
  }

  const termFor = (name, up, down) => `${up ? `${up === Infinity ? '' : up}+` : ''}${name}${down ? `+${down === Infinity ? '' : down}` : ''}`;

  /*
   * The graph's selection is the selector text plus `near` terms: nodes by id with their levels
   * (`near=2:2:<id>` in the URL), for names the selector syntax cannot hold (a space, a comma
   * or a "+": store.selectorName is undefined). Every other node is named in the text, so
   * that what the box shows runs unchanged in `dpf ls --select`.
   */
  const levelText = (d) => (d === Infinity ? 'all' : String(d));
  const nearText = (x) => `${levelText(x.up)}:${levelText(x.down)}:${x.id}`;
  function readNear(params) {
    const level = (t) => (t === 'all' ? Infinity : Number(t));
    return params.getAll('near').flatMap((v) => {
      const m = /^(\d+|all):(\d+|all):(.+)$/.exec(v);
      return m ? [{ id: m[3], up: level(m[1]), down: level(m[2]) }] : [];
    });
  }

  /** Node j's levels in the selection ({up, down}, merged over its terms), or undefined when no term names it. */
  function levelsOf(state, j) {
    const name = dpf.store.selectorName(j);
    return name !== undefined ? focusTerm(state.select, name) : state.near.find((x) => x.id === dpf.store.node(j).id);
  }

  /** The selection with one term for node j at these levels, where its first term was (else at the end). */
  function withLevels(state, j, up, down) {
    const store = dpf.store;
    const name = store.selectorName(j);
    if (name !== undefined) {
      const term = termFor(name, up, down);
      const t = focusTerm(state.select, name);
      const terms = t ? t.terms.flatMap((x, k) => (k === t.at[0] ? [term] : t.at.includes(k) ? [] : [x])) : [...state.select.split(/\s+/).filter(Boolean), term];
      return { ...state, select: terms.join(' ') };
    }
    const id = store.node(j).id;
    const near = state.near.filter((x) => x.id !== id);
    const at = state.near.findIndex((x) => x.id === id);
    near.splice(at >= 0 ? at : near.length, 0, { id, up, down });
    return { ...state, near };
  }

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
      h('div', { class: 'badges' }, h('span', { class: `badge k-${n.k}` }, n.k), h('span', { class: `badge h-${n.h}` }, f.healthLabel(n))),
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
    let state = { select: params.get('select') || '', near: readNear(params) };
    if (!state.select && !state.near.length && focus !== undefined) state = withLevels(state, focus, 2, 2);
    const go = (changes) => {
      const next = new URLSearchParams(params);
      for (const [k, v] of Object.entries(changes)) {
        next.delete(k);
        for (const x of Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]) next.append(k, x);
      }
      location.hash = `#/lineage?${next.toString()}`;
    };
    const show = (next, changes) => go({ select: next.select, near: next.near.map(nearText), ...changes });

    const input = h('input', { type: 'text', value: state.select, 'aria-label': 'Selector', placeholder: 'e.g. +fct_orders+1  tag:finance  source:web+  path:models/marts', spellcheck: 'false', id: 'selector-input' });
    // A new selector replaces the selection, nodes shown by id included; the same one keeps them.
    const apply = () => show({ select: input.value.trim(), near: input.value.trim() === state.select ? state.near : [] }, { focus: focusId });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') apply();
    });
    const term = focus !== undefined ? levelsOf(state, focus) : undefined;
    const setLevels = (up, down) => show(withLevels(state, focus, up, down));
    const level = (label, value, onChange, id) =>
      h('span', { class: 'group', title: term ? `${label} levels around ${store.node(focus).n}` : 'Focus a node to change levels' },
        label,
        h('button', { type: 'button', 'aria-label': `fewer ${label.toLowerCase()} levels`, disabled: !term || value === 0 ? 'disabled' : undefined, onclick: () => onChange(value === Infinity ? 3 : Math.max(0, value - 1)), id: `${id}-less` }, '−'),
        h('span', { class: 'level', id: `${id}-level` }, levelText(value)),
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
    if (!state.select && !state.near.length) {
      if (index.nodes.length > MAX_NODES) {
        message.textContent = `This project has ${f.number(index.nodes.length)} nodes: type a selector above, or open the lineage of a node from its page.`;
        return;
      }
      selected = new Set(index.nodes.map((_, i) => i));
    } else {
      try {
        selected = window.dpfSelect.select(index, state.select);
        for (const x of state.near) {
          const j = store.byId.get(x.id);
          if (j !== undefined) for (const k of window.dpfSelect.selectAround(index, j, x.up, x.down)) selected.add(k);
        }
      } catch (err) {
        message.textContent = String(err.message || err);
        message.classList.add('error');
        return;
      }
    }
    if (selected.size === 0) {
      message.textContent = `Nothing matches ${state.select || 'the selection'}.`;
      return;
    }
    const shown = nearest(selected, focus, MAX_NODES);
    const visible = new Set(shown);
    const byId = state.near.flatMap((x) => (store.byId.has(x.id) ? [`${store.node(store.byId.get(x.id)).n} (${levelText(x.up)} up, ${levelText(x.down)} down)`] : []));
    message.textContent =
      (shown.length < selected.size
        ? `${f.number(selected.size)} nodes selected; showing the ${f.number(shown.length)} ${focus !== undefined ? 'nearest the focus' : 'first'}. Narrow the selector to see the rest.`
        : `${f.plural(shown.length, 'node')}.`) + (byId.length ? ` Around ${byId.join(', ')}: by id, as the selector syntax cannot hold such names.` : '');
    requestAnimationFrame(() => {
      const canvas = dpf.canvas.createCanvas(frame);
      frame.appendChild(legend(color));
      const refocus = (j) => show(withLevels({ select: '', near: [] }, j, term ? Math.min(term.up, 9) || 2 : 2, term ? Math.min(term.down, 9) || 2 : 2), { focus: store.node(j).id });
      const layout = dpf.nodeGraph.render(canvas, {
        nodes: shown,
        focus,
        color,
        hiddenUp: (i) => store.node(i).up.some((p) => !visible.has(p)),
        hiddenDown: (i) => store.children[i].some((c) => !visible.has(c)),
        onNodeClick: refocus,
        onNodeOpen: (j) => (location.hash = f.link.node(store.node(j).id)),
        // One more level on that side of the node's own term (`2+x` -> `2+x+1`), or a new `1+x` / `x+1`.
        onExpand: (j, direction) => {
          const { up, down } = levelsOf(state, j) || { up: 0, down: 0 };
          show(withLevels(state, j, direction === 'up' ? up + 1 : up, direction === 'down' ? down + 1 : down));
        },
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
    const details = await dpf.dom.loadInto(main, `Tracing the columns of ${node.n}…`, () => store.details(i));
    if (!details) return;
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
        h('div', { class: 'crumbs' }, h('a', { href: f.link.node(node.id) }, `← ${node.n}`), h('span', null, '·'), h('a', { href: f.link.lineage({ focus: node.id }) }, 'node lineage')),
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
