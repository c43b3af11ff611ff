/** The propensity model's standardization of dataset covariates: each one's mean and (population) standard deviation. */

export function standardization(
  units: ReadonlyArray<Record<string, number>>,
  covariates: readonly string[],
): Record<string, { center: number; scale: number }> {
  return Object.fromEntries(
    covariates.map((name) => {
      const values = units.map((u) => u[name]!);
      const center = values.reduce((a, b) => a + b, 0) / values.length;
      const scale = Math.sqrt(values.reduce((a, v) => a + (v - center) ** 2, 0) / values.length);
      return [name, { center, scale: scale > 0 ? scale : 1 }];
    }),
  );
}
