/** src/cost's entry: the target's rates, and the arithmetic that prices measured figures. */
export { costRatesOf, type CostRates } from './cost-rates.js';
export { computeCost, storageCost, sumCosts, type ComputeFigures, BYTES_PER_GB, BYTES_PER_TB, DAYS_PER_MONTH, MS_PER_HOUR } from './price-resources.js';
export { rankCosts, type CostReport, type CostRow, type TableSize, type ModelCompute, type ModelStorage, type DayCost } from './rank-costs.js';
