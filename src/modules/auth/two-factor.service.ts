import type { AppContext } from '../../context.js';
import { decryptFieldText, encryptField } from '../../platform/crypto/envelope.js';
import { safeEqual } from '../../platform/crypto/tokens.js';
import type { Executor } from '../../platform/db/database.js';
import { AppError } from '../../platform/errors.js';
import type { UserActor } from '../access/actor.js';
import { auditActor } from '../audit/audit-actor.js';
import { appendAudit } from '../audit/audit.repository.js';
import { findTotp, lockTotp, updateTotp, upsertPendingTotp, deleteTotp } from './totp.repository.js';
import { generateRecoveryCodes, generateTotpSecret, hashRecoveryCode, otpauthUri, verifyTotp } from './totp.js';

const aad = (userId: string) => ({ table: 'user_totp', column: 'secret_enc', id: userId });
const ISSUER = 'Embargo';

/** Starts enrolment: a new secret, kept pending until the user proves their authenticator has it. */
export async function setupTwoFactor(context: AppContext, actor: UserActor): Promise<{ secret: string; otpauthUri: string }> {
  const existing = await findTotp(context.db, actor.userId);
  if (existing?.confirmed_at) throw new AppError('TWO_FACTOR_ALREADY_ENABLED', 'Two-factor authentication is already on; turn it off first to enrol a new device.');
  const secret = generateTotpSecret();
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    await upsertPendingTotp(trx, actor.userId, encryptField(context.keyring.current, secret, aad(actor.userId)), now);
    await appendAudit(trx, { stream: `user:${actor.userId}`, actor: auditActor(actor), action: 'auth.2fa_setup_started', at: now });
  });
  return { secret, otpauthUri: otpauthUri({ secret, accountName: actor.email, issuer: ISSUER }) };
}

/** Finishes enrolment with a first valid code; returns recovery codes, shown once and stored hashed. */
export async function confirmTwoFactor(context: AppContext, actor: UserActor, code: string): Promise<string[]> {
  const now = context.clock.now();
  return context.db.transaction().execute(async (trx) => {
    const totp = await lockTotp(trx, actor.userId);
    if (!totp) throw new AppError('TWO_FACTOR_NOT_ENABLED', 'Start with POST /api/v1/auth/2fa/setup.');
    if (totp.confirmed_at) throw new AppError('TWO_FACTOR_ALREADY_ENABLED', 'Two-factor authentication is already on.');
    const secret = decryptFieldText(context.keyring.lookup, totp.secret_enc, aad(actor.userId));
    const result = verifyTotp(secret, code, now);
    if (!result.ok) throw new AppError('INVALID_TWO_FACTOR_CODE', 'That code is not valid; check the device clock and try the next code.');
    const recoveryCodes = generateRecoveryCodes();
    await updateTotp(trx, actor.userId, { confirmedAt: now, lastUsedStep: result.step, recoveryCodeHashes: recoveryCodes.map(hashRecoveryCode) });
    if (actor.sessionId) await trx.updateTable('sessions').set({ two_factor_verified: true }).where('id', '=', actor.sessionId).execute();
    await appendAudit(trx, { stream: `user:${actor.userId}`, actor: auditActor(actor), action: 'auth.2fa_enabled', at: now });
    return recoveryCodes;
  });
}

/**
 * Checks a second factor inside the caller's transaction: a TOTP code (each time step usable once)
 * or a recovery code (each usable once).
 */
export async function verifySecondFactor(context: AppContext, trx: Executor, userId: string, code: string, now: Date): Promise<boolean> {
  const totp = await lockTotp(trx, userId);
  if (!totp?.confirmed_at) return false;
  const secret = decryptFieldText(context.keyring.lookup, totp.secret_enc, aad(userId));
  const result = verifyTotp(secret, code, now, totp.last_used_step === null ? {} : { lastUsedStep: totp.last_used_step });
  if (result.ok) {
    await updateTotp(trx, userId, { lastUsedStep: result.step });
    return true;
  }
  const hash = hashRecoveryCode(code);
  const hashes = totp.recovery_code_hashes as string[];
  const match = hashes.find((candidate) => safeEqual(candidate, hash));
  if (!match) return false;
  await updateTotp(trx, userId, { recoveryCodeHashes: hashes.filter((candidate) => candidate !== match) });
  await appendAudit(trx, { stream: `user:${userId}`, actor: { type: 'user', id: userId }, action: 'auth.recovery_code_used', data: { remaining: hashes.length - 1 }, at: now });
  return true;
}

export async function hasTwoFactor(context: AppContext, userId: string): Promise<boolean> {
  return Boolean((await findTotp(context.db, userId))?.confirmed_at);
}

export async function disableTwoFactor(context: AppContext, actor: UserActor, code: string): Promise<void> {
  const now = context.clock.now();
  await context.db.transaction().execute(async (trx) => {
    if (!(await verifySecondFactor(context, trx, actor.userId, code, now))) {
      throw new AppError('INVALID_TWO_FACTOR_CODE', 'Turning two-factor authentication off needs a current code or a recovery code.');
    }
    await deleteTotp(trx, actor.userId);
    await trx.updateTable('sessions').set({ two_factor_verified: false }).where('user_id', '=', actor.userId).execute();
    await appendAudit(trx, { stream: `user:${actor.userId}`, actor: auditActor(actor), action: 'auth.2fa_disabled', at: now });
  });
}
