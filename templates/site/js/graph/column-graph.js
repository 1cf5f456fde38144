/**
 * The column-level lineage graph: each relation is a box listing the columns that take part,
 * and an edge runs from an upstream column's row to the row of the column derived from it.
 * dagre lays the boxes out (one layout edge per pair of related relations); column edges are
 * drawn between rows afterwards.
 */
(function (dpf) {
  'use strict';
  const HEAD = 30;
  const ROW = 22;
  const CHAR = 7.2;

  const key = (n, c) => `${n}\u0000${String(c).toLowerCase()}`;

  /**
   * options: { tables: {node: number, columns: string[]}[], edges: {from: {n, c}, to: {n, c}}[],
   *            focus?: number, selected?: {n, c}, onColumnClick(n, c), onTableClick(n) }
   */
  function render(canvas, options) {
    const { s, clear } = dpf.dom;
    const store = dpf.store;
    const g = new window.dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 110, marginx: 20, marginy: 20 });
    g.setDefaultEdgeLabel(() => ({}));
    const widths = new Map();
    for (const t of options.tables) {
      const n = store.node(t.node);
      const longest = Math.max(n.n.length + 4, ...t.columns.map((c) => c.length + 2));
      const width = Math.max(170, Math.min(300, longest * CHAR + 28));
      widths.set(t.node, width);
      g.setNode(String(t.node), { width, height: HEAD + Math.max(1, t.columns.length) * ROW + 6 });
    }
    const pairs = new Set();
    for (const e of options.edges) {
      const pair = `${e.from.n}>${e.to.n}`;
      if (e.from.n !== e.to.n && !pairs.has(pair) && g.hasNode(String(e.from.n)) && g.hasNode(String(e.to.n))) {
        pairs.add(pair);
        g.setEdge(String(e.from.n), String(e.to.n));
      }
    }
    window.dagre.layout(g);
    const layer = clear(canvas.layer);
    const rowY = new Map();
    const tablesLayer = s('g', null);
    const edgesLayer = s('g', null);
    layer.appendChild(edgesLayer);
    layer.appendChild(tablesLayer);
    const selectedKey = options.selected ? key(options.selected.n, options.selected.c) : undefined;

    for (const t of options.tables) {
      const n = store.node(t.node);
      const p = g.node(String(t.node));
      const x = p.x - p.width / 2;
      const y = p.y - p.height / 2;
      const box = s('g', { class: ['g-table', t.node === options.focus ? 'focus' : ''], transform: `translate(${x},${y})`, dataset: { id: n.id } });
      box.appendChild(s('rect', { class: 'box', width: p.width, height: p.height, rx: 8 }));
      box.appendChild(s('rect', { class: 'head', x: 1, y: 1, width: p.width - 2, height: HEAD - 2, rx: 7 }));
      box.appendChild(s('rect', { class: ['stripe', `c-${n.k}`], x: 0, y: 0, width: 5, height: HEAD, rx: 2 }));
      box.appendChild(s('text', { class: 'title', x: 14, y: 19 }, n.n));
      const head = s('rect', { class: 'head-hit', width: p.width, height: HEAD, role: 'link' }, s('title', null, `Column lineage of ${n.n}`));
      head.addEventListener('click', (e) => {
        e.stopPropagation();
        options.onTableClick?.(t.node);
      });
      box.appendChild(head);
      t.columns.forEach((c, r) => {
        const cy = HEAD + r * ROW;
        rowY.set(key(t.node, c), { x, y: y + cy + ROW / 2, width: p.width });
        const row = s('g', { class: ['g-col', selectedKey === key(t.node, c) ? 'selected' : ''], transform: `translate(0,${cy})`, dataset: { column: c } },
          s('rect', { x: 2, y: 0, width: p.width - 4, height: ROW }),
          s('text', { x: 14, y: 15 }, c),
        );
        row.addEventListener('click', (e) => {
          e.stopPropagation();
          options.onColumnClick?.(t.node, c);
        });
        box.appendChild(row);
      });
      tablesLayer.appendChild(box);
    }
    for (const e of options.edges) {
      const a = rowY.get(key(e.from.n, e.from.c));
      const b = rowY.get(key(e.to.n, e.to.c));
      if (!a || !b) continue;
      const x1 = a.x + a.width;
      const x2 = b.x;
      const dx = Math.max(40, (x2 - x1) / 2);
      const active = selectedKey !== undefined && (selectedKey === key(e.from.n, e.from.c) || selectedKey === key(e.to.n, e.to.c));
      edgesLayer.appendChild(
        s('path', {
          class: ['g-cedge', active ? 'active' : ''],
          d: `M ${x1} ${a.y} C ${x1 + dx} ${a.y}, ${x2 - dx} ${b.y}, ${x2} ${b.y}`,
          dataset: { from: `${store.node(e.from.n).n}.${e.from.c}`, to: `${store.node(e.to.n).n}.${e.to.c}` },
        }),
      );
    }
    const graph = g.graph();
    canvas.setBounds(graph.width || 0, graph.height || 0);
    canvas.fit(1);
  }

  dpf.columnGraph = { render };
})((window.dpf = window.dpf || {}));
