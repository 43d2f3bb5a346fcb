import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMail } from './mail.layout.js';
import { retryDelayMs } from './outbox.worker.js';

describe('renderMail', () => {
  it('renders the same blocks as text and as escaped HTML', () => {
    const mail = renderMail({
      subject: 's',
      heading: 'Hi <there>',
      blocks: [
        { kind: 'p', text: 'a & b' },
        { kind: 'quote', text: 'line 1\n<script>alert(1)</script>' },
        { kind: 'link', label: 'go', url: 'javascript:alert(1)' },
        { kind: 'facts', items: [['Report', '#1']] },
      ],
      footer: ['f'],
    });
    assert.match(mail.text, /^Hi <there>\n\na & b\n\n> line 1\n> <script>alert\(1\)<\/script>\n\ngo:\njavascript:alert\(1\)/);
    assert.ok(mail.html.includes('Hi &lt;there&gt;'));
    assert.ok(mail.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!mail.html.includes('href="javascript:'), 'only http(s) links become anchors');
    assert.ok(mail.html.includes('a &amp; b'));
  });
});

describe('retryDelayMs', () => {
  it('doubles from 30 seconds up to an hour, with bounded jitter', () => {
    assert.equal(retryDelayMs(1, () => 0), 30_000);
    assert.equal(retryDelayMs(2, () => 0), 60_000);
    assert.equal(retryDelayMs(3, () => 0), 120_000);
    assert.equal(retryDelayMs(20, () => 0), 3_600_000);
    assert.equal(retryDelayMs(1, () => 1), 36_000);
  });
});
