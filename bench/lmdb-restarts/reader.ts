/**
 * The other process of the LMDB restart check: every `intervalMs` it opens the environment read-only, reads every
 * entry and closes it again, as a tool or test reading a job's state directory from outside would.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';

const [dir, intervalMs] = process.argv.slice(2);
setInterval(() => {
  if (!existsSync(join(dir!, 'data.mdb'))) return;
  const env = open({ path: dir!, maxDbs: 4, readOnly: true });
  const db = env.openDB({ name: 'log', encoding: 'msgpack' });
  db.getRange({}).forEach(() => undefined);
  void env.close();
}, Number(intervalMs));
