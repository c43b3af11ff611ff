#!/usr/bin/env node
/**
 * The flywheel command: validate, describe and run topologies, generate the editor schema, start the dev broker,
 * and run the demo. Each command is one entry of the table below.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describePlan, planGraph } from './graph/planner.js';
import { topologyJsonSchema } from './graph/topology-schema.js';
import { loadTopology } from './graph/yaml-loader.js';
import { FlywheelError } from './runtime/errors.js';
import { launchJob } from './runtime/launch.js';
import { lockStateDir } from './state/state-dir-lock.js';
import { runBrokerCommand, startDevBroker } from './connectors/kafka/dev-broker.js';

interface Command {
  usage: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

function requireFile(args: string[], usage: string): string {
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) throw new FlywheelError('FW_ERR_CONFIG_INVALID', `missing topology file`, {}, `usage: flywheel ${usage}`);
  return file;
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

const commands: Record<string, Command> = {
  validate: {
    usage: 'validate FILE',
    summary: 'check a topology (schema, code references, graph) without running it',
    async run(args) {
      const t = await loadTopology(requireFile(args, this.usage));
      const plan = planGraph(t.graph, t.runtime.slots);
      process.stdout.write(`ok: ${t.file}: job ${t.graph.name}, ${t.graph.steps.length} steps in ${plan.stages.length} stages, graph ${t.graph.hash}\n`);
      return 0;
    },
  },
  describe: {
    usage: 'describe FILE',
    summary: 'print the plan: stages, fused steps, key groups, slots',
    async run(args) {
      const t = await loadTopology(requireFile(args, this.usage));
      process.stdout.write(describePlan(planGraph(t.graph, t.runtime.slots), t.runtime.intake) + '\n');
      process.stdout.write(`run settings: ${t.runtime.workers} worker thread(s), placement ${t.runtime.placement}, intake ${t.runtime.intake}, state in ${t.runtime.stateDir}${t.runtime.http ? `, http ${t.runtime.http.host}:${t.runtime.http.port}` : ''}\n`);
      return 0;
    },
  },
  run: {
    usage: 'run FILE [--workers N] [--state DIR] [--port N]',
    summary: 'run a topology until its sources end (or Ctrl-C)',
    async run(args) {
      const file = requireFile(args, this.usage);
      const overrides = {
        ...(option(args, 'workers') ? { workers: Number(option(args, 'workers')) } : {}),
        ...(option(args, 'state') ? { stateDir: resolve(option(args, 'state')!) } : {}),
      };
      const t = await loadTopology(file, overrides);
      const port = option(args, 'port');
      const http = port !== undefined ? { ...t.runtime.http, port: Number(port), host: t.runtime.http?.host ?? '127.0.0.1' } : t.runtime.http;
      const summary = await launchJob({ job: { kind: 'topology', file: t.file }, graph: t.graph, ...t.runtime, ...(http ? { http } : {}), baseDir: dirname(t.file) });
      process.stdout.write(`[${t.graph.name}] finished: ${summary.recordsRead} records read in ${summary.batches} batches\n`);
      return 0;
    },
  },
  demo: {
    usage: 'demo [--port N]',
    summary: 'run the demo flywheel: embedded dev broker, generated shop events into Kafka, the job, live state over HTTP',
    run: (args) => runDemo(option(args, 'port')),
  },
  broker: {
    usage: 'broker [--brokers N] [--topic NAME]...',
    summary: "start the dev Kafka broker (librdkafka's mock cluster) and print its bootstrap address",
    run: (args) => runBrokerCommand(args),
  },
  schema: {
    usage: 'schema [--out FILE]',
    summary: 'print (or write) the JSON schema of topology files, for editors',
    async run(args) {
      const text = JSON.stringify(topologyJsonSchema(), null, 2) + '\n';
      const out = option(args, 'out');
      if (out) writeFileSync(out, text);
      else process.stdout.write(text);
      return 0;
    },
  },
};

/**
 * The demo: a dev broker in this process (unless FLYWHEEL_BROKERS names one), the feed job (generator -> topic
 * `events`) and the flywheel job (topic -> features -> HTTP) running side by side until Ctrl-C. The embedded broker
 * keeps nothing between runs, so with it the demo starts from empty state: offsets kept from an earlier run would
 * point into a topic that no longer exists (it is wiped only once this process holds its lock).
 */
async function runDemo(port: string | undefined): Promise<number> {
  const topologies = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'topologies');
  const broker = process.env.FLYWHEEL_BROKERS ? null : await startDevBroker({ topics: ['events'] });
  if (broker) {
    process.env.FLYWHEEL_BROKERS = broker.bootstrap;
    process.stdout.write(`[demo] embedded Kafka dev broker on ${broker.bootstrap}\n`);
  }
  try {
    const feed = await loadTopology(join(topologies, 'demo-feed.yaml'));
    const main = await loadTopology(join(topologies, 'demo.yaml'));
    if (broker) {
      const stateDirs = [feed.runtime.stateDir, main.runtime.stateDir];
      // A demo already running on these directories stops this one here, before anything of its state is deleted.
      const locks = await Promise.all(stateDirs.map((dir) => lockStateDir(dir)));
      for (const dir of stateDirs) rmSync(dir, { recursive: true, force: true });
      for (const lock of locks) lock.release();
      process.stdout.write(`[demo] fresh state in ${main.runtime.stateDir} and ${feed.runtime.stateDir} (the embedded broker starts empty)\n`);
    }
    const http = port !== undefined ? { ...main.runtime.http, port: Number(port), host: main.runtime.http?.host ?? '127.0.0.1' } : main.runtime.http;
    await Promise.all([
      launchJob({ job: { kind: 'topology', file: feed.file }, graph: feed.graph, ...feed.runtime, baseDir: topologies }),
      launchJob({ job: { kind: 'topology', file: main.file }, graph: main.graph, ...main.runtime, ...(http ? { http } : {}), baseDir: topologies }),
    ]);
  } finally {
    await broker?.stop();
  }
  return 0;
}

function help(): string {
  const width = Math.max(...Object.values(commands).map((c) => c.usage.length));
  return ['usage: flywheel <command>', '', ...Object.values(commands).map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`)].join('\n') + '\n';
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 1;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`flywheel: unknown command '${name}'\n\n${help()}`);
    return 1;
  }
  try {
    return await command.run(args);
  } catch (err) {
    process.stderr.write(`flywheel ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

// Exits at once: the job is closed by now, but librdkafka may still be closing a consumer whose broker is gone.
process.exit(await main(process.argv.slice(2)));
