/**
 * Descriptions are markdown written by users: rendered with marked, then sanitized with
 * DOMPurify before they reach the page (no scripts, no event handlers, no javascript: URLs,
 * no forms or frames). Links to other sites open in a new tab without a referrer.
 */
(function (dpf) {
  'use strict';
  let configured = false;

  function configure() {
    if (configured) return;
    configured = true;
    window.DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.tagName === 'A' && node.getAttribute('href') && /^https?:/i.test(node.getAttribute('href'))) {
        node.setAttribute('target', '_blank');
        node.setAttribute('rel', 'noopener noreferrer');
      }
    });
  }

  /** A sanitized DocumentFragment of the markdown. */
  function render(markdown) {
    configure();
    const html = window.marked.parse(String(markdown || ''), { async: false, gfm: true, breaks: false });
    return window.DOMPurify.sanitize(html, {
      RETURN_DOM_FRAGMENT: true,
      FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'object', 'embed'],
      FORBID_ATTR: ['style'],
    });
  }

  /** A description block, or a quiet "no description". */
  function block(markdown, emptyText) {
    const { h } = dpf.dom;
    if (!markdown || !String(markdown).trim()) return h('p', { class: 'empty' }, emptyText || 'No description yet.');
    return h('div', { class: 'markdown' }, render(markdown));
  }

  dpf.markdown = { render, block };
})((window.dpf = window.dpf || {}));
