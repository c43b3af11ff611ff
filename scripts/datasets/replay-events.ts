/**
 * The validation datasets as behaviour event streams for the experiment job, with the job options for each.
 * A row (a customer, a player, a worker) becomes a user: an exposure to the experiment with its arm and its
 * pre-exposure covariates, then the row's outcomes as events a fixed time later:
 *   Hillstrom    visit -> a view, conversion -> a purchase at price `spend`   (metrics views, converted, revenue)
 *   Cookie Cats  retention_1 -> a view one day later, retention_7 -> a click seven days later (metrics views, clicks)
 *   LaLonde      1978 earnings -> a purchase at price re78 (metric revenue). The NSW workers are exposed, randomized,
 *                to two experiments (lalonde-psid, lalonde-cps); the same treated workers again, as other users and
 *                observationally, to both; the PSID and CPS controls observationally, each to its own experiment.
 * Exposures are one second apart; outcome events follow all exposures, in time order.
 */
import { join } from 'node:path';
import type { ExperimentOptions } from '../../src/jobs/experiments/experiment-options.js';
import { standardization } from './covariate-scaling.js';
import { shuffled } from './stream-order.js';
import { readGzipCsv, readGzipRows, type Separator } from './read-tables.js';

export interface ReplayEvent {
  type: 'exposure' | 'view' | 'click' | 'purchase';
  userId: string;
  ts: number;
  itemId?: string;
  price?: number;
  experiment?: { id: string; variant: string; randomized: boolean };
  covariates?: Record<string, number>;
}

export interface Replay {
  events: ReplayEvent[];
  options: ExperimentOptions;
}

const START = Date.UTC(2026, 0, 1);
const DAY = 86_400_000;

type Row = Record<string, number>;

/** A tenth of the control arm's standard deviation, squared: the scale of effects the sequential test mixes over. */
function tau2Of(values: readonly number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return (0.01 * values.reduce((a, v) => a + (v - mean) ** 2, 0)) / (values.length - 1);
}

function sorted(events: ReplayEvent[]): ReplayEvent[] {
  return events.sort((a, b) => a.ts - b.ts || (a.type === 'exposure' ? 0 : 1) - (b.type === 'exposure' ? 0 : 1));
}

export function hillstromReplay(folder: string): Replay {
  const covariateNames = ['history', 'recency', 'newbie', 'mens', 'womens'];
  const rows = readGzipCsv(join(folder, 'hillstrom.csv.gz'));
  const numeric = rows.map((r) => Object.fromEntries(['visit', 'conversion', 'spend', ...covariateNames].map((c) => [c, Number(r[c])])) as Row);
  const events: ReplayEvent[] = [];
  rows.forEach((r, i) => {
    const userId = `h${i}`;
    const ts = START + i * 1000;
    const n = numeric[i]!;
    events.push({
      type: 'exposure',
      userId,
      ts,
      experiment: { id: 'hillstrom', variant: r.segment!, randomized: true },
      covariates: Object.fromEntries(covariateNames.map((c) => [c, n[c]!])),
    });
    if (n.visit === 1) events.push({ type: 'view', userId, ts: ts + 7 * DAY, itemId: 'site' });
    if (n.conversion === 1) events.push({ type: 'purchase', userId, ts: ts + 7 * DAY + 1, itemId: 'site', price: n.spend! });
  });
  const control = numeric.filter((_, i) => rows[i]!.segment === 'No E-Mail');
  return {
    events: sorted(events),
    options: {
      experiments: [{ id: 'hillstrom', control: 'No E-Mail', split: { 'No E-Mail': 1, 'Mens E-Mail': 1, 'Womens E-Mail': 1 } }],
      covariates: standardization(numeric, covariateNames),
      metrics: [
        { metric: 'views', preExposure: 'history', tau2: tau2Of(control.map((r) => r.visit!)) },
        { metric: 'converted', preExposure: 'history', tau2: tau2Of(control.map((r) => r.conversion!)) },
        { metric: 'revenue', preExposure: 'history', tau2: tau2Of(control.map((r) => r.spend!)) },
      ],
      emitInterval: '1h',
    },
  };
}

export function cookieCatsReplay(folder: string): Replay {
  const rows = readGzipCsv(join(folder, 'cookie_cats.csv.gz'));
  const events: ReplayEvent[] = [];
  const control = { r1: [] as number[], r7: [] as number[] };
  rows.forEach((r, i) => {
    const userId = `c${r.userid}`;
    const ts = START + i * 1000;
    const [r1, r7] = [r.retention_1 === 'True' ? 1 : 0, r.retention_7 === 'True' ? 1 : 0];
    if (r.version === 'gate_30') {
      control.r1.push(r1);
      control.r7.push(r7);
    }
    events.push({ type: 'exposure', userId, ts, experiment: { id: 'cookie-cats', variant: r.version!, randomized: true } });
    if (r1) events.push({ type: 'view', userId, ts: ts + DAY, itemId: 'game' });
    if (r7) events.push({ type: 'click', userId, ts: ts + 7 * DAY, itemId: 'game' });
  });
  return {
    events: sorted(events),
    options: {
      experiments: [{ id: 'cookie-cats', control: 'gate_30', split: { gate_30: 50, gate_40: 50 } }],
      metrics: [
        { metric: 'views', tau2: tau2Of(control.r1) },
        { metric: 'clicks', tau2: tau2Of(control.r7) },
      ],
      emitInterval: '1h',
    },
  };
}

/** Dehejia and Wahba's (1999) propensity specification. */
export const LALONDE_COVARIATES = [
  'age',
  'ageSquared',
  'education',
  'educationSquared',
  'black',
  'hispanic',
  'married',
  'nodegree',
  're74',
  're75',
  're74Squared',
  're75Squared',
  'u74',
  'u75',
  'educationRe74',
];

function lalondeRows(folder: string, file: string, separator: Separator): Row[] {
  return readGzipRows(join(folder, 'lalonde', file), separator).map((row) => {
    const [treat, age, education, black, hispanic, married, nodegree, re74, re75, re78] = row.slice(0, 10).map(Number) as number[];
    return {
      treat: treat!,
      age: age!,
      ageSquared: age! ** 2,
      education: education!,
      educationSquared: education! ** 2,
      black: black!,
      hispanic: hispanic!,
      married: married!,
      nodegree: nodegree!,
      re74: re74!,
      re75: re75!,
      re74Squared: re74! ** 2,
      re75Squared: re75! ** 2,
      u74: re74 === 0 ? 1 : 0,
      u75: re75 === 0 ? 1 : 0,
      educationRe74: education! * re74!,
      re78: re78!,
    };
  });
}

export function lalondeReplay(folder: string): Replay {
  const treated = lalondeRows(folder, 'nswre74_treated.txt.gz', 'tab');
  const controls = lalondeRows(folder, 'nswre74_controls.txt.gz', 'tab');
  const comparison = { psid: lalondeRows(folder, 'psid_controls.txt.gz', 'spaces'), cps: lalondeRows(folder, 'cps_controls.txt.gz', 'comma') };
  const experiments = ['lalonde-psid', 'lalonde-cps'];
  const users: Array<{ userId: string; row: Row; exposures: Array<{ id: string; variant: string; randomized: boolean }> }> = [
    ...treated.map((row, i) => ({ userId: `nsw-t${i}`, row, exposures: experiments.map((id) => ({ id, variant: 'treated', randomized: true })) })),
    ...controls.map((row, i) => ({ userId: `nsw-c${i}`, row, exposures: experiments.map((id) => ({ id, variant: 'control', randomized: true })) })),
    ...treated.map((row, i) => ({ userId: `obs-t${i}`, row, exposures: experiments.map((id) => ({ id, variant: 'treated', randomized: false })) })),
    ...comparison.psid.map((row, i) => ({ userId: `psid${i}`, row, exposures: [{ id: 'lalonde-psid', variant: 'control', randomized: false }] })),
    ...comparison.cps.map((row, i) => ({ userId: `cps${i}`, row, exposures: [{ id: 'lalonde-cps', variant: 'control', randomized: false }] })),
  ];
  const events: ReplayEvent[] = [];
  shuffled(users, 1986).forEach(({ userId, row, exposures }, position) => {
    const ts = START + position * 1000;
    const covariates = Object.fromEntries(LALONDE_COVARIATES.map((c) => [c, row[c]!]));
    for (const experiment of exposures) events.push({ type: 'exposure', userId, ts, experiment, covariates });
    if (row.re78! > 0) events.push({ type: 'purchase', userId, ts: ts + 365 * DAY, itemId: 'earnings', price: row.re78! });
  });
  const everyone = [...treated, ...controls, ...comparison.psid, ...comparison.cps];
  return {
    events: sorted(events),
    options: {
      experiments: experiments.map((id) => ({ id, control: 'control', split: { control: controls.length, treated: treated.length } })),
      covariates: standardization(everyone, LALONDE_COVARIATES),
      metrics: [{ metric: 'revenue', tau2: tau2Of(controls.map((r) => r.re78!)) }],
      weighting: { estimand: 'att' },
      emitInterval: '1h',
    },
  };
}
