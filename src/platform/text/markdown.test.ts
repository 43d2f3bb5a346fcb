import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderMarkdownSafe } from './markdown.js';
import { XSS_PAYLOADS } from './test-support/xss-payloads.js';


const ALLOWED_TAGS = new Set(['p', 'a', 'em', 'strong', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'br', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 's']);

const decode = (value: string) =>
  value
    .replace(/&#x([0-9a-f]+);?/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);?/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** Every tag in the output is an ordinary Markdown tag whose attributes carry nothing executable. */
function assertInert(html: string, payload: string): void {
  const where = `${JSON.stringify(payload)} rendered as ${JSON.stringify(html)}`;
  for (const [tag, name, attributes] of html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)([^>]*)>/g) as IterableIterator<[string, string, string]>) {
    assert.ok(ALLOWED_TAGS.has(name.toLowerCase()), `unexpected <${name}> in ${where}`);
    if (tag.startsWith('</')) continue;
    for (const [, attr, value] of attributes.matchAll(/\s([^\s=]+)="([^"]*)"/g) as IterableIterator<[string, string, string]>) {
      const decoded = decode(value);
      switch (attr) {
        case 'href':
          assert.equal(name, 'a', where);
          assert.match(decoded, /^(?:https?:\/\/|mailto:)/i, `unsafe link in ${where}`);
          break;
        case 'rel':
        case 'target':
        case 'title':
          break;
        case 'class':
          assert.match(decoded, /^language-[\w+#-]*$/, where);
          break;
        case 'style':
          assert.match(decoded, /^text-align:(left|right|center)$/, where);
          break;
        case 'start':
          assert.match(decoded, /^\d+$/, where);
          break;
        default:
          assert.fail(`unexpected attribute ${attr} in ${where}`);
      }
    }
    // Anything left over in the tag besides well-formed name="value" pairs would be a parser confusion.
    assert.equal(attributes.replace(/\s([^\s=]+)="([^"]*)"/g, '').trim(), '', `stray attribute text in ${where}`);
  }
  assert.doesNotMatch(html, /<(script|svg|img|iframe|object|embed|style|math|form|meta|base|details|body|div)\b/i, where);
}

describe('renderMarkdownSafe', () => {
  for (const payload of XSS_PAYLOADS) {
    it(`renders inert: ${JSON.stringify(payload).slice(0, 70)}`, () => {
      assertInert(renderMarkdownSafe(payload), payload);
    });
  }

  it('still renders ordinary Markdown and safe links', () => {
    const html = renderMarkdownSafe('# Title\n\n*a* **b** `c`\n\n[docs](https://example.org/a?b=1) and mail [me](mailto:me@example.org), see https://example.net/x');
    assert.match(html, /<h1>Title<\/h1>/);
    assert.match(html, /<em>a<\/em> <strong>b<\/strong> <code>c<\/code>/);
    assert.match(html, /<a href="https:\/\/example\.org\/a\?b=1" rel="nofollow noopener noreferrer" target="_blank">docs<\/a>/);
    assert.match(html, /<a href="mailto:me@example\.org"/);
    assert.match(html, /<a href="https:\/\/example\.net\/x"/, 'bare URLs are linkified');
  });

  it('escapes raw HTML as text instead of dropping it silently', () => {
    assert.equal(renderMarkdownSafe('<script>alert(1)</script>'), '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n');
  });

  it('leaves unsafe links and images as text', () => {
    assert.doesNotMatch(renderMarkdownSafe('[x](javascript:alert(1))'), /href/);
    assert.doesNotMatch(renderMarkdownSafe('![alt](https://tracker.example/p.png)'), /<img/);
  });
});
