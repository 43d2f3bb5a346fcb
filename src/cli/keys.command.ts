import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type Config } from '../config/config.js';
import { createContext } from '../bootstrap.js';
import { loadMasterKey, masterKeyFromBytes, parseMasterKey, type MasterKey } from '../platform/crypto/envelope.js';
import { rotateMasterKey, DEFAULT_BATCH_SIZE, type ColumnProgress, type RotationResult } from '../modules/keys/key-rotation.service.js';
import type { Command, Io } from './main.js';

type NewKey = { key: MasterKey; setting: string };

/** The new key and the exact setting that names it; reports problems without ever echoing key material. */
function readNewKey(values: Record<string, string | boolean | undefined>, io: Io): NewKey | null {
  const file = values['new-key-file'];
  const env = values['new-key-env'];
  if ((typeof file === 'string') === (typeof env === 'string')) {
    io.err('embargo keys rotate: give exactly one of --new-key-file FILE or --new-key-env VAR');
    return null;
  }
  try {
    if (typeof file === 'string') {
      const absolute = path.resolve(file);
      return { key: loadMasterKey({ keyFile: absolute, generate: false }).key, setting: `EMBARGO_MASTER_KEY_FILE=${absolute}` };
    }
    const name = env as string;
    // Not a setting: the operator names the variable on the command line, so the key stays out of
    // the shell history and the process list.
    // eslint-disable-next-line no-restricted-properties -- a variable the operator named for this one command, not configuration
    const value = process.env[name];
    if (value === undefined || value.trim() === '') {
      io.err(`embargo keys rotate: the environment variable ${name} is not set (export the new key in it, e.g. from \`embargo keys generate\`)`);
      return null;
    }
    return { key: parseMasterKey(value, `--new-key-env ${name}`), setting: `EMBARGO_MASTER_KEY=<the value of ${name}>` };
  } catch (error) {
    io.err(`embargo keys rotate: ${(error as Error).message}`);
    return null;
  }
}

function currentKeySource(config: Config): { where: string; isDataDirFile: boolean } {
  if (config.masterKey) return { where: 'the value EMBARGO_MASTER_KEY has now', isDataDirFile: false };
  if (config.masterKeyFile) return { where: `the contents of ${path.resolve(config.masterKeyFile)}`, isDataDirFile: false };
  return { where: `the contents of ${path.join(config.dataDir, 'secrets', 'master.key')}`, isDataDirFile: true };
}

function progressLine(progress: Readonly<ColumnProgress>): string {
  if (progress.pending === 0 && progress.done) return `${progress.column}: nothing to re-wrap`;
  const extra = [progress.failed ? `${progress.failed} failed` : '', progress.changed ? `${progress.changed} changed meanwhile` : ''].filter(Boolean);
  return `${progress.column}: ${progress.rewrapped}/${progress.pending} re-wrapped${extra.length ? ` (${extra.join(', ')})` : ''}${progress.done ? ', done' : ''}`;
}

function printOutcome(io: Io, result: RotationResult, config: Config, newKey: NewKey, current: MasterKey, rerun: string): number {
  if (!result.completed) {
    io.out(`Stopped early after re-wrapping ${result.rewrapped} value(s). Nothing is lost: run the same command again to continue:\n  ${rerun}`);
    io.out('Until it completes, every instance needs both keys: the new one and the old one (EMBARGO_PREVIOUS_MASTER_KEYS).');
    return 130;
  }
  io.out(`Done: ${result.rewrapped} value(s) re-wrapped under key ${newKey.key.id}.`);
  for (const failure of result.failures) io.err(`FAILED ${failure.column} ${failure.id}: ${failure.reason.replace('_', ' ')}`);
  if (result.failures.length > 0) {
    io.err(`${result.failures.length} value(s) could not be decrypted with any configured key and stay as they are. Do not retire an old key while they remain.`);
  }
  if (result.changed > 0) io.out(`${result.changed} value(s) changed while this ran: run the command again to re-wrap them.`);
  io.out('');
  if (current.id === newKey.key.id) {
    io.out(`This configuration already uses the new key ${newKey.key.id}. Once every instance does, and a rerun re-wraps nothing,`);
    io.out('remove the old keys from EMBARGO_PREVIOUS_MASTER_KEYS and destroy them.');
  } else {
    const old = currentKeySource(config);
    io.out(`Now configure every Embargo instance with these settings; until an instance has them it cannot read the re-wrapped values:`);
    io.out(`  ${newKey.setting}`);
    io.out(`      the new master key (id ${newKey.key.id})${config.masterKey && newKey.setting.startsWith('EMBARGO_MASTER_KEY_FILE=') ? '; also remove EMBARGO_MASTER_KEY, which would take precedence over the file' : ''}`);
    io.out(`  EMBARGO_PREVIOUS_MASTER_KEYS=<the old master key (id ${current.id}): ${old.where}>`);
    io.out(`      keep it until every instance runs with the new key and a rerun of \`${rerun}\` re-wraps nothing; then remove it and destroy the old key.`);
    if (old.isDataDirFile) io.out('  (A key in the environment or EMBARGO_MASTER_KEY_FILE takes precedence over the key file in the data directory.)');
  }
  return result.failures.length > 0 ? 1 : 0;
}

export const keysRotateCommand: Command = {
  name: 'keys rotate',
  summary: 'Re-wrap every encrypted value under a new master key (resumable), then print what to configure',
  usage: 'keys rotate --new-key-file FILE | --new-key-env VAR [--batch-size N]',
  options: {
    'new-key-file': { type: 'string', description: 'File holding the new key (base64 or hex of 32 bytes, mode 0600)' },
    'new-key-env': { type: 'string', description: 'Name of an environment variable holding the new key' },
    'batch-size': { type: 'string', description: `Values per transaction (default ${DEFAULT_BATCH_SIZE})` },
  } as Command['options'],
  async run({ values }, io) {
    const newKey = readNewKey(values, io);
    if (!newKey) return 2;
    const batchText = values['batch-size'];
    const batchSize = typeof batchText === 'string' ? Number(batchText) : DEFAULT_BATCH_SIZE;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
      io.err('embargo keys rotate: --batch-size must be a whole number between 1 and 100000');
      return 2;
    }
    const rerun = `embargo keys rotate ${typeof values['new-key-file'] === 'string' ? `--new-key-file ${path.resolve(values['new-key-file'])}` : `--new-key-env ${String(values['new-key-env'])}`}`;

    const config = loadConfig();
    const context = await createContext(config, { purpose: 'embargo keys rotate' });
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (controller.signal.aborted) {
        io.err(`Second ${signal}: exiting now; the batch in flight is rolled back.`);
        process.exit(130);
      }
      io.out(`${signal} received: finishing the current batch, then stopping (again to exit at once).`);
      controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      const current = context.keyring.current;
      const known = Array.isArray(context.keyring.lookup) ? [...new Set(context.keyring.lookup.map((key) => key.id))] : [current.id];
      io.out(`Re-wrapping every encrypted value under master key ${newKey.key.id} (decrypting with the configured key(s) ${known.join(', ')}).`);
      if (config.databaseUrl && current.id !== newKey.key.id) {
        io.out('Note: instances running without the new key cannot read values once they are re-wrapped. With several instances,');
        io.out('first give them the new key as EMBARGO_MASTER_KEY and this one in EMBARGO_PREVIOUS_MASTER_KEYS, then run this.');
      }
      const result = await rotateMasterKey(context, newKey.key, { batchSize, signal: controller.signal, onProgress: (progress) => io.out(progressLine(progress)) });
      return printOutcome(io, result, config, newKey, current, rerun);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await context.database.close();
    }
  },
};

export const keysGenerateCommand: Command = {
  name: 'keys generate',
  summary: 'Print a new random master key (base64 of 32 bytes), or write it to a new 0600 file',
  usage: 'keys generate [--out FILE]',
  options: { out: { type: 'string', description: 'Write the key to this new file (mode 0600) instead of printing it' } } as Command['options'],
  async run({ values }, io) {
    const key = masterKeyFromBytes(randomBytes(32));
    const text = key.key.toString('base64');
    key.key.fill(0);
    if (typeof values.out !== 'string') {
      io.out(text);
      return 0;
    }
    const file = path.resolve(values.out);
    try {
      // 'wx': never overwrite a key file, which may hold the only copy of a key still in use.
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the operator names the file on the command line
      writeFileSync(file, `${text}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      io.err(`embargo keys generate: cannot create ${file}: ${code === 'EEXIST' ? 'the file exists (a key file is never overwritten)' : (code ?? String(error))}`);
      return 1;
    }
    io.out(`Wrote a new master key (id ${key.id}) to ${file}.`);
    io.out(`Use it with: embargo keys rotate --new-key-file ${file}`);
    return 0;
  },
};
