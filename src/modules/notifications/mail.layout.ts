/**
 * One layout for every mail: a template returns blocks, and this renders them twice, as plain text
 * and as HTML, so both parts always say the same thing and escaping happens in one place.
 */
export type Block =
  | { kind: 'p'; text: string }
  | { kind: 'quote'; text: string }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'facts'; items: [string, string][] }
  | { kind: 'small'; text: string };

export type MailContent = { subject: string; heading: string; blocks: Block[]; footer: string[] };
export type RenderedMail = { subject: string; text: string; html: string };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (char) => ESCAPES[char]!);

/** Only http(s) links become anchors: nothing a reporter wrote can turn into a javascript: URL. */
const safeUrl = (url: string) => (/^https?:\/\//i.test(url) ? url : '#');

function textBlock(block: Block): string {
  switch (block.kind) {
    case 'p':
    case 'small':
      return block.text;
    case 'quote':
      return block.text
        .split(/\r?\n/)
        .map((line) => (line ? `> ${line}` : '>'))
        .join('\n');
    case 'link':
      return `${block.label}:\n${block.url}`;
    case 'facts': {
      const width = Math.max(...block.items.map(([key]) => key.length));
      return block.items.map(([key, value]) => `${`${key}:`.padEnd(width + 2)}${value}`).join('\n');
    }
  }
}

function htmlBlock(block: Block): string {
  switch (block.kind) {
    case 'p':
      return `<p>${escapeHtml(block.text).replace(/\r?\n/g, '<br>')}</p>`;
    case 'small':
      return `<p style="color:#555;font-size:13px">${escapeHtml(block.text).replace(/\r?\n/g, '<br>')}</p>`;
    case 'quote':
      return `<blockquote style="margin:0 0 16px;padding:8px 12px;border-left:3px solid #999;white-space:pre-wrap">${escapeHtml(block.text)}</blockquote>`;
    case 'link':
      return `<p><a href="${escapeHtml(safeUrl(block.url))}">${escapeHtml(block.label)}</a></p>`;
    case 'facts':
      return `<table role="presentation" style="border-collapse:collapse;margin:0 0 16px">${block.items
        .map(([key, value]) => `<tr><th style="text-align:left;padding:2px 12px 2px 0;font-weight:600">${escapeHtml(key)}</th><td>${escapeHtml(value)}</td></tr>`)
        .join('')}</table>`;
  }
}

export function renderMail(content: MailContent): RenderedMail {
  const text = [content.heading, '', ...content.blocks.flatMap((block) => [textBlock(block), '']), '-- ', ...content.footer].join('\n');
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"></head>',
    '<body style="font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:15px;line-height:1.5;color:#111;max-width:640px">',
    `<h1 style="font-size:18px">${escapeHtml(content.heading)}</h1>`,
    ...content.blocks.map(htmlBlock),
    `<hr style="border:0;border-top:1px solid #ddd"><p style="color:#555;font-size:12px">${content.footer.map(escapeHtml).join('<br>')}</p>`,
    '</body></html>',
  ].join('\n');
  return { subject: content.subject, text: `${text}\n`, html };
}
