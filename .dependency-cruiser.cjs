/**
 * The layering rules of the source tree, checked by dependency-cruiser (test/architecture.test.ts runs it): src/core
 * is a leaf every layer may import; no import cycles; the runtime never imports a job or a concrete operator (only
 * the operator contract and registry); only jobs and the CLI import jobs; the graph never imports the runtime; the
 * state layer reads the runtime only for the packed record format it stores; only src/state touches LMDB. Type-only
 * imports count too.
 */
module.exports = {
  forbidden: [
    {
      name: 'core-is-a-leaf',
      comment: 'src/core holds what every layer shares (errors, hashing, durations, seeded random): it imports no other layer.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/', pathNot: '^src/core/' },
    },
    {
      name: 'no-cycles',
      comment: 'An import cycle ties modules into one unit that cannot be loaded, tested or layered apart.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'runtime-imports-no-job-or-concrete-operator',
      comment: 'The runtime runs any job: it knows operators only through their contract and registry.',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: ['^src/jobs/', '^src/operators/'], pathNot: '^src/operators/(registry|operator)\\.ts$' },
    },
    {
      name: 'only-jobs-and-cli-import-jobs',
      comment: 'Jobs sit on top: nothing below them may depend on one.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/jobs/', '^src/cli\\.ts$'] },
      to: { path: '^src/jobs/' },
    },
    {
      name: 'graph-imports-no-runtime',
      comment: 'The graph (model, loader, planner, run settings) describes a job; the runtime runs it, not the other way round.',
      severity: 'error',
      from: { path: '^src/graph/' },
      to: { path: '^src/runtime/' },
    },
    {
      name: 'state-reads-runtime-only-for-the-record-format',
      comment: 'State lies below the runtime; the forward table stores packed record runs, so it may use their format.',
      severity: 'error',
      from: { path: '^src/state/' },
      to: { path: '^src/runtime/', pathNot: '^src/runtime/(record-columns|batch-codec)\\.ts$' },
    },
    {
      name: 'only-state-imports-lmdb',
      comment: 'Storage is one layer: everything else goes through src/state.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/state/' },
      to: { path: '(^|/)node_modules/lmdb/' },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
  },
};
