/** `describe`'s connector lines: each source and sink step with its connector's options, secret settings hidden. */
import type { ConnectorSpec, JobGraph } from './model.js';
import type { Redactor } from './secrets.js';

export function describeConnectors(graph: JobGraph, redactor: Redactor): string {
  const lines = ['connectors:'];
  for (const step of graph.steps) {
    if (step.kind !== 'source' && step.kind !== 'sink') continue;
    const connector = step.config.connector as ConnectorSpec;
    lines.push(`  ${step.kind.padEnd(8)} ${step.id}: ${connector.type} ${JSON.stringify(redactor.value(connector.options))}`);
  }
  return lines.join('\n');
}
