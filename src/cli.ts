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
import { loadTopology, type LoadedTopology } from './graph/yaml-loader.js';
import type { RuntimeSettings } from './graph/runtime-settings.js';
import { Redactor } from './graph/secrets.js';
import { describeConnectors } from './graph/describe-connectors.js';
import { type CliFlag, parseFlags, type ParsedFlags } from './cli-flags.js';
import { FlywheelError } from './core/errors.js';
import { launchJob } from './runtime/launch.js';
import { jobLogger } from './runtime/job-log.js';
import { lockStateDir } from './state/state-dir-lock.js';
import { isJobModuleReference, runJobFile } from './run.js';

interface Command {
  usage: string;
  summary: string;
  run(args: string[]): Promise<number>;
}

function requireFile(flags: Pick<ParsedFlags<CliFlag>, 'positionals'>, usage: string): string {
  const [file, ...extra] = flags.positionals;
  if (!file || extra.length > 0)
    throw new FlywheelError(
      'FW_ERR_CONFIG_INVALID',
      file ? `unexpected arguments: ${extra.join(' ')}` : 'missing topology file',
      {},
      `usage: flywheel ${usage}`,
    );
  return file;
}

/** The redactor of the topology being worked on, so an error printed at the end shows none of its secrets. */
let redactor = new Redactor([]);

/**
 * Loads a topology. `check` mode (validate, describe) reads user modules' exports without running them, and lets
 * environment variables be unset: checking connects to nothing, so they are reported instead (see unsetNotes).
 */
async function load(file: string, overrides: Partial<RuntimeSettings> = {}, mode: 'import' | 'check' = 'import'): Promise<LoadedTopology> {
  const t = await loadTopology(file, overrides, mode === 'check' ? { mode, unsetVariables: 'report' } : { mode });
  redactor = t.redactor;
  return t;
}

/** One note per unset variable (first line it is used on), saying that running needs it. */
function unsetNotes(t: LoadedTopology): string {
  const firstLines = new Map<string, number>();
  for (const v of t.unsetVariables) if (!firstLines.has(v.name)) firstLines.set(v.name, v.line);
  return [...firstLines]
    .map(([name, line]) => `note: ${t.file}:${line}: environment variable ${name} is not set; set it (or give a default: \${${name}:-value}) before running\n`)
    .join('');
}

const commands: Record<string, Command> = {
  validate: {
    usage: 'validate FILE',
    summary: "check a topology (schema, code references and their exports, graph) without running it or its modules' code",
    async run(args) {
      const t = await load(requireFile(parseFlags(args, [], this.usage), this.usage), {}, 'check');
      const plan = planGraph(t.graph, t.runtime.slots);
      process.stdout.write(`ok: ${t.file}: job ${t.graph.name}, ${t.graph.steps.length} steps in ${plan.stages.length} stages\n`);
      for (const u of t.unconfirmed) process.stdout.write(`note: ${u.path}: export of '${u.ref}' not confirmed: ${u.why}; it is checked when the job starts\n`);
      process.stdout.write(unsetNotes(t));
      return 0;
    },
  },
  describe: {
    usage: 'describe FILE',
    summary: 'print the plan: stages, fused steps, connectors (secret settings hidden), key groups, slots',
    async run(args) {
      const t = await load(requireFile(parseFlags(args, [], this.usage), this.usage), {}, 'check');
      const settings = `run settings: ${t.runtime.workers} worker thread(s), placement ${t.runtime.placement}, intake ${t.runtime.intake}, state in ${t.runtime.stateDir}${t.runtime.http ? `, http ${t.runtime.http.host}:${t.runtime.http.port}` : ''}`;
      // Connector options are redacted by key; every line also by value (settings that came from the environment).
      const text = [describePlan(planGraph(t.graph, t.runtime.slots), t.runtime.intake), describeConnectors(t.graph, t.redactor), settings].join('\n');
      process.stdout.write(t.redactor.text(text) + '\n' + unsetNotes(t));
      return 0;
    },
  },
  run: {
    usage: 'run FILE|MODULE.js#EXPORT [--workers N] [--state DIR] [--port N]',
    summary: 'run a topology, or a job built from TypeScript (a module and its export), until its sources end (or Ctrl-C)',
    async run(args) {
      const flags = parseFlags(args, ['workers', 'state', 'port'], this.usage);
      const file = requireFile(flags, this.usage);
      const { workers, state, port } = flags.values;
      if (isJobModuleReference(file)) {
        // A built TypeScript job: the flags are checked by the runtime schema, as a topology's runtime section is.
        const section = {
          ...(workers !== undefined ? { workers } : {}),
          ...(state !== undefined ? { stateDir: state } : {}),
          ...(port !== undefined ? { http: { port } } : {}),
        };
        await runJobFile(file, section);
        return 0;
      }
      const overrides = {
        ...(workers !== undefined ? { workers } : {}),
        ...(state !== undefined ? { stateDir: resolve(state) } : {}),
      };
      const t = await load(file, overrides);
      const http = port !== undefined ? { ...t.runtime.http, port, host: t.runtime.http?.host ?? '127.0.0.1' } : t.runtime.http;
      await launchJob({
        job: { kind: 'topology', file: t.file },
        graph: t.graph,
        ...t.runtime,
        ...(http ? { http } : {}),
        baseDir: dirname(t.file),
        redactor: t.redactor,
      });
      return 0;
    },
  },
  demo: {
    usage: 'demo [--port N]',
    summary: 'run the demo flywheel: embedded dev broker, generated shop events into Kafka, the job, live state over HTTP',
    run(args) {
      return runDemo(parseFlags(args, ['port'], this.usage).values.port);
    },
  },
  broker: {
    usage: 'broker [--brokers N] [--topic NAME]...',
    summary: "start the dev Kafka broker (librdkafka's mock cluster) and print its bootstrap address",
    // Loaded on demand, as Kafka connectors load node-rdkafka: the other commands never need the native client.
    async run(args) {
      const flags = parseFlags(args, ['brokers', 'topic'], this.usage).values;
      return (await import('./connectors/kafka/dev-broker.js')).runBrokerCommand(flags);
    },
  },
  schema: {
    usage: 'schema [--out FILE]',
    summary: 'print (or write) the JSON schema of topology files, for editors',
    async run(args) {
      const text = JSON.stringify(topologyJsonSchema(), null, 2) + '\n';
      const { out } = parseFlags(args, ['out'], this.usage).values;
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
async function runDemo(port: number | undefined): Promise<number> {
  const topologies = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'topologies');
  const { startDevBroker } = await import('./connectors/kafka/dev-broker.js');
  const broker = process.env.FLYWHEEL_BROKERS ? null : await startDevBroker({ topics: ['events'] });
  const log = jobLogger('demo');
  if (broker) {
    process.env.FLYWHEEL_BROKERS = broker.bootstrap;
    log.info({ event: 'broker', bootstrap: broker.bootstrap }, `embedded Kafka dev broker on ${broker.bootstrap}`);
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
      log.info({ event: 'fresh-state', stateDirs }, `fresh state in ${main.runtime.stateDir} and ${feed.runtime.stateDir} (the embedded broker starts empty)`);
    }
    const http = port !== undefined ? { ...main.runtime.http, port, host: main.runtime.http?.host ?? '127.0.0.1' } : main.runtime.http;
    await Promise.all([
      launchJob({ job: { kind: 'topology', file: feed.file }, graph: feed.graph, ...feed.runtime, baseDir: topologies, redactor: feed.redactor }),
      launchJob({
        job: { kind: 'topology', file: main.file },
        graph: main.graph,
        ...main.runtime,
        ...(http ? { http } : {}),
        baseDir: topologies,
        redactor: main.redactor,
      }),
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
    process.stderr.write(`flywheel ${name}: ${redactor.text(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}

// Exits at once: the job is closed by now, but librdkafka may still be closing a consumer whose broker is gone.
process.exit(await main(process.argv.slice(2)));
