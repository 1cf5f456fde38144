import { describe, expect, it } from 'vitest';
import type { ColumnClassification } from '../../compiler/manifest.js';
import type { Classifications } from './load-classifications.js';
import { modelReaders } from './model-readers.js';

const at = { file: 'classifications.yml', line: 1, column: 1 };
const rules = (defaultLevel?: string): Classifications => ({
  file: 'classifications.yml',
  levels: [
    { name: 'public', readers: [], location: at },
    { name: 'confidential', readers: ['analyst', 'data_engineer'], location: at },
    { name: 'restricted', readers: ['legal', 'data_engineer'], location: at },
  ],
  pii: [
    { name: 'email', level: 'restricted', readers: ['privacy'], location: at },
    { name: 'name', level: 'confidential', readers: ['support'], location: at },
    { name: 'phone', level: 'restricted', readers: [], location: at },
  ],
  defaultLevel,
});
const column = (level: string | undefined, pii: string[] = []): ColumnClassification => ({ level, pii, declared: true, path: [] });

describe('modelReaders', () => {
  it('takes the highest level and the kinds carried at it, and unions their readers', () => {
    const result = modelReaders({ email: column('restricted', ['email']), phone: column('restricted', ['phone']), name: column('confidential', ['name']) }, rules());
    // name is below the highest level: its rule does not decide.
    expect(result).toEqual({ level: 'restricted', rules: ['level restricted', 'pii email', 'pii phone'], readers: ['data_engineer', 'legal', 'privacy'] });
  });

  it('says anyone (no readers) when no deciding rule names readers, and falls back on the default level', () => {
    expect(modelReaders({ id: column('public') }, rules())).toEqual({ level: 'public', rules: ['level public'], readers: [] });
    expect(modelReaders(undefined, rules())).toEqual({ rules: [], readers: [] });
    expect(modelReaders(undefined, rules('confidential'))).toEqual({ level: 'confidential', rules: ['level confidential'], readers: ['analyst', 'data_engineer'] });
  });
});
