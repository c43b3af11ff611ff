/**
 * LaLonde's NSW job-training data (Dehejia and Wahba's sample): the randomized benchmark (NSW treated vs NSW
 * controls) and the observational comparisons of the same treated units with PSID and CPS controls, estimated by
 * weighting for the effect on the treated with the online propensity model, with balance and overlap diagnostics,
 * and fused with the randomized estimate. Printed beside the published figures of the datasets' README.
 */
import { join } from 'node:path';
import { fuseEstimates } from '../../src/jobs/experiments/stats/fusion.js';
import { weightingEstimate } from '../../src/jobs/experiments/stats/ipw.js';
import { addObservation, createMoments } from '../../src/jobs/experiments/stats/moments.js';
import { addObservationalUnit, createObservationalArm, type WeightingConfig } from '../../src/jobs/experiments/stats/observational-arm.js';
import { createPropensityModel, learnPropensity, propensityOf, type PropensityModel } from '../../src/jobs/experiments/stats/propensity.js';
import { differenceInMeans } from '../../src/jobs/experiments/stats/welch.js';
import { standardization } from './covariate-scaling.js';
import { shuffled } from './stream-order.js';
import { readGzipRows, type Separator } from './read-tables.js';
import { interval, sig, table } from './print.js';

type Unit = Record<string, number>;

/** Columns in file order; earnings also in $1000s (squared terms of dollars would span 18 orders of magnitude). */
function unitsOf(path: string, separator: Separator): Unit[] {
  return readGzipRows(path, separator).map((row) => {
    const [treat, age, education, black, hispanic, married, nodegree, re74, re75, re78] = row.slice(0, 10).map(Number) as number[];
    const [k74, k75] = [re74! / 1000, re75! / 1000];
    return {
      treat: treat!,
      age: age!,
      education: education!,
      black: black!,
      hispanic: hispanic!,
      married: married!,
      nodegree: nodegree!,
      re74: re74!,
      re75: re75!,
      re78: re78!,
      ageSquared: age! * age!,
      educationSquared: education! * education!,
      re74k: k74,
      re75k: k75,
      re74kSquared: k74 * k74,
      re75kSquared: k75 * k75,
      u74: re74 === 0 ? 1 : 0,
      u75: re75 === 0 ? 1 : 0,
      educationRe74k: education! * k74,
    };
  });
}

/** Dehejia and Wahba's (1999) specification, earnings in $1000s. */
const WELL_SPECIFIED = [
  'age',
  'ageSquared',
  'education',
  'educationSquared',
  'black',
  'hispanic',
  'married',
  'nodegree',
  're74k',
  're75k',
  're74kSquared',
  're75kSquared',
  'u74',
  'u75',
  'educationRe74k',
];
/** A model that leaves out pre-period earnings, the strongest confounder. */
const MISSPECIFIED = ['age', 'education'];
/** Balance is shown on the original covariates. */
const BALANCE = ['age', 'education', 'black', 'hispanic', 'married', 'nodegree', 're74', 're75'];
const ATT: WeightingConfig = { estimand: 'att', clip: [0.01, 0.99] };

/** Passes over the units until the log-likelihood gains less than this (the batch maximum-likelihood fit). */
const CONVERGED = 1e-6;
const MAX_PASSES = 200;

function logLikelihood(model: PropensityModel, units: Unit[]): number {
  return units.reduce((t, u) => t + Math.log(u.treat === 1 ? propensityOf(model, u) : 1 - propensityOf(model, u)), 0);
}

/**
 * The weighting estimate with a propensity model fitted by one online pass (as the streaming job fits it), or by
 * repeated passes of the same recursive Newton steps until the log-likelihood stops rising (the batch fit).
 */
function observational(treated: Unit[], controls: Unit[], covariates: string[], fit: 'one pass' | 'converged') {
  const units = shuffled([...treated, ...controls], 1986);
  const model = createPropensityModel(covariates, { standardization: standardization(units, covariates) });
  let [passes, previous, current] = [0, -Infinity, -Infinity];
  do {
    for (const u of units) learnPropensity(model, u, u.treat === 1);
    [passes, previous, current] = [passes + 1, current, logLikelihood(model, units)];
  } while (fit === 'converged' && passes < MAX_PASSES && current - previous > CONVERGED * Math.abs(current));
  const variables = ['re78', ...BALANCE];
  const arms = { control: createObservationalArm(variables), treated: createObservationalArm(variables) };
  for (const u of units) addObservationalUnit(u.treat === 1 ? arms.treated : arms.control, u, propensityOf(model, u), u.treat === 1, ATT);
  return { ...weightingEstimate(arms.control, arms.treated, 're78', BALANCE, ATT, 0.05)!, passes, logLikelihood: current };
}

export function lalonde(folder: string): string {
  const read = (file: string, separator: Separator) => unitsOf(join(folder, 'lalonde', file), separator);
  const treated = read('nswre74_treated.txt.gz', 'tab');
  const experimentalControls = read('nswre74_controls.txt.gz', 'tab');
  const groups = { PSID: read('psid_controls.txt.gz', 'spaces'), CPS: read('cps_controls.txt.gz', 'comma') };
  const arm = (units: Unit[]) => {
    const m = createMoments(['re78']);
    for (const u of units) addObservation(m, u);
    return m;
  };
  const experiment = differenceInMeans(arm(experimentalControls), arm(treated), 're78', 0.05)!;
  const out = [
    '### LaLonde / NSW (effect of job training on 1978 earnings, in dollars)',
    `Randomized: ${treated.length} treated vs ${experimentalControls.length} controls: difference ${interval(experiment, 5)}, se ${sig(experiment.standardError)} (published $1,794, se about 671).`,
  ];
  const published: Record<string, number> = { PSID: -15205, CPS: -8498 };
  for (const [name, controls] of Object.entries(groups)) {
    for (const [label, covariates, fit] of [
      ['Dehejia-Wahba specification, one online pass', WELL_SPECIFIED, 'one pass'],
      ['Dehejia-Wahba specification, fitted to convergence', WELL_SPECIFIED, 'converged'],
      ['age and education only', MISSPECIFIED, 'converged'],
    ] as const) {
      const w = observational(treated, controls, [...covariates], fit);
      const fusion = fuseEstimates(experiment, w.effect, { alpha: 0.05 });
      out.push(
        `\n**${name} controls (${controls.length}), propensity on ${label}**: naive difference ${sig(w.naive!.estimate, 5)} (published ${published[name]}); ` +
          `propensity fit: ${w.passes} pass(es), log-likelihood ${sig(w.logLikelihood, 5)}; weighted effect on the treated ${interval(w.effect, 5)}; mean stabilized control weight ${sig(w.meanStabilizedWeight.control, 3)}; ` +
          `effective control sample ${sig(w.overlap.control.effectiveSampleSize, 3)} of ${w.overlap.control.count}; treated with propensity above 0.9: ${(100 * w.overlap.treated.highTail).toFixed(1)}%; clipped ${(100 * w.overlap.clippedShare).toFixed(1)}%.`,
        table(
          ['covariate', 'SMD before', 'SMD after'],
          w.balance.map((b) => [b.covariate, sig(b.before, 3), sig(b.after, 3)]),
        ),
        `Fusion with the randomized estimate: inverse-variance ${interval(fusion.inverseVariance, 5)} (weights: randomized ${sig(fusion.inverseVariance.randomizedWeight, 3)}, observational ${sig(fusion.inverseVariance.observationalWeight, 3)}); disagreement p = ${sig(fusion.disagreement.pValue, 3)}.`,
        `Warnings: ${JSON.stringify([...w.warnings, ...fusion.warnings].map((x) => (x.arm ? `${x.code} (${x.arm})` : x.code)))}`,
      );
    }
  }
  return out.join('\n\n');
}
