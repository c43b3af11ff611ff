/** The shipped topologies load, and the committed editor schema is the one the code generates (and accepts them). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parseDocument } from 'yaml';
import { loadTopology } from '../../src/graph/yaml-loader.js';
import { topologyJsonSchema } from '../../src/graph/topology-schema.js';
import { interpolateEnv, protectReferences } from '../../src/graph/env-interpolation.js';

const topologies = resolve(dirname(fileURLToPath(import.meta.url)), '../../../topologies');
const yamlFiles = readdirSync(topologies).filter((f) => f.endsWith('.yaml'));

test('topologies/ holds the shipped topologies', () => assert.ok(yamlFiles.includes('demo.yaml')));

// Loading never connects to anything, so any broker address will do.
process.env.FLYWHEEL_BROKERS ??= '127.0.0.1:9092';

for (const file of yamlFiles) {
  test(`topologies/${file} loads and validates against the editor schema`, async () => {
    const loaded = await loadTopology(join(topologies, file));
    assert.ok(loaded.graph.steps.length > 0);
    const validate = new Ajv({ strict: false }).compile(topologyJsonSchema());
    const text = protectReferences(readFileSync(join(topologies, file), 'utf8'));
    const doc = parseDocument(text.text);
    interpolateEnv(doc, text, process.env);
    assert.equal(validate(doc.toJS()), true, JSON.stringify(validate.errors));
  });
}

test('topologies/topology.schema.json is up to date (regenerate with: flywheel schema --out topologies/topology.schema.json)', () => {
  assert.deepEqual(JSON.parse(readFileSync(join(topologies, 'topology.schema.json'), 'utf8')), topologyJsonSchema());
});

test('the demo (npm start runs demo-feed.yaml and demo.yaml) caps every file it writes: each file sink rotates at maxBytes', async () => {
  for (const file of ['demo-feed.yaml', 'demo.yaml']) {
    const { graph } = await loadTopology(join(topologies, file));
    const fileSinks = graph.steps.filter((s) => s.kind === 'sink' && (s.config.connector as { type: string }).type === 'file');
    assert.ok(fileSinks.length > 0, file);
    for (const step of fileSinks) {
      const { maxBytes } = (step.config.connector as { options: { maxBytes?: number } }).options;
      assert.ok(maxBytes !== undefined && maxBytes > 0, `${file}: sink ${step.id} writes a file without maxBytes, so it grows without bound`);
    }
  }
});
