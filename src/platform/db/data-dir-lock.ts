import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

/**
 * Only one process may open an embedded data directory: a second PGlite instance on the same files
 * corrupts them. The lock file records the owner's pid; a lock left by a dead process is taken over.
 */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

export class DataDirInUseError extends DataDirError {
  override name = 'DataDirInUseError';
}

const UNUSABLE: Record<string, string> = {
  EROFS: 'is on a read-only file system',
  ENOSPC: 'has no space left',
  EACCES: 'is not writable by this user',
  EPERM: 'is not writable by this user',
  EDQUOT: 'is over its disk quota',
};

function unusable(dataDir: string, error: unknown): Error {
  const reason = UNUSABLE[(error as NodeJS.ErrnoException).code ?? ''];
  return reason ? new DataDirError(`The data directory ${dataDir} ${reason}: Embargo needs to write there (EMBARGO_DATA_DIR). Fix that and start again.`) : (error as Error);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/* eslint-disable security/detect-non-literal-fs-filename -- the data directory comes from the operator's settings; the lock file has a fixed name inside it */
export function lockDataDir(dataDir: string, purpose: string): () => void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw unusable(dataDir, error);
  }
  const file = path.join(dataDir, 'embargo.lock');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw unusable(dataDir, error);
      let owner: { pid?: number; purpose?: string } = {};
      try {
        owner = JSON.parse(readFileSync(file, 'utf8')) as typeof owner;
      } catch {
        // A lock file being written right now, or garbage: treat as held unless its pid is known dead.
      }
      if (typeof owner.pid === 'number' && owner.pid !== process.pid && !isAlive(owner.pid)) {
        rmSync(file, { force: true });
        continue;
      }
      throw new DataDirInUseError(
        `The data directory ${dataDir} is in use by process ${owner.pid ?? '?'} (${owner.purpose ?? 'unknown'}). ` +
          'The embedded database allows one process at a time: stop the Embargo server first, then run this command again ' +
          '(or run Embargo on PostgreSQL with DATABASE_URL, where the CLI and servers can share the database).',
      );
    }
  }
  throw new DataDirInUseError(`Could not lock the data directory ${dataDir}.`);
}
/* eslint-enable security/detect-non-literal-fs-filename */
