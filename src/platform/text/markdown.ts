import MarkdownIt from 'markdown-it';

/**
 * Markdown from reporters, rendered for a server-side consumer (an email body, an export). Raw HTML is
 * never passed through (`html: false` escapes it), links may only use http, https or mailto, images
 * are not rendered at all (no tracking pixels, no data: or SVG payloads), and every link opens without
 * an opener or referrer. The browser app renders reporter text as plain text and does not use this.
 */
const SAFE_SCHEME = /^(?:https?:\/\/|mailto:)/i;

const md = new MarkdownIt('default', { html: false, linkify: true, typographer: false, breaks: false });
md.disable(['image']);

// Only absolute http(s) and mailto destinations; markdown-it has already decoded entities and
// percent-encoded the URL here, so `&#106;avascript:` or `java\tscript:` cannot pass as allowed.
md.validateLink = (url: string): boolean => SAFE_SCHEME.test(url.trim());

const defaultLinkOpen = md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  token.attrSet('rel', 'nofollow noopener noreferrer');
  token.attrSet('target', '_blank');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

export function renderMarkdownSafe(text: string): string {
  return md.render(text);
}
