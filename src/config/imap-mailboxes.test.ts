import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.js';
import { parseImapUrl } from './imap-mailboxes.js';

function configError(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

describe('EMBARGO_IMAP_MAILBOXES', () => {
  it('reads one mailbox per project, with defaults for port and mailbox', () => {
    const config = loadConfig({
      EMBARGO_IMAP_MAILBOXES: 'alpha=imaps://sec%40alpha.example:p%40ss%2Cw0rd@mail.alpha.example/Security%20Reports, beta=imap://beta:pw@127.0.0.1:1143',
      EMBARGO_IMAP_POLL_SECONDS: '15',
    });
    assert.deepEqual(config.imapMailboxes.alpha, {
      host: 'mail.alpha.example',
      port: 993,
      tls: 'implicit',
      user: 'sec@alpha.example',
      password: 'p@ss,w0rd',
      mailbox: 'Security Reports',
      label: 'imaps://mail.alpha.example/Security Reports',
    });
    assert.equal(config.imapMailboxes.beta?.tls, 'none', 'cleartext only because the server is on this machine');
    assert.equal(config.imapMailboxes.beta?.mailbox, 'INBOX');
    assert.equal(config.imapMailboxes.beta?.port, 1143);
    assert.equal(config.imapPollSeconds, 15);
    assert.deepEqual(loadConfig({}).imapMailboxes, {});
    assert.equal(loadConfig({}).imapPollSeconds, 60);
  });

  it('requires STARTTLS for imap:// to any other host', () => {
    for (const host of ['mail.example.org', '10.0.0.5', '[2001:db8::1]']) {
      const parsed = parseImapUrl(`imap://u:p@${host}/INBOX`);
      assert.ok(typeof parsed === 'object');
      assert.equal(parsed.tls, 'starttls', host);
      assert.equal(parsed.port, 143);
    }
    const v6 = parseImapUrl('imap://u:p@[::1]:1143/INBOX');
    assert.ok(typeof v6 === 'object' && v6.tls === 'none' && v6.host === '::1');
  });

  it('refuses bad values with a message that never repeats the password', () => {
    const cases: [string, RegExp][] = [
      ['alpha=pop3://u:hunter2@mail.example.org', /project "alpha": expected an imaps:\/\/ URL/],
      ['alpha=imaps://mail.example.org/INBOX', /project "alpha": the URL needs a user name and a password/],
      ['alpha=imaps://u:hunter2@mail.example.org/INBOX?x=1', /expected only a mailbox name/],
      ['Alpha!=imaps://u:hunter2@mail.example.org', /expected slug=URL pairs/],
      ['alpha', /project "alpha" has no URL/],
      ['alpha=imaps://u:hunter2@a.example,alpha=imaps://u:hunter2@b.example', /project "alpha" is named twice/],
    ];
    for (const [value, expected] of cases) {
      const message = configError({ EMBARGO_IMAP_MAILBOXES: value });
      assert.match(message, /EMBARGO_IMAP_MAILBOXES \(setting "imapMailboxes"\)/);
      assert.match(message, expected, value);
      assert.ok(!message.includes('hunter2'), `the password leaked: ${message}`);
      assert.match(message, /got \(value hidden\)/);
    }
    assert.match(configError({ EMBARGO_IMAP_POLL_SECONDS: '0' }), /EMBARGO_IMAP_POLL_SECONDS.*expected at least 1/);
  });
});
