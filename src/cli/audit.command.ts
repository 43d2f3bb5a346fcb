import { loadConfig } from '../config/config.js';
import { createContext } from '../bootstrap.js';
import { sealAuditLog } from '../modules/audit/audit.sealer.js';
import { verifyAuditLog } from '../modules/audit/audit.verify.js';
import type { Command } from './main.js';

export const auditVerifyCommand: Command = {
  name: 'audit verify',
  summary: 'Check the tamper-evident audit log: every chain and every seal (exit 1 on any problem)',
  usage: 'audit verify [--seal]',
  options: { seal: { type: 'boolean', description: 'Seal pending entries first (the scheduler does this while the server runs)' } } as Command['options'],
  async run({ values }, io) {
    const context = await createContext(loadConfig(), { purpose: 'embargo audit verify' });
    try {
      if (values.seal) {
        let total = 0;
        for (let round = await sealAuditLog(context); round.sealed > 0; round = await sealAuditLog(context)) total += round.sealed;
        io.out(`Sealed ${total} pending entr${total === 1 ? 'y' : 'ies'}.`);
      }
      const result = await verifyAuditLog(context.db);
      io.out(`${result.entries} entries in ${result.streams} streams: ${result.sealed} sealed, ${result.unsealed} not sealed yet; ${result.seals} seals.`);
      io.out(`Latest root: ${result.root ?? '(none yet)'}`);
      for (const problem of result.problems) io.err(`PROBLEM ${problem}`);
      io.out(result.ok ? 'The audit log verifies.' : `${result.problems.length} problem(s): the audit log was altered.`);
      return result.ok ? 0 : 1;
    } finally {
      await context.database.close();
    }
  },
};
