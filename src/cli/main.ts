import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, loadConfig } from '../config/config.js';
import { StartupError } from '../bootstrap.js';
import { DataDirError } from '../platform/db/data-dir-lock.js';
import { NewerDatabaseError } from '../platform/db/database.js';
import { AppError } from '../platform/errors.js';
import { auditVerifyCommand } from './audit.command.js';
import { backupCommand, restoreCommand } from './backup.command.js';
import { exportCommand } from './export.command.js';
import { keysGenerateCommand, keysRotateCommand } from './keys.command.js';
import { migrateCommand } from './migrate.command.js';
import { osvImportCommand } from './osv-import.command.js';
import { policyLintCommand, policyRenderCommand } from './policy-docs.command.js';
import { policyImportCommand } from './policy-import.command.js';
import { policyCheckCommand } from './policy.command.js';
import { securityTxtCheckCommand } from './securitytxt.command.js';
import { serveCommand } from './serve.command.js';
import { userAddCommand } from './user.command.js';

export type Io = { out(text: string): void; err(text: string): void; readStdin(): Promise<string> };

export type Command = {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  positionals?: number;
  run(args: { values: Record<string, string | boolean | undefined>; positionals: string[] }, io: Io): Promise<number>;
};

const COMMANDS: Command[] = [serveCommand, migrateCommand, policyCheckCommand, policyRenderCommand, policyLintCommand, policyImportCommand, securityTxtCheckCommand, userAddCommand, auditVerifyCommand, keysRotateCommand, keysGenerateCommand, backupCommand, restoreCommand, osvImportCommand, exportCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'Usage: embargo <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Run "embargo <command> --help" for the options of a command.',
    'Settings come from environment variables (see README: PORT, HOST, EMBARGO_DATA_DIR, DATABASE_URL, EMBARGO_CONFIG, ...).',
  ].join('\n');
}

function commandHelp(command: Command): string {
  const lines = [`Usage: embargo ${command.usage}`, '', command.summary, ''];
  const entries = Object.entries(command.options);
  if (entries.length > 0) lines.push('Options:');
  for (const [name, option] of entries) {
    lines.push(`  --${name}${option.type === 'string' ? ' <value>' : ''}${'description' in option ? `  ${(option as { description: string }).description}` : ''}`);
  }
  lines.push('  --help  Show this help');
  return lines.join('\n');
}

export async function main(argv: string[], io: Io): Promise<number> {
  const words = argv.filter((arg) => !arg.startsWith('-'));
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(usage());
    return argv.length === 0 ? 2 : 0;
  }
  const command =
    COMMANDS.find((candidate) => candidate.name === words.slice(0, 2).join(' ')) ?? COMMANDS.find((candidate) => candidate.name === words[0]);
  if (!command) {
    const group = COMMANDS.filter((candidate) => candidate.name.startsWith(`${words[0]} `));
    if (group.length > 0) {
      const asksHelp = argv.includes('--help') || argv.includes('-h');
      const text = [`Usage: embargo ${words[0]} <command>`, '', 'Commands:', ...group.map((candidate) => `  ${candidate.name}  ${candidate.summary}`)].join('\n');
      if (asksHelp) io.out(text);
      else io.err(`embargo: "${words.slice(0, 2).join(' ')}" is not a command\n\n${text}`);
      return asksHelp ? 0 : 2;
    }
    io.err(`embargo: unknown command "${words.slice(0, 2).join(' ')}"\n\n${usage()}`);
    return 2;
  }
  const rest = argv.slice(argv.indexOf(command.name.split(' ').at(-1)!) + 1);
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(command));
    return 0;
  }
  let parsed;
  try {
    const options = Object.fromEntries(Object.entries(command.options).map(([name, option]) => [name, option.short ? { type: option.type, short: option.short } : { type: option.type }]));
    parsed = parseArgs({ args: rest, options: options as ParseArgsConfig['options'], allowPositionals: true, strict: true });
  } catch (error) {
    io.err(`embargo ${command.name}: ${(error as Error).message}\n\n${commandHelp(command)}`);
    return 2;
  }
  if (parsed.positionals.length !== (command.positionals ?? 0)) {
    io.err(`embargo ${command.name}: expected ${command.positionals ?? 0} argument(s)\n\n${commandHelp(command)}`);
    return 2;
  }
  try {
    return await command.run({ values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals }, io);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StartupError || error instanceof DataDirError || error instanceof NewerDatabaseError) {
      io.err(error.message);
      return 1;
    }
    if (error instanceof AppError) {
      // Without the field problems "The request is not valid." would not say what to fix.
      const fields = (error.details.fields ?? []).map((field) => `\n  ${field.field}: ${field.message}`).join('');
      io.err(`embargo ${command.name}: ${error.message} (${error.code})${fields}`);
      return 1;
    }
    throw error;
  }
}

export function configFromEnv() {
  return loadConfig();
}
