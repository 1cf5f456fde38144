/** Reads what `dpf docs generate` wrote, the way the browser does: by running the data scripts. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import type { NodeDetails, SiteIndex } from '../../../src/docs-site/site-data.js';

/** Runs one data script and returns what it hands to dpfSite.receive. */
export function runDataScript(text: string): { kind: string; key: number; json: string } {
  let received: { kind: string; key: number; json: string } | undefined;
  runInNewContext(text, { dpfSite: { receive: (kind: string, key: number, json: string) => (received = { kind, key, json }) } });
  if (!received) throw new Error('the data script did not call dpfSite.receive');
  return received;
}

export interface SiteFiles {
  readonly index: SiteIndex;
  details(id: string): NodeDetails;
  node(name: string): SiteIndex['nodes'][number];
}

export function readSite(siteDir: string): SiteFiles {
  const index = JSON.parse(runDataScript(readFileSync(join(siteDir, 'data', 'index.js'), 'utf8')).json) as SiteIndex;
  const chunks = new Map<number, NodeDetails[]>();
  const chunk = (c: number) => {
    if (!chunks.has(c)) chunks.set(c, JSON.parse(runDataScript(readFileSync(join(siteDir, 'data', 'chunks', `${c}.js`), 'utf8')).json) as NodeDetails[]);
    return chunks.get(c)!;
  };
  return {
    index,
    node: (name) => {
      const n = index.nodes.find((x) => x.n === name);
      if (!n) throw new Error(`no node ${name} in the site`);
      return n;
    },
    details: (id) => {
      const n = index.nodes.find((x) => x.id === id);
      if (!n) throw new Error(`no node ${id} in the site`);
      return chunk(n.c).find((d) => d.id === id)!;
    },
  };
}
