/**
 * The lineage graph's selector box: dbt's selector syntax as `dpf ls --select` reads it
 * (src/compiler/select-nodes.ts), evaluated over the site's index in the browser. Same grammar
 * and the same meaning for the methods the site can know without the manifest:
 *
 *   name, +name, name+, 2+name, name+1, @name, globs (stg_*), folder names (staging),
 *   name:, fqn:, tag:, path:, source:, resource_type:, config.materialized:, unique_id:,
 *   unions (space) and intersections (comma).
 *
 * Not here (they need run artifacts or another manifest): state:, result:, source_status:,
 * test_type:, test_name:, other config keys. The site's graph has no test nodes, so tests are
 * never selected; `@` still reaches what the command line reaches through them (the index's
 * testParents). test/docs-site/select-nodes-parity.test.ts runs both implementations on
 * the demo project and compares. A classic script defining `dpfSelect` on the global object.
 */
(function (root) {
  'use strict';

  const METHODS = ['name', 'fqn', 'tag', 'path', 'source', 'resource_type', 'config', 'unique_id'];
  const ELSEWHERE = ['test_type', 'test_name', 'source_status', 'state', 'result'];

  class SelectorError extends Error {}

  function parseAtom(raw) {
    const m = /^(@)?(?:(\d*)\+)?([^+]+?)(?:\+(\d*))?$/.exec(raw);
    if (!m) throw new SelectorError(`"${raw}" is not of the form [@][N+]method:value[+N]`);
    const [, at, parentDepth, body, childDepth] = m;
    const hasParents = /^\d*\+/.test(raw.replace(/^@/, ''));
    const hasChildren = /\+\d*$/.test(raw);
    if (at && (hasParents || hasChildren)) throw new SelectorError(`"${raw}" cannot combine @ with + operators`);
    const colon = body.indexOf(':');
    let method = 'default';
    let value = body;
    if (colon > 0) {
      method = body.slice(0, colon);
      value = body.slice(colon + 1);
      const base = method.split('.')[0];
      if (ELSEWHERE.includes(base)) throw new SelectorError(`"${raw}": the site cannot evaluate ${base}: (use dpf ls --select)`);
      if (!METHODS.includes(base) || (base === 'config' && method !== 'config.materialized')) {
        throw new SelectorError(`"${raw}" uses a method the site does not know ("${method}"; known: ${METHODS.filter((x) => x !== 'config').join(', ')}, config.materialized)`);
      }
    } else if (value.includes('/') || /\.(sql|csv)$/.test(value)) {
      method = 'path';
    }
    if (!value) throw new SelectorError(`"${raw}" has no value after the method`);
    const depth = (d, present) => (!present ? 0 : d ? Number(d) : Infinity);
    return { raw, method, value, parents: depth(parentDepth, hasParents), children: depth(childDepth, hasChildren), childrenParents: !!at };
  }

  const globCache = new Map();
  function glob(pattern) {
    let re = globCache.get(pattern);
    if (!re) {
      re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
      globCache.set(pattern, re);
    }
    return re;
  }

  /** index: { nodes: IndexNode[], folders: string[][], tags: string[], testParents?: number[][] } (src/docs-site/site-data.ts). */
  function matches(index, node, atom) {
    const value = atom.value;
    switch (atom.method.split('.')[0]) {
      case 'default':
        return glob(value).test(node.n) || matches(index, node, { ...atom, method: 'fqn' });
      case 'name':
        return glob(value).test(node.n);
      case 'fqn': {
        const parts = value.split('.');
        const fqn = [...index.folders[node.f], node.n];
        const tryAt = (offset) => parts.every((p, i) => fqn[offset + i] !== undefined && glob(p).test(fqn[offset + i]));
        return tryAt(0) || tryAt(1);
      }
      case 'tag':
        return node.t.some((t) => glob(value).test(index.tags[t]));
      case 'path': {
        const path = value.replace(/^\.\//, '').replace(/\/$/, '');
        return node.p === path || node.p.startsWith(`${path}/`) || glob(path).test(node.p);
      }
      case 'source':
        if (node.k !== 'source') return false;
        return value.includes('.') ? `${node.sn}.${node.n}` === value : node.sn === value;
      case 'resource_type':
        return node.k === value;
      case 'config':
        return node.m !== undefined && node.m === value;
      case 'unique_id':
        return node.id === value;
      default:
        return false;
    }
  }

  /** Children lists, computed once per index. */
  const childrenCache = new WeakMap();
  function childrenOf(index) {
    let children = childrenCache.get(index);
    if (!children) {
      children = index.nodes.map(() => []);
      index.nodes.forEach((n, i) => n.up.forEach((p) => children[p].push(i)));
      childrenCache.set(index, children);
    }
    return children;
  }

  function walk(index, start, direction, depth) {
    const children = childrenOf(index);
    const out = new Set();
    let frontier = [...start];
    for (let level = 0; level < depth && frontier.length > 0; level++) {
      const next = [];
      for (const i of frontier) {
        for (const n of direction === 'up' ? index.nodes[i].up : children[i]) {
          if (!out.has(n)) {
            out.add(n);
            next.push(n);
          }
        }
      }
      frontier = next;
    }
    return out;
  }

  function selectAtom(index, atom) {
    const base = new Set();
    index.nodes.forEach((n, i) => {
      if (matches(index, n, atom)) base.add(i);
    });
    const result = new Set(base);
    if (atom.parents) for (const i of walk(index, base, 'up', atom.parents)) result.add(i);
    if (atom.children) for (const i of walk(index, base, 'down', atom.children)) result.add(i);
    if (atom.childrenParents) {
      const down = walk(index, base, 'down', Infinity);
      for (const i of down) result.add(i);
      // The command line's graph has test nodes: a test on one of these is a descendant too,
      // so the other nodes it reads (a relationships test's `to`) and their ancestors count.
      const reached = new Set([...base, ...down]);
      const testParents = (index.testParents || []).filter((set) => set.some((i) => reached.has(i))).flat();
      for (const i of testParents) result.add(i);
      for (const i of walk(index, [...reached, ...testParents], 'up', Infinity)) result.add(i);
    }
    return result;
  }

  /**
   * Node i with `up` levels of parents and `down` of children (`N+x+M` by index): the lineage
   * page's term for a node whose name the selector syntax cannot hold.
   */
  function selectAround(index, i, up, down) {
    return new Set([i, ...walk(index, [i], 'up', up), ...walk(index, [i], 'down', down)]);
  }

  /** The node indexes a selector expression selects; throws SelectorError with a readable message. */
  function select(index, expression) {
    const union = new Set();
    for (const term of String(expression).split(/\s+/).filter(Boolean)) {
      let acc;
      for (const raw of term.split(',').filter(Boolean)) {
        const ids = selectAtom(index, parseAtom(raw));
        acc = acc ? new Set([...acc].filter((i) => ids.has(i))) : ids;
      }
      for (const i of acc || []) union.add(i);
    }
    return union;
  }

  root.dpfSelect = { select, selectAround, parseAtom, SelectorError, childrenOf };
})(typeof window !== 'undefined' ? window : globalThis);
