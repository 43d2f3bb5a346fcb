import MimeNode from 'nodemailer/lib/mime-node';
import * as openpgp from 'openpgp';
import type { Envelope } from './mail.transport.js';

export type Address = { name?: string | undefined; address: string };

export type OutgoingMail = {
  from: Address;
  to: Address[];
  /** Envelope sender (Return-Path); the From address when absent. */
  returnPath?: string | undefined;
  replyTo?: Address | undefined;
  subject: string;
  text: string;
  html: string;
  /** `<id@domain>`: stable for one notification, so a resend after a crash can be recognised. */
  messageId: string;
  date: Date;
  /** Extra header fields (Auto-Submitted, List-Unsubscribe, ...). */
  headers?: Record<string, string> | undefined;
  /** ASCII-armored OpenPGP public key: the whole body is then sent as PGP/MIME (RFC 3156). */
  encryptTo?: string | undefined;
};

export class MailEncryptionError extends Error {
  override name = 'MailEncryptionError';
}

function bodyNode(mail: OutgoingMail): MimeNode {
  const node = new MimeNode('multipart/alternative');
  node.createChild('text/plain; charset=utf-8').setContent(mail.text);
  node.createChild('text/html; charset=utf-8').setContent(mail.html);
  return node;
}

function setEnvelopeHeaders(node: MimeNode, mail: OutgoingMail): void {
  node.setHeader('From', mail.from as never);
  node.setHeader('To', mail.to as never);
  if (mail.replyTo) node.setHeader('Reply-To', mail.replyTo as never);
  node.setHeader('Subject', mail.subject);
  node.setHeader('Message-ID', mail.messageId);
  node.setHeader('Date', mail.date as never);
  for (const [key, value] of Object.entries(mail.headers ?? {})) node.setHeader(key, value);
}

/** Encrypts a MIME entity to the recipient's key (armored), as PGP/MIME carries it. */
export async function encryptEntity(armoredKey: string, entity: Buffer): Promise<string> {
  let key: openpgp.Key;
  try {
    key = await openpgp.readKey({ armoredKey });
  } catch (error) {
    throw new MailEncryptionError(`the recipient's OpenPGP key cannot be read (${(error as Error).message})`);
  }
  try {
    const message = await openpgp.createMessage({ binary: entity });
    return await openpgp.encrypt({ message, encryptionKeys: key, format: 'armored' });
  } catch (error) {
    throw new MailEncryptionError(`the recipient's OpenPGP key cannot encrypt (${(error as Error).message})`);
  }
}

/**
 * Builds the message as it goes on the wire: multipart/alternative (text + HTML), or, when the
 * recipient has a key, multipart/encrypted whose encrypted part holds that same entity (with the
 * header fields repeated inside, so the decrypted message is complete on its own).
 */
export async function composeMail(mail: OutgoingMail): Promise<{ envelope: Envelope; raw: Buffer }> {
  const envelope = { from: mail.returnPath ?? mail.from.address, to: mail.to.map((to) => to.address) };
  if (!mail.encryptTo) {
    const node = bodyNode(mail);
    setEnvelopeHeaders(node, mail);
    return { envelope, raw: await node.build() };
  }
  const inner = bodyNode(mail);
  setEnvelopeHeaders(inner, mail);
  const armored = await encryptEntity(mail.encryptTo, await inner.build());
  const outer = new MimeNode('multipart/encrypted; protocol="application/pgp-encrypted"');
  setEnvelopeHeaders(outer, mail);
  outer
    .createChild('application/pgp-encrypted')
    .setHeader({ 'Content-Description': 'PGP/MIME version identification', 'Content-Transfer-Encoding': '7bit' })
    .setContent('Version: 1\r\n');
  outer
    .createChild('application/octet-stream; name="encrypted.asc"')
    .setHeader({ 'Content-Description': 'OpenPGP encrypted message', 'Content-Disposition': 'inline; filename="encrypted.asc"', 'Content-Transfer-Encoding': '7bit' })
    .setContent(armored);
  return { envelope, raw: await outer.build() };
}
