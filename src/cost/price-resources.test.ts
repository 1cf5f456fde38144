import { describe, expect, it } from 'vitest';
import { DpfError } from '../errors/dpf-error.js';
import { costRatesOf } from './cost-rates.js';
import { computeCost, storageCost, sumCosts } from './price-resources.js';
import { rankCosts } from './rank-costs.js';

describe('cost arithmetic', () => {
  const rates = { perCpuHour: 2, perTbScanned: 5, perGbMonth: 0.03 };

  it('prices CPU hours and decimal terabytes scanned, and adds the parts', () => {
    expect(computeCost({ cpuMs: 3_600_000 }, rates)).toBe(2);
    expect(computeCost({ bytesScanned: 2e12 }, rates)).toBe(10);
    expect(computeCost({ cpuMs: 1_800_000, bytesScanned: 1e11 }, rates)).toBe(1.5);
    expect(computeCost({ cpuMs: 90 }, { perCpuHour: 36 })).toBe(0.0009);
  });

  it('leaves an unmeasured part out, and is null when nothing can be priced', () => {
    expect(computeCost({ cpuMs: null, bytesScanned: 1e12 }, rates)).toBe(5);
    expect(computeCost({ cpuMs: 3_600_000 }, { perTbScanned: 5 })).toBeNull();
    expect(computeCost({}, rates)).toBeNull();
    expect(computeCost({ cpuMs: 10 }, undefined)).toBeNull();
  });

  it('prices storage per decimal GB for 30-day months, pro rata', () => {
    expect(storageCost(1e9, 30, rates)).toBe(0.03);
    expect(storageCost(5e9, 7, { perGbMonth: 0.3 })).toBe(0.35);
    expect(storageCost(null, 30, rates)).toBeNull();
    expect(storageCost(1e9, 30, { perCpuHour: 1 })).toBeNull();
  });

  it('sums amounts of which some are unknown', () => {
    expect(sumCosts([0.1, null, 0.2])).toBe(0.3);
    expect(sumCosts([null, undefined])).toBeNull();
  });
});

describe('the cost: block of a target', () => {
  it('reads numbers, numbers as text (from {{env}}) and a currency label', () => {
    expect(costRatesOf({ cost: { per_cpu_hour: 0.5, per_tb_scanned: '5', currency: 'EUR' } }, 'dev')).toEqual({ perCpuHour: 0.5, perTbScanned: 5, currency: 'EUR' });
    expect(costRatesOf({}, 'dev')).toBeUndefined();
  });

  it('refuses a rate that is not a number at least 0 with DPF740, naming the key', () => {
    for (const bad of ['five', -1]) {
      try {
        costRatesOf({ cost: { per_gb_month: bad } }, 'prod');
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(DpfError);
        expect((err as DpfError).first.code).toBe('DPF740');
        expect((err as DpfError).first.message).toContain('outputs.prod.cost.per_gb_month');
      }
    }
  });
});

describe('rankCosts', () => {
  const row = (name: string, cpuMs: number | null, bytesScanned: number | null) => ({ uniqueId: `model.p.${name}`, name, kind: 'model', runs: 2, cpuMs, bytesScanned, rowsScanned: null });
  const size = (name: string, storageBytes: number) => ({ uniqueId: `model.p.${name}`, name, kind: 'model', storageBytes });

  it('ranks by cost, then CPU, keeps the top N, and prices storage for the period', () => {
    const report = rankCosts(
      [row('small', 1000, 0), row('big', 3_600_000, 0), row('view', null, null), row('scan', 0, 1e12)],
      [{ day: '2024-01-02', runs: 1, cpuMs: 10, bytesScanned: 0 }, { day: '2024-01-01', runs: 2, cpuMs: 3_600_000, bytesScanned: 0 }],
      [size('small', 1e9), size('big', 4e9)],
      { days: 15, since: '2024-01-01T00:00:00.000Z', top: 2, rates: { perCpuHour: 1, perTbScanned: 5, perGbMonth: 0.02 } },
    );
    expect(report.compute.map((r) => [r.name, r.computeCost])).toEqual([['scan', 5], ['big', 1]]);
    expect(report.storage.map((r) => [r.name, r.storageCost])).toEqual([['big', 0.04], ['small', 0.01]]);
    expect(report.totals).toMatchObject({ computeCost: 6.000278, storageBytes: 5e9, storageCost: 0.05 });
    expect(report.perDay.map((d) => [d.day, d.computeCost])).toEqual([['2024-01-01', 1], ['2024-01-02', 0.000003]]);
  });

  it('without rates gives figures and no money, ranked by CPU', () => {
    const report = rankCosts([row('a', 5, null), row('b', 50, null)], [], [size('b', 10)], { days: 30, since: 'x', top: 10 });
    expect(report.rates).toBeUndefined();
    expect(report.compute.map((r) => [r.name, r.computeCost])).toEqual([['b', null], ['a', null]]);
    expect(report.totals.computeCost).toBeNull();
    expect(report.storage[0]).toMatchObject({ name: 'b', storageBytes: 10, storageCost: null });
  });
});
