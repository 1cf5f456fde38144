/**
 * The left navigation: sources by source name, then the project's files by folder. Folders
 * render their content the first time they open, so a 10,000-model project costs a few dozen
 * elements at start-up, not ten thousand.
 */
(function (dpf) {
  'use strict';

  function newFolder(name) {
    return { name, folders: new Map(), nodes: [], count: 0 };
  }

  function buildTree(index) {
    const sources = newFolder('Sources');
    const project = newFolder('Project');
    index.nodes.forEach((n, i) => {
      if (n.hide) return;
      let folder;
      if (n.k === 'source') {
        sources.count++;
        folder = sources.folders.get(n.sn) || newFolder(n.sn);
        sources.folders.set(n.sn, folder);
      } else {
        folder = project;
        const parts = n.p.split('/').slice(0, -1);
        for (const part of parts) {
          folder.count++;
          let next = folder.folders.get(part);
          if (!next) {
            next = newFolder(part);
            folder.folders.set(part, next);
          }
          folder = next;
        }
      }
      folder.count++;
      folder.nodes.push(i);
    });
    return { sources, project };
  }

  const sidebar = {
    el: null,
    /** node index -> the <details> chain and the link, once rendered */
    links: new Map(),
    /** @type {WeakMap<Element, () => void>} renders a folder's content */
    fillers: new WeakMap(),
    current: -1,

    init(el) {
      this.el = el;
      const { h, mount } = dpf.dom;
      const tree = buildTree(dpf.store.index);
      const sections = [];
      if (tree.sources.count) sections.push(h('div', { class: 'tree-title' }, 'Sources'), this.folderList(tree.sources, ['Sources']));
      sections.push(h('div', { class: 'tree-title' }, 'Project'), this.folderList(tree.project, ['Project']));
      mount(el, h('nav', { class: 'tree' }, sections));
    },

    folderList(folder, path) {
      const { h } = dpf.dom;
      const store = dpf.store;
      const ul = h('ul', { role: 'group' });
      const folders = [...folder.folders.values()].sort((a, b) => a.name.localeCompare(b.name));
      for (const f of folders) {
        const details = h('details', { dataset: { path: [...path, f.name].join('/') } }, h('summary', null, h('span', null, f.name), h('span', { class: 'count' }, String(f.count))));
        let filled = false;
        const fill = () => {
          if (!filled) {
            filled = true;
            details.appendChild(this.folderList(f, [...path, f.name]));
          }
        };
        this.fillers.set(details, fill);
        details.addEventListener('toggle', () => details.open && fill());
        ul.appendChild(h('li', null, details));
      }
      for (const i of [...folder.nodes].sort((a, b) => store.node(a).n.localeCompare(store.node(b).n))) {
        const n = store.node(i);
        const a = h('a', { href: dpf.format.link.node(n.id), title: `${n.n} (${n.k})`, class: i === this.current ? 'current' : '' }, h('span', { class: `dot k-${n.k}` }), n.n);
        this.links.set(i, a);
        ul.appendChild(h('li', null, a));
      }
      return ul;
    },

    /** Highlights node i and opens the folders down to it. */
    setCurrent(i) {
      const old = this.links.get(this.current);
      if (old) old.classList.remove('current');
      this.current = i;
      if (i < 0) return;
      const n = dpf.store.node(i);
      const parts = n.k === 'source' ? ['Sources', n.sn] : ['Project', ...n.p.split('/').slice(0, -1)];
      for (let depth = 2; depth <= parts.length; depth++) {
        const details = this.el.querySelector(`details[data-path="${CSS.escape(parts.slice(0, depth).join('/'))}"]`);
        if (!details) break;
        this.fillers.get(details)?.();
        details.open = true;
      }
      const link = this.links.get(i);
      if (link) {
        link.classList.add('current');
        link.scrollIntoView({ block: 'nearest' });
      }
    },
  };

  dpf.sidebar = sidebar;
})((window.dpf = window.dpf || {}));
