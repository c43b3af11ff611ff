/**
 * Options of the feature processors (the `with:` of a topology step), validated once against a JSON schema, with
 * defaults, and resolved into window geometry: each window of size S is covered by `bucketsPerWindow` buckets of
 * size B = S / bucketsPerWindow, aligned to multiples of B from time 0. Snapshots are taken at multiples of the emit
 * interval E, which must divide every bucket size so that a snapshot time never falls inside the time a bucket and a
 * window boundary disagree on. A key that falls silent is refreshed as its windows drain, at multiples of
 * size / refreshesPerWindow of each window, so a window's snapshot is never more than that stale.
 */
import { DURATION_FORMS, parseDuration } from '../../core/durations.js';
import { validateAgainst } from '../../graph/schema-validator.js';
import { ErrorCodes, FlywheelError } from '../../core/errors.js';

export interface FeatureOptions {
  /** Sliding window sizes: durations such as '1h' (kept as the window's name) or ms. Default 1h, 24h, 7d. */
  windows?: Array<string | number>;
  /** Buckets per window (default 60): a window's time resolution is its size divided by this. */
  bucketsPerWindow?: number;
  /** Refreshes of a draining window of a silent key per window length (default 10). */
  refreshesPerWindow?: number;
  /** Event time between snapshots of one key (default 1m): changes of a key are coalesced to one per interval. */
  emitInterval?: string | number;
  /** HyperLogLog precision p (m = 2^p registers, standard error 1.04/sqrt(m)); default 8. */
  distinctPrecision?: number;
  /** Half-lives of the short and long exponentially decayed activity rates (default 1h and 24h). */
  trendHalfLives?: { short?: string | number; long?: string | number };
  /** Price quantiles kept per item (default 0.5, 0.9, 0.99). */
  priceQuantiles?: number[];
  /** t-digest compression delta (default 0.05): smaller keeps more centroids and is more accurate. */
  priceCompression?: number;
  /** Most ids in one batch lookup (default 100). */
  maxBatch?: number;
}

export interface WindowSpec {
  /** The name used in snapshots and in `?window=`. */
  label: string;
  size: number;
  bucket: number;
  buckets: number;
  /** Refresh step of this window while it drains. */
  refresh: number;
}

export interface ResolvedFeatureOptions {
  windows: WindowSpec[];
  emitInterval: number;
  distinctPrecision: number;
  halfLives: { short: number; long: number };
  priceQuantiles: number[];
  priceCompression: number;
  maxBatch: number;
}

const durationSchema = { type: ['string', 'number'] };

const optionsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    windows: { type: 'array', minItems: 1, maxItems: 8, items: durationSchema },
    bucketsPerWindow: { type: 'integer', minimum: 1, maximum: 1000, default: 60 },
    refreshesPerWindow: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    emitInterval: { ...durationSchema, default: '1m' },
    distinctPrecision: { type: 'integer', minimum: 4, maximum: 16, default: 8 },
    trendHalfLives: {
      type: 'object',
      additionalProperties: false,
      properties: { short: { ...durationSchema, default: '1h' }, long: { ...durationSchema, default: '24h' } },
      default: {},
    },
    priceQuantiles: {
      type: 'array',
      minItems: 1,
      maxItems: 16,
      items: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      default: [0.5, 0.9, 0.99],
    },
    priceCompression: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 0.05 },
    maxBatch: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
  },
} as const;

const DEFAULT_WINDOWS = ['1h', '24h', '7d'];

function invalid(message: string, path: string): never {
  throw new FlywheelError(ErrorCodes.CONFIG_INVALID, message, { path: `with.${path}` }, 'see the options of the feature processors in docs/features.md');
}

function duration(value: unknown, path: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0 || !Number.isInteger(ms)) invalid(`${JSON.stringify(value)} is not a positive duration: ${DURATION_FORMS}`, path);
  return ms;
}

/** A name for a window given in ms: the largest unit that divides it. */
function labelOf(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

export function resolveFeatureOptions(options: FeatureOptions = {}): ResolvedFeatureOptions {
  const o = structuredClone(options) as Required<FeatureOptions> & { trendHalfLives: { short: string | number; long: string | number } };
  const problem = validateAgainst(optionsSchema, o);
  if (problem) invalid(problem.message, problem.path.join('.') || '(root)');
  const emitInterval = duration(o.emitInterval, 'emitInterval');
  const windows = (o.windows ?? DEFAULT_WINDOWS).map((raw, i): WindowSpec => {
    const size = duration(raw, `windows.${i}`);
    const bucket = size / o.bucketsPerWindow;
    if (!Number.isInteger(bucket)) invalid(`window ${String(raw)} is not a whole number of ms per bucket with ${o.bucketsPerWindow} buckets`, `windows.${i}`);
    if (bucket % emitInterval !== 0)
      invalid(`the emit interval (${emitInterval} ms) must divide the bucket size of window ${String(raw)} (${bucket} ms)`, 'emitInterval');
    const refresh = size / o.refreshesPerWindow;
    if (refresh % emitInterval !== 0)
      invalid(`the emit interval (${emitInterval} ms) must divide the refresh step of window ${String(raw)} (${refresh} ms)`, 'refreshesPerWindow');
    return { label: typeof raw === 'string' ? raw.trim() : labelOf(size), size, bucket, buckets: o.bucketsPerWindow, refresh };
  });
  const labels = windows.map((w) => w.label);
  const repeated = labels.find((l, i) => labels.indexOf(l) !== i || l === 'lifetime');
  if (repeated !== undefined) invalid(`window name '${repeated}' is repeated or reserved`, 'windows');
  return {
    windows,
    emitInterval,
    distinctPrecision: o.distinctPrecision,
    halfLives: { short: duration(o.trendHalfLives.short, 'trendHalfLives.short'), long: duration(o.trendHalfLives.long, 'trendHalfLives.long') },
    priceQuantiles: o.priceQuantiles,
    priceCompression: o.priceCompression,
    maxBatch: o.maxBatch,
  };
}
