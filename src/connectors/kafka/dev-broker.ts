/**
 * The dev broker: librdkafka's mock cluster, a real Kafka-protocol broker on 127.0.0.1 started by any librdkafka
 * client created with `test.mock.num.brokers`. `startDevBroker` runs it in this process; `spawnDevBroker` runs
 * `broker-main.js` as a child process (tests kill it to simulate an outage). Known limits are in docs/kafka.md:
 * topics are auto-created with 4 partitions, retention is small, nothing persists, transactions are not enforced.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Kafka from 'node-rdkafka';

export interface DevBroker {
  bootstrap: string;
  stop(): Promise<void>;
}

/** Starts the mock cluster; each named topic is created (the mock gives every topic 4 partitions). */
export async function startDevBroker(options: { brokers?: number; topics?: string[] } = {}): Promise<DevBroker> {
  const holder = new Kafka.Producer({
    'test.mock.num.brokers': options.brokers ?? 1,
    'bootstrap.servers': '',
    'client.id': 'flywheel-dev-broker',
    'allow.auto.create.topics': true,
  } as Kafka.ProducerGlobalConfig);
  const metadata = await new Promise<Kafka.Metadata>((resolve, reject) =>
    holder.connect({}, (err, md) => (err ? reject(new Error(`dev broker failed to start: ${err.message}`)) : resolve(md))),
  );
  for (const topic of options.topics ?? []) {
    await new Promise<void>((resolve, reject) => holder.getMetadata({ topic, timeout: 5_000 }, (err) => (err ? reject(err) : resolve())));
  }
  const bootstrap = metadata.brokers.map((b) => `${b.host}:${b.port}`).join(',');
  return { bootstrap, stop: () => new Promise<void>((done) => holder.disconnect(() => done())) };
}

export interface SpawnedBroker extends DevBroker {
  process: ChildProcess;
}

/**
 * Starts the dev broker in a child process and resolves once it prints its bootstrap address; rejects, and kills
 * the child, if it has not within `startTimeoutMs`. The child stops by itself when this process exits or crashes.
 */
export function spawnDevBroker(options: { brokers?: number; topics?: string[]; startTimeoutMs?: number } = {}): Promise<SpawnedBroker> {
  const main = fileURLToPath(new URL('./broker-main.js', import.meta.url));
  const topicArgs = (options.topics ?? []).flatMap((t) => ['--topic', t]);
  // stdin is a pipe only so that the child sees it end, and stops, when this process is gone.
  const child = spawn(process.execPath, [main, '--brokers', String(options.brokers ?? 1), ...topicArgs], { stdio: ['pipe', 'pipe', 'inherit'] });
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dev broker did not print its address within ${timeoutMs} ms (it printed: ${JSON.stringify(out)})`));
    }, timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /FLYWHEEL_BROKER bootstrap=(\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const stop = () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          });
        resolve({ bootstrap: m[1]!, process: child, stop });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dev broker process exited with ${code} before it was ready`));
    });
  });
}

/** `flywheel broker [--brokers N] [--topic NAME]...`: runs the dev broker in the foreground until interrupted. */
export async function runBrokerCommand(flags: { brokers?: number; topic?: string[] }): Promise<number> {
  const broker = await startDevBroker({ brokers: flags.brokers, topics: flags.topic });
  process.stdout.write(`FLYWHEEL_BROKER bootstrap=${broker.bootstrap}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await broker.stop();
  return 0;
}
