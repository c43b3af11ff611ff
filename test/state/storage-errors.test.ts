/**
 * Which failures count as the state directory's storage giving out (storage-errors.ts), as they reach the job: an
 * error carrying a system error code (lmdb-js and node:fs set `code`), one whose only trace is its message (a message
 * that crossed a thread), or one whose cause holds it; and the job's error for them, naming the directory, the
 * underlying failure and what to do. Anything else is not one: the job reports it as it is. The disk actually filling
 * up is storage-full.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, FlywheelError } from '../../src/core/errors.js';
import { storageFailure } from '../../src/state/storage-errors.js';

const DIR = '/var/lib/flywheel/state';

/** An error as node:fs or lmdb-js throws it: a system error code beside a message that does not name it. */
function systemError(code: string, message = 'write failed'): Error {
  return Object.assign(new Error(message), { code });
}

test('each system error code of a storage failure is one, whatever the message says', () => {
  // ENOSPC disk full, EIO I/O error, EDQUOT quota exceeded, EROFS read-only file system, EFBIG file too large, and
  // LMDB's own MDB_MAP_FULL: the failures a state directory's disk gives out with.
  for (const code of ['ENOSPC', 'EIO', 'EDQUOT', 'EROFS', 'EFBIG', 'MDB_MAP_FULL']) {
    const failure = storageFailure(systemError(code), DIR);
    assert.ok(failure instanceof FlywheelError, `${code} is a storage failure`);
    assert.equal(failure.code, ErrorCodes.STORAGE_FULL, code);
  }
  for (const code of ['ENOENT', 'EACCES', 'ECONNRESET', '']) assert.equal(storageFailure(systemError(code), DIR), null, `${code} is not`);
  assert.equal(storageFailure(Object.assign(new Error('write failed'), { code: 28 }), DIR), null, 'a numeric errno alone is not read');
});

test('a message that crossed a thread is recognized by its text, in the message or in the cause', () => {
  for (const text of [
    'No space left on device',
    'Input/output error',
    'Disk quota exceeded',
    'Read-only file system',
    'File too large',
    'MDB_MAP_FULL: Environment mapsize limit reached',
    'ENOSPC',
    'EIO',
    'EDQUOT',
    'EROFS',
    'EFBIG',
  ]) {
    assert.equal(storageFailure(new Error(`commit of slot 3 failed: ${text}`), DIR)?.code, ErrorCodes.STORAGE_FULL, text);
    assert.equal(storageFailure(`commit of slot 3 failed: ${text}`, DIR)?.code, ErrorCodes.STORAGE_FULL, `${text} as a string`);
    const wrapped = new Error('the slot worker stopped', { cause: new Error(text) });
    assert.equal(storageFailure(wrapped, DIR)?.code, ErrorCodes.STORAGE_FULL, `${text} in the cause`);
    assert.equal(storageFailure(new Error('the slot worker stopped', { cause: text }), DIR)?.code, ErrorCodes.STORAGE_FULL, `${text} as a cause string`);
  }
  // The codes are words: a longer word that contains one is not a storage failure.
  for (const text of ['EIOX', 'LEIO', 'xENOSPC', 'ENOSPCE']) assert.equal(storageFailure(new Error(`failed: ${text}`), DIR), null, text);
  assert.equal(storageFailure(new Error('the slot worker stopped', { cause: new Error('out of memory') }), DIR), null);
  assert.equal(storageFailure(new Error('Cannot read properties of undefined'), DIR), null);
  assert.equal(storageFailure(null, DIR), null);
  assert.equal(storageFailure(undefined, DIR), null);
});

test('the job error names the directory, the first line of the failure and what to do, and keeps the cause', () => {
  const cause = systemError('ENOSPC', 'ENOSPC: no space left on device, write\n    at writeSync (node:fs:1)');
  const failure = storageFailure(cause, DIR)!;
  assert.equal(failure.detail, `the state directory ${DIR} cannot be written: ENOSPC: no space left on device, write`);
  assert.equal(failure.place.file, DIR);
  assert.match(failure.hint!, /^free space on its disk .* resumes from its last commit/);
  assert.equal(failure.cause, cause);
  // A storage failure raised once and passed on (a worker's error re-thrown by the main thread) is kept as it is,
  // not wrapped again around its own message.
  assert.equal(storageFailure(failure, '/elsewhere'), failure);
  // A Flywheel error that carried the text across a thread loses its code prefix in the new message.
  const relayed = new FlywheelError(ErrorCodes.INTERNAL, 'slot 2 commit failed: MDB_MAP_FULL');
  assert.equal(storageFailure(relayed, DIR)!.detail, `the state directory ${DIR} cannot be written: slot 2 commit failed: MDB_MAP_FULL`);
  // Only a leading code is the relayed error's own: one named further on is part of the text.
  assert.equal(
    storageFailure(new Error('retry after FW_ERR_STATE gave up: EIO'), DIR)!.detail,
    `the state directory ${DIR} cannot be written: retry after FW_ERR_STATE gave up: EIO`,
  );
  // Another Flywheel error, of another code, is not kept as it is.
  assert.equal(storageFailure(new FlywheelError(ErrorCodes.INTERNAL, 'bad'), DIR), null);
});
