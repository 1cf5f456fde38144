/** The registry of adapters: the only place that maps a profile's `type` to an implementation. */
import { fail } from '../errors/dpf-error.js';
import type { AdapterFactory } from './adapter.js';
import { duckdbAdapterFactory } from './duckdb/duckdb-adapter.js';
import { trinoAdapterFactory } from './trino/trino-adapter.js';

const ADAPTERS: Record<string, AdapterFactory> = {
  duckdb: duckdbAdapterFactory,
  trino: trinoAdapterFactory,
};

export function adapterTypes(): string[] {
  return Object.keys(ADAPTERS);
}

export function adapterFactory(type: string): AdapterFactory {
  const factory = ADAPTERS[type];
  if (!factory) fail('UnknownAdapter', { type, available: Object.keys(ADAPTERS) });
  return factory;
}

export type * from './adapter.js';
