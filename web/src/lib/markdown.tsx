import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';
import { createElement, Fragment, type ReactNode } from 'react';

/**
 * Advisory text (summary, details) is Markdown written by the team, and may quote reporters. It is
 * parsed with the same markdown-it settings as the server's safe renderer (src/platform/text/markdown.ts:
 * raw HTML stays text, images are not rendered, links only to http, https and mailto), and then turned
 * into React elements from an allow-list of tags. No HTML string is ever built or injected, so nothing
 * in the text can become markup, a script, an event handler or an inline style the CSP would refuse.
 */

const SAFE_SCHEME = /^(?:https?:\/\/|mailto:)/i;

const md = new MarkdownIt('default', { html: false, linkify: true, typographer: false, breaks: false });
md.disable(['image']);
md.validateLink = (url: string): boolean => SAFE_SCHEME.test(url.trim());

/** Markdown tag -> element; headings are moved down so they sit below the page's own h2 sections. */
const BLOCK_TAGS: Record<string, string> = {
  p: 'p',
  h1: 'h3',
  h2: 'h4',
  h3: 'h5',
  h4: 'h6',
  h5: 'h6',
  h6: 'h6',
  ul: 'ul',
  ol: 'ol',
  li: 'li',
  blockquote: 'blockquote',
  table: 'table',
  thead: 'thead',
  tbody: 'tbody',
  tr: 'tr',
  th: 'th',
  td: 'td',
  em: 'em',
  strong: 'strong',
  s: 's',
  a: 'a',
};

type Frame = { token: Token | null; children: ReactNode[] };

function propsOf(token: Token, key: number): Record<string, unknown> {
  const props: Record<string, unknown> = { key };
  if (token.tag === 'a') {
    const href = String(token.attrGet('href') ?? '');
    // Checked again here: an href that is not plainly http(s) or mailto is dropped, the text stays.
    if (SAFE_SCHEME.test(href)) {
      props.href = href;
      props.rel = 'nofollow noopener noreferrer';
    }
  }
  if (token.tag === 'ol') {
    const start = Number(token.attrGet('start'));
    if (Number.isInteger(start) && start > 1) props.start = start;
  }
  // A wide table scrolls sideways (see styles.css); keyboard users must be able to reach it to scroll it.
  if (token.tag === 'table') props.tabIndex = 0;
  if (token.tag === 'th' || token.tag === 'td') {
    // markdown-it writes column alignment as a style attribute; the CSP allows classes only.
    const align = /text-align:(left|center|right)/.exec(String(token.attrGet('style') ?? ''))?.[1];
    if (align) props.className = `align-${align}`;
  }
  return props;
}

function render(tokens: Token[]): ReactNode[] {
  const root: Frame = { token: null, children: [] };
  const stack: Frame[] = [root];
  const top = () => stack[stack.length - 1]!;
  tokens.forEach((token, index) => {
    if (token.nesting === 1) {
      stack.push({ token, children: [] });
      return;
    }
    if (token.nesting === -1) {
      const frame = stack.length > 1 ? stack.pop()! : root;
      const open = frame.token;
      const tag = open ? BLOCK_TAGS[open.tag] : undefined;
      // A paragraph inside a tight list item is hidden by markdown-it: keep its text, not a <p>.
      const element = open && tag && !(open.tag === 'p' && open.hidden) ? createElement(tag, propsOf(open, index), ...frame.children) : createElement(Fragment, { key: index }, ...frame.children);
      top().children.push(element);
      return;
    }
    const children = top().children;
    switch (token.type) {
      case 'inline':
        children.push(createElement(Fragment, { key: index }, ...render(token.children ?? [])));
        break;
      case 'text':
      case 'html_inline':
      case 'html_block':
        children.push(token.content);
        break;
      case 'code_inline':
        children.push(createElement('code', { key: index }, token.content));
        break;
      case 'code_block':
      case 'fence':
        children.push(createElement('pre', { key: index, className: 'code', tabIndex: 0 }, createElement('code', null, token.content)));
        break;
      case 'softbreak':
        children.push('\n');
        break;
      case 'hardbreak':
        children.push(createElement('br', { key: index }));
        break;
      case 'hr':
        children.push(createElement('hr', { key: index }));
        break;
      default:
        // Anything else markdown-it may emit is shown as its text, never as markup.
        if (token.content) children.push(token.content);
    }
  });
  // Unbalanced tokens cannot come from markdown-it, but would still only lose their wrapper.
  while (stack.length > 1) {
    const frame = stack.pop()!;
    top().children.push(...frame.children);
  }
  return root.children;
}

export function Markdown({ text, className }: { text: string; className?: string }) {
  if (!text.trim()) return null;
  return <div className={className ? `markdown ${className}` : 'markdown'}>{render(md.parse(text, {}))}</div>;
}
