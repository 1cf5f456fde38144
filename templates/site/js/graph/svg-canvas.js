/**
 * A pannable, zoomable SVG surface for the graphs: drag to pan, wheel (or the buttons) to
 * zoom around the pointer, "fit" to see everything. Content goes into `layer`. A drag never
 * counts as a click on what it started on. Transforms are SVG attributes, not inline styles,
 * so the site's Content-Security-Policy (no inline styles) holds.
 */
(function (dpf) {
  'use strict';
  const MIN = 0.08;
  const MAX = 3;

  function createCanvas(frame) {
    const { h, s, mount } = dpf.dom;
    const layer = s('g', { class: 'viewport' });
    const svg = s(
      'svg',
      { class: 'canvas', role: 'img', 'aria-label': 'Lineage graph' },
      s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: '9', refY: '5', markerWidth: '8', markerHeight: '8', markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z' }))),
      layer,
    );
    let view = { x: 0, y: 0, k: 1 };
    let bounds = { width: 0, height: 0 };
    const apply = () => layer.setAttribute('transform', `translate(${view.x},${view.y}) scale(${view.k})`);

    function zoomAt(factor, cx, cy) {
      const k = Math.min(MAX, Math.max(MIN, view.k * factor));
      view = { k, x: cx - ((cx - view.x) * k) / view.k, y: cy - ((cy - view.y) * k) / view.k };
      apply();
    }

    function fit(maxScale = 1) {
      const box = svg.getBoundingClientRect();
      if (!bounds.width || !box.width) return;
      const pad = 24;
      const k = Math.min(maxScale, (box.width - 2 * pad) / bounds.width, (box.height - 2 * pad) / bounds.height);
      const scale = Math.max(MIN, k);
      view = { k: scale, x: (box.width - bounds.width * scale) / 2, y: (box.height - bounds.height * scale) / 2 };
      apply();
    }

    /** Centers a point of the content (e.g. the focused node) at a readable scale. */
    function centerOn(x, y, scale) {
      const box = svg.getBoundingClientRect();
      const k = scale || view.k;
      view = { k, x: box.width / 2 - x * k, y: box.height / 2 - y * k };
      apply();
    }

    svg.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = svg.getBoundingClientRect();
        zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
      },
      { passive: false },
    );

    let drag = null;
    let moved = false;
    svg.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, id: e.pointerId };
      moved = false;
    });
    svg.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!moved && Math.hypot(dx, dy) < 4) return;
      if (!moved) {
        moved = true;
        svg.setPointerCapture(drag.id);
        svg.classList.add('dragging');
      }
      view = { ...view, x: drag.vx + dx, y: drag.vy + dy };
      apply();
    });
    const end = () => {
      drag = null;
      svg.classList.remove('dragging');
    };
    svg.addEventListener('pointerup', end);
    svg.addEventListener('pointercancel', end);
    // A pan is not a click on the node or edge it started on.
    svg.addEventListener(
      'click',
      (e) => {
        if (moved) {
          e.stopPropagation();
          e.preventDefault();
          moved = false;
        }
      },
      true,
    );

    const button = (label, title, fn) => h('button', { type: 'button', title, 'aria-label': title, onclick: fn }, label);
    const zoomCenter = (f) => {
      const r = svg.getBoundingClientRect();
      zoomAt(f, r.width / 2, r.height / 2);
    };
    mount(
      frame,
      svg,
      h('div', { class: 'graph-zoom' }, button('+', 'Zoom in', () => zoomCenter(1.25)), button('−', 'Zoom out', () => zoomCenter(0.8)), button('⤢', 'Fit to screen', () => fit())),
    );

    return {
      svg,
      layer,
      frame,
      /** Sets the content's size (for fit) after drawing into layer. */
      setBounds(width, height) {
        bounds = { width, height };
      },
      fit,
      centerOn,
      zoomAt,
      get scale() {
        return view.k;
      },
    };
  }

  dpf.canvas = { createCanvas };
})((window.dpf = window.dpf || {}));
