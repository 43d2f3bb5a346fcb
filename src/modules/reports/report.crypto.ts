import type { AppContext } from '../../context.js';
import { decryptFieldText, decryptJson, encryptField, encryptJson } from '../../platform/crypto/envelope.js';
import type { ReportContent } from '../../platform/db/schema.js';

/**
 * What a reporter wrote is stored encrypted, each value bound to its row and column, so that a
 * database dump reveals no vulnerability and a ciphertext moved to another row does not decrypt.
 */
type Keys = Pick<AppContext, 'keyring'>;

export function sealContent(context: Keys, reportId: string, content: ReportContent): string {
  return encryptJson(context.keyring.current, content, { table: 'reports', column: 'content_enc', id: reportId });
}

export function openContent(context: Keys, reportId: string, envelope: string): ReportContent {
  return decryptJson<ReportContent>(context.keyring.lookup, envelope, { table: 'reports', column: 'content_enc', id: reportId });
}

export function sealMessage(context: Keys, messageId: string, body: string): string {
  return encryptField(context.keyring.current, body, { table: 'messages', column: 'body_enc', id: messageId });
}

export function openMessage(context: Keys, messageId: string, envelope: string): string {
  return decryptFieldText(context.keyring.lookup, envelope, { table: 'messages', column: 'body_enc', id: messageId });
}
