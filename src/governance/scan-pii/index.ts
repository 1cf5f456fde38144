/** The PII scanner (README.md): what the public API's scanPii and `dpf scan pii` use. */
export { scanRelations, type ScanRelationsInput, type RelationsScan } from './scan-relations.js';
export type { PiiFinding, FindingStatus } from './compare-classifications.js';
export { PII_CATEGORIES, CATEGORY_LABELS, categoryOf, type PiiCategory } from './pii-categories.js';
export { MIN_CONFIDENCE } from './score-column.js';
export { recordPiiScan, compareScans, type PiiScanChanges, type PiiFindingRef } from './record-scan.js';
