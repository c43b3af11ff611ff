/**
 * The two runs of a webhook crash test: a job in one directory run to its end by the CLI against one receiver (the
 * reference), and the same job in another directory against a second receiver, SIGKILLed `kills` times (each once
 * the receiver has had between `min` and `min + spread` further calls and holds one it has not answered), restarted
 * on the same state, then run to its end. Both receivers answer 2xx after 5 ms, so requests are in flight at a kill,
 * and keep every body they got per Idempotency-Key. The directories and receivers are removed after `check`.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { CallServer, type CallRequest } from './call-server.js';
import { runCliKilledWhen } from './cli-run.js';

export interface Receiver {
  server: CallServer;
  /** Every body received, per idempotency key, in arrival order. */
  bodies: Map<string, unknown[]>;
}

export interface CrashRuns {
  reference: Receiver;
  target: Receiver;
  /** The directories of the uninterrupted and the killed job. */
  clean: string;
  crashed: string;
  kills: number;
  /** What the last start of the killed job printed. */
  printed: string;
}

export interface CrashSchedule {
  kills: number;
  min: number;
  spread: number;
  rand: () => number;
}

async function receiver(): Promise<Receiver> {
  const bodies = new Map<string, unknown[]>();
  const behaviour = (req: CallRequest) => {
    const list = bodies.get(req.key);
    if (list) list.push(req.body);
    else bodies.set(req.key, [req.body]);
    return { delayMs: 5 };
  };
  return { server: await new CallServer(behaviour, () => ({})).start(), bodies };
}

/** `prepare` writes the job into a new directory (topology.yaml) and returns it; `env` gives its environment for a receiver url. */
export async function webhookCrashRuns(
  prepare: () => string,
  env: (url: string) => NodeJS.ProcessEnv,
  schedule: CrashSchedule,
  check: (runs: CrashRuns) => void | Promise<void>,
): Promise<void> {
  const clean = prepare();
  const crashed = prepare();
  const reference = await receiver();
  const target = await receiver();
  const run = (dir: string, r: Receiver, killWhen: Promise<void> | null) => runCliKilledWhen(['run', join(dir, 'topology.yaml')], env(r.server.url), killWhen);
  try {
    const first = await run(clean, reference, null);
    if (first.outcome !== 'finished') throw new Error('the uninterrupted run did not finish');
    let kills = 0;
    for (; kills < schedule.kills; kills++) {
      const after = target.server.calls + schedule.min + Math.floor(schedule.rand() * schedule.spread);
      const outcome = await run(
        crashed,
        target,
        target.server.until(() => target.server.calls >= after && target.server.inFlight > 0),
      );
      if (outcome.outcome === 'finished') break;
    }
    const last = await run(crashed, target, null);
    if (last.outcome !== 'finished') throw new Error('the last start of the killed job did not finish');
    await check({ reference, target, clean, crashed, kills, printed: last.printed });
  } finally {
    await reference.server.kill();
    await target.server.kill();
    rmSync(clean, { recursive: true, force: true });
    rmSync(crashed, { recursive: true, force: true });
  }
}
