/**
 * Building DOM safely. Every string from the project (names, descriptions, SQL, meta) goes in
 * as a text node or an attribute value, never as HTML; the only HTML the site inserts is
 * markdown after DOMPurify (markdown.js) and highlight.js output, which escapes its input.
 * Event handlers are functions, never strings.
 */
(function (dpf) {
  'use strict';
  const SVG_NS = 'http://www.w3.org/2000/svg';

  function append(el, children) {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) append(el, child);
      else if (child instanceof Node) el.appendChild(child);
      else el.appendChild(document.createTextNode(String(child)));
    }
  }

  function setAttributes(el, attrs) {
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : String(value));
      else if (key === 'dataset') for (const [k, v] of Object.entries(value)) el.dataset[k] = String(v);
      else if (key.startsWith('on')) throw new Error(`event handler ${key} must be a function`);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }

  /** h('a', {href, class}, 'text', child...) */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttributes(el, attrs);
    append(el, children);
    return el;
  }

  /** The same for SVG elements. */
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    setAttributes(el, attrs);
    append(el, children);
    return el;
  }

  function clear(el) {
    while (el.firstChild) el.removeChild(el.firstChild);
    return el;
  }

  /** Replaces an element's content. */
  function mount(el, ...children) {
    clear(el);
    append(el, children);
    return el;
  }

  /**
   * Shows "loading" in a page while load() runs; if it fails, shows why instead and resolves
   * to undefined, so that a page never stays on "Loading…".
   */
  async function loadInto(el, loadingText, load) {
    mount(el, h('div', { class: 'page' }, h('p', { class: 'loading' }, loadingText)));
    try {
      return await load();
    } catch (err) {
      mount(el, h('div', { class: 'page' }, h('p', { class: 'notice bad' }, String((err && err.message) || err))));
      return undefined;
    }
  }

  dpf.dom = { h, s, clear, mount, append, loadInto };
})((window.dpf = window.dpf || {}));
