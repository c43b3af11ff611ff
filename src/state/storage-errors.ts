/**
 * Which failures are the state directory's storage giving out (the disk full, an I/O error, the LMDB map full) and
 * the error the job stops with for them: FW_ERR_STORAGE_FULL, naming the directory and what to do. They are told
 * apart by the system error code where one came through, and by its text where only a message crossed a thread.
 */
import { ErrorCodes, FlywheelError } from '../core/errors.js';

const STORAGE_CODES = new Set(['ENOSPC', 'EIO', 'EDQUOT', 'EROFS', 'EFBIG', 'MDB_MAP_FULL']);
const STORAGE_TEXT =
  /No space left on device|Input\/output error|Disk quota exceeded|Read-only file system|File too large|MDB_MAP_FULL|\b(ENOSPC|EIO|EDQUOT|EROFS|EFBIG)\b/;

/** The job's error for a storage failure of `stateDir`, or null when `err` is something else. */
export function storageFailure(err: unknown, stateDir: string): FlywheelError | null {
  if (err instanceof FlywheelError && err.code === ErrorCodes.STORAGE_FULL) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error && err.cause !== undefined ? String((err.cause as Error).message ?? err.cause) : '';
  if (!(typeof code === 'string' && STORAGE_CODES.has(code)) && !STORAGE_TEXT.test(message) && !STORAGE_TEXT.test(cause)) return null;
  const detail = message.split('\n')[0]!.replace(/^FW_ERR_[A-Z_]+ /, '');
  return new FlywheelError(
    ErrorCodes.STORAGE_FULL,
    `the state directory ${stateDir} cannot be written: ${detail}`,
    { file: stateDir },
    'free space on its disk (or give the directory more room) and start the job again: it resumes from its last commit, nothing is lost',
    err,
  );
}
