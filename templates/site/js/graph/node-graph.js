/**
 * The node-level lineage graph: lays out a set of nodes (never the whole project: callers pass
 * the visible subgraph, capped) with dagre, left to right, and draws it into an svg-canvas.
 * Nodes are coloured by kind or by health; a "+" on a node's side means it has parents or
 * children that are not shown, and clicking it asks the caller to show them.
 */
(function (dpf) {
  'use strict';
  const NODE_H = 46;
  const CHAR_W = 7.1;

  function nodeWidth(name) {
    return Math.max(150, Math.min(270, name.length * CHAR_W + 46));
  }

  function truncate(text, width) {
    const max = Math.floor((width - 34) / CHAR_W);
    return text.length > max ? `${text.slice(0, Math.max(1, max - 1))}…` : text;
  }

  /** A smooth left-to-right curve between two points. */
  function curve(x1, y1, x2, y2) {
    const dx = Math.max(30, (x2 - x1) / 2);
    return `M ${x1} ${y1} C ${x1 + dx} ${y1}, ${x2 - dx} ${y2}, ${x2} ${y2}`;
  }

  /**
   * options: { nodes: number[], focus?: number, color: 'kind'|'health', hiddenUp(i), hiddenDown(i),
   *            onNodeClick(i), onNodeOpen(i), onExpand(i, 'up'|'down'), onEdgeClick(from, to), fitMax? }
   */
  function render(canvas, options) {
    const { s, clear } = dpf.dom;
    const store = dpf.store;
    const format = dpf.format;
    const visible = new Set(options.nodes);
    const g = new window.dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 16, ranksep: 70, marginx: 20, marginy: 20 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const i of options.nodes) {
      const n = store.node(i);
      g.setNode(String(i), { width: nodeWidth(n.n), height: NODE_H });
    }
    const edges = [];
    for (const i of options.nodes) {
      for (const p of store.node(i).up) {
        if (visible.has(p)) {
          g.setEdge(String(p), String(i));
          edges.push([p, i]);
        }
      }
    }
    window.dagre.layout(g);
    const layer = clear(canvas.layer);
    const place = (i) => g.node(String(i));

    const edgeLayer = s('g', { class: 'edges' });
    for (const [from, to] of edges) {
      const a = place(from);
      const b = place(to);
      const d = curve(a.x + a.width / 2, a.y, b.x - b.width / 2 - 2, b.y);
      const fromNode = store.node(from);
      const toNode = store.node(to);
      const el = s(
        'g',
        { class: ['g-edge', options.focus !== undefined && (from === options.focus || to === options.focus) ? 'active' : ''], dataset: { from: fromNode.id, to: toNode.id } },
        s('title', null, `${fromNode.n} → ${toNode.n}`),
        s('path', { class: 'line', d, 'marker-end': 'url(#arrow)' }),
        s('path', { class: 'hit', d }),
      );
      el.addEventListener('click', (e) => {
        e.stopPropagation();
        options.onEdgeClick?.(from, to);
      });
      edgeLayer.appendChild(el);
    }
    layer.appendChild(edgeLayer);

    for (const i of options.nodes) {
      const n = store.node(i);
      const p = place(i);
      const x = p.x - p.width / 2;
      const y = p.y - p.height / 2;
      const colorClass = options.color === 'health' ? `c-${n.h}` : `c-${n.k}`;
      const sub = [format.KIND_LABEL[n.k], n.m && n.m !== n.k && n.m !== 'seed' ? n.m : '', options.color === 'health' ? format.healthLabel(n) : ''].filter(Boolean).join(' · ');
      const el = s(
        'g',
        {
          class: ['g-node', i === options.focus ? 'focus' : '', n.hide ? 'dim' : ''],
          transform: `translate(${x},${y})`,
          tabindex: '0',
          role: 'link',
          'aria-label': `${n.k} ${n.n}`,
          dataset: { id: n.id, name: n.n },
        },
        s('title', null, `${n.n} (${sub})\nClick to focus; double-click to open its page`),
        s('rect', { class: 'box', width: p.width, height: p.height, rx: 8 }),
        s('rect', { class: ['stripe', colorClass], width: 6, height: p.height, rx: 3 }),
        s('text', { x: 16, y: 19 }, truncate(n.n, p.width)),
        s('text', { class: 'sub', x: 16, y: 35 }, sub),
      );
      // A click re-draws the graph around the node; wait a moment so that a double-click
      // (open the node's page) is not cut short by the re-draw.
      let clickTimer = 0;
      el.addEventListener('click', (e) => {
        e.stopPropagation();
        clearTimeout(clickTimer);
        clickTimer = setTimeout(() => options.onNodeClick?.(i), options.onNodeOpen ? 220 : 0);
      });
      el.addEventListener('dblclick', (e) => {
        e.stopPropagation();
        clearTimeout(clickTimer);
        options.onNodeOpen?.(i);
      });
      el.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') options.onNodeOpen?.(i);
      });
      layer.appendChild(el);
      const handle = (cx, direction) => {
        const button = s('g', { class: 'g-expand', transform: `translate(${cx},${p.y})`, role: 'button', dataset: { expand: direction, id: n.id } },
          s('title', null, direction === 'up' ? `Show the parents of ${n.n}` : `Show the children of ${n.n}`),
          s('circle', { r: 8 }),
          s('text', { x: -3.6, y: 4 }, '+'),
        );
        button.addEventListener('click', (e) => {
          e.stopPropagation();
          options.onExpand?.(i, direction);
        });
        layer.appendChild(button);
      };
      if (options.hiddenUp?.(i)) handle(x - 10, 'up');
      if (options.hiddenDown?.(i)) handle(x + p.width + 10, 'down');
    }
    const graph = g.graph();
    canvas.setBounds(graph.width || 0, graph.height || 0);
    canvas.fit(options.fitMax || 1);
    return { positions: (i) => place(i), count: options.nodes.length, edges: edges.length };
  }

  dpf.nodeGraph = { render };
})((window.dpf = window.dpf || {}));
