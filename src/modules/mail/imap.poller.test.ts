import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseImapUrl, type ImapMailboxSetting } from '../../config/imap-mailboxes.js';
import { describeImapError, mailboxRef, sequenceSet } from './imap.poller.js';

const setting = parseImapUrl('imaps://sec%40alpha.example:s3cret-Pass@mail.example.org/INBOX') as ImapMailboxSetting;

describe('sequenceSet', () => {
  it('writes UIDs as ranges', () => {
    assert.equal(sequenceSet([9, 1, 2, 3, 4, 7, 10, 11, 12, 3]), '1:4,7,9:12');
    assert.equal(sequenceSet([5]), '5');
  });
});

describe('describeImapError', () => {
  it('keeps what helps and never the password', () => {
    const error = Object.assign(new Error('LOGIN s3cret-Pass failed'), { code: 'NoConnection', responseText: 'AUTHENTICATIONFAILED for s3cret-Pass', authenticationFailed: true, config: { pass: 's3cret-Pass' } });
    const described = describeImapError(error, setting);
    assert.deepEqual(described, { message: 'LOGIN *** failed', code: 'NoConnection', response: 'AUTHENTICATIONFAILED for ***', authenticationFailed: true });
  });
});

describe('mailboxRef', () => {
  it('names the mailbox by a hash of account and folder, without the user name', () => {
    const ref = mailboxRef('alpha', setting);
    assert.equal(ref.label, 'imaps://mail.example.org/INBOX');
    assert.match(ref.key, /^[0-9a-f]{32}$/);
    assert.notEqual(mailboxRef('alpha', { ...setting, mailbox: 'Other' }).key, ref.key);
  });
});
