/**
 * The balance and overlap diagnostics of an observational comparison on arms worked by hand: the overlap figures
 * per arm, which arms' support the estimand looks at (both for the ATE, the treated for the ATT), the warnings'
 * wording with their figures, and the thresholds on each side. ipw.test.ts checks them on simulated worlds, and the
 * balance warnings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { covariateBalance, overlapDiagnostics } from '../../../../src/jobs/experiments/stats/balance.js';
import {
  addObservationalUnit,
  createObservationalArm,
  type ObservationalArm,
  type WeightingConfig,
} from '../../../../src/jobs/experiments/stats/observational-arm.js';
import { StatsWarningCodes } from '../../../../src/jobs/experiments/stats/warnings.js';

const ATE: WeightingConfig = { estimand: 'ate', clip: [0.01, 0.99] };
const ATT: WeightingConfig = { estimand: 'att', clip: [0.01, 0.99] };

/** Arms of units given as [propensity, count] per arm, each unit with outcome y = its index mod 3 and x = 0. */
function arms(
  config: WeightingConfig,
  control: Array<[number, number]>,
  treated: Array<[number, number]>,
): { control: ObservationalArm; treated: ObservationalArm } {
  const out = { control: createObservationalArm(['y', 'x']), treated: createObservationalArm(['y', 'x']) };
  for (const [side, units] of [
    ['control', control],
    ['treated', treated],
  ] as const) {
    let i = 0;
    for (const [propensity, count] of units)
      for (let k = 0; k < count; k++) addObservationalUnit(out[side], { y: i++ % 3, x: 0 }, propensity, side === 'treated', config);
  }
  return out;
}

/** 100 controls at propensity 0.2; 99 treated units at 0.9 and one at 0.011. */
const FAR_APART = {
  control: [[0.2, 100]] as Array<[number, number]>,
  treated: [
    [0.9, 99],
    [0.011, 1],
  ] as Array<[number, number]>,
};

/** The warning that all of an arm's units lie in propensity bins the other arm does not reach. */
const noneReached = (arm: 'treated' | 'control') => ({
  code: StatsWarningCodes.POOR_OVERLAP,
  arm,
  message: `100.0% of ${arm} units have propensities the other arm never reaches; the weighted estimate extrapolates there`,
});

test('overlap worked by hand: 99 treated units at 0.9 and one at 0.011 against 100 controls at 0.2', () => {
  // Bins of width 0.05: treated in bins 18 and 0, controls in bin 4, so neither arm reaches the other's bins. Tails
  // (below 0.1: bins 0 and 1; from 0.9: bins 18 and 19): 1 and 99 treated units, no control. Under the ATE the
  // treated weights are 1/0.9 (99 times) and 1/0.011: Kish's effective sample (99/0.9 + 1/0.011)^2 /
  // (99/0.81 + 1/0.011^2) = 4.81; controls all weigh 1/0.8, so theirs is 100.
  const { control, treated } = arms(ATE, FAR_APART.control, FAR_APART.treated);
  const { overlap, warnings } = overlapDiagnostics(control, treated, 'ate');
  const ess = (99 / 0.9 + 1 / 0.011) ** 2 / (99 / 0.81 + 1 / 0.011 ** 2);
  assert.ok(Math.abs(overlap.treated.effectiveSampleSize - ess) < 1e-9 * ess, `${overlap.treated.effectiveSampleSize} vs ${ess}`);
  assert.ok(Math.abs(overlap.control.effectiveSampleSize - 100) < 1e-9);
  assert.deepEqual(
    { ...overlap.treated, effectiveSampleSize: 0 },
    { count: 100, outsideCommonSupport: 1, lowTail: 0.01, highTail: 0.99, effectiveSampleSize: 0 },
  );
  assert.deepEqual({ ...overlap.control, effectiveSampleSize: 0 }, { count: 100, outsideCommonSupport: 1, lowTail: 0, highTail: 0, effectiveSampleSize: 0 });
  assert.equal(overlap.clippedShare, 0);
  assert.deepEqual(warnings, [
    noneReached('treated'),
    {
      code: StatsWarningCodes.POOR_OVERLAP,
      arm: 'treated',
      message: '100.0% of treated units have propensities outside [0.1, 0.9], where few comparable units of the other arm exist',
    },
    noneReached('control'),
    {
      code: StatsWarningCodes.EXTREME_WEIGHTS,
      arm: 'treated',
      message: `the treated weights leave an effective sample of ${ess.toFixed(1)} of 100 units; a few units carry the estimate`,
    },
  ]);
});

test('for the effect on the treated only the treated need support, and only their propensities above 0.9 count', () => {
  // The same units weighted for the ATT: treated weights are all 1, control weights all 0.2 / 0.8, so no arm's
  // effective sample is small; controls outside the treated units' bins are not flagged.
  const { control, treated } = arms(ATT, FAR_APART.control, FAR_APART.treated);
  const { overlap, warnings } = overlapDiagnostics(control, treated, 'att');
  assert.ok(Math.abs(overlap.treated.effectiveSampleSize - 100) < 1e-9 && Math.abs(overlap.control.effectiveSampleSize - 100) < 1e-9);
  assert.deepEqual(warnings, [
    noneReached('treated'),
    {
      code: StatsWarningCodes.POOR_OVERLAP,
      arm: 'treated',
      message: '99.0% of treated units have propensities above 0.9, where few comparable units of the other arm exist',
    },
  ]);
  // Treated units at low propensities are no concern under the ATT: 20 of 100 below 0.1 (with controls there too).
  const low = arms(
    ATT,
    [
      [0.05, 50],
      [0.5, 50],
    ],
    [
      [0.05, 20],
      [0.5, 80],
    ],
  );
  assert.deepEqual(overlapDiagnostics(low.control, low.treated, 'att').warnings, []);
  const lowAte = overlapDiagnostics(low.control, low.treated, 'ate').warnings;
  assert.deepEqual(
    lowAte.map((w) => [w.arm, w.message]),
    [
      ['treated', '20.0% of treated units have propensities outside [0.1, 0.9], where few comparable units of the other arm exist'],
      ['control', '50.0% of control units have propensities outside [0.1, 0.9], where few comparable units of the other arm exist'],
    ],
  );
});

test('each threshold flags above it and not at or below it', () => {
  // Outside common support: 5% of the treated units is not flagged, 6% is (5 or 6 treated units in bin 19, where no
  // control is; the other units share bin 10). Tails: 10% (10 units in bin 19 with controls there) is not, 11% is.
  const support = (outside: number) =>
    overlapDiagnostics(
      ...(Object.values(
        arms(
          ATE,
          [[0.5, 100]],
          [
            [0.97, outside],
            [0.5, 100 - outside],
          ],
        ),
      ) as [ObservationalArm, ObservationalArm]),
      'ate',
    ).warnings.filter((w) => /never reaches/.test(w.message)).length;
  assert.deepEqual([support(5), support(6)], [0, 1]);
  const tails = (share: number) =>
    overlapDiagnostics(
      ...(Object.values(
        arms(
          ATE,
          [
            [0.97, 10],
            [0.5, 90],
          ],
          [
            [0.97, share],
            [0.5, 100 - share],
          ],
        ),
      ) as [ObservationalArm, ObservationalArm]),
      'ate',
    ).warnings.filter((w) => w.arm === 'treated' && /outside \[0\.1, 0\.9\]/.test(w.message)).length;
  assert.deepEqual([tails(10), tails(11)], [0, 1]);
  // Clipped: a treated unit at propensity 0.001 is clipped to 0.01 under the ATE; 5 of 100 units are not flagged, 6 are.
  const clipped = (count: number) => {
    const a = arms(
      ATE,
      [[0.02, 50]],
      [
        [0.001, count],
        [0.02, 50 - count],
      ],
    );
    const { overlap, warnings } = overlapDiagnostics(a.control, a.treated, 'ate');
    return [overlap.clippedShare, warnings.filter((w) => w.arm === undefined).map((w) => w.message)];
  };
  assert.deepEqual(clipped(5), [0.05, []]);
  assert.deepEqual(clipped(6), [0.06, ['6.0% of units had their propensity clipped; the arms barely overlap']]);
});

test('the tails begin below 0.1 and at 0.9: a propensity of 0.1 or 0.12 is in the region of good overlap', () => {
  const inside = arms(
    ATE,
    [[0.5, 10]],
    [
      [0.1, 10],
      [0.12, 10],
      [0.5, 10],
    ],
  );
  assert.equal(overlapDiagnostics(inside.control, inside.treated, 'ate').overlap.treated.lowTail, 0);
});

test('empty arms have shares of 0, not NaN, and no warnings', () => {
  const { control, treated } = arms(ATE, [], []);
  const { overlap, warnings } = overlapDiagnostics(control, treated, 'ate');
  assert.deepEqual(overlap, {
    control: { count: 0, outsideCommonSupport: 0, lowTail: 0, highTail: 0, effectiveSampleSize: 0 },
    treated: { count: 0, outsideCommonSupport: 0, lowTail: 0, highTail: 0, effectiveSampleSize: 0 },
    clippedShare: 0,
  });
  assert.deepEqual(warnings, []);
});

test('a standardized difference of exactly 0.1 is not an imbalance', () => {
  // Control x = -10, 0, 10 and treated x = -9, 1, 11: both variances 100, so the pooled sd is 10 and the difference
  // of means 1 gives exactly 1 / 10, before weighting and after (every unit at propensity 0.5).
  const control = createObservationalArm(['x']);
  const treated = createObservationalArm(['x']);
  for (const x of [-10, 0, 10]) addObservationalUnit(control, { x }, 0.5, false, ATE);
  for (const x of [-9, 1, 11]) addObservationalUnit(treated, { x }, 0.5, true, ATE);
  const { balance, warnings } = covariateBalance(control, treated, ['x']);
  assert.deepEqual(balance, [{ covariate: 'x', before: 0.1, after: 0.1 }]);
  assert.deepEqual(warnings, []);
});
