/**
 * Officials write observations in Markdown. Feeds get safe HTML (raw HTML is shown as text,
 * links only http(s)/mailto), CSV gets plain text.
 */
import { Marked, type Tokens } from 'marked';
import { escapeXml } from './xml.ts';

const SAFE_LINK = /^(https?:|mailto:)/i;

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    // Raw HTML in an observation is text, never markup: no <script>, no event handlers.
    html(token: Tokens.HTML | Tokens.Tag) {
      return escapeXml(token.text);
    },
    link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, token: Tokens.Link) {
      const text = this.parser.parseInline(token.tokens);
      if (!SAFE_LINK.test(token.href.trim())) return text;
      const title = token.title ? ` title="${escapeXml(token.title)}"` : '';
      return `<a href="${escapeXml(token.href)}"${title} rel="nofollow noopener">${text}</a>`;
    },
    image(token: Tokens.Image) {
      // Images would make readers fetch third-party URLs; show the alt text and link instead.
      if (!SAFE_LINK.test(token.href.trim())) return escapeXml(token.text);
      return `<a href="${escapeXml(token.href)}" rel="nofollow noopener">${escapeXml(token.text || token.href)}</a>`;
    },
  },
});

export function markdownToHtml(markdown: string): string {
  return (marked.parse(markdown) as string).trim();
}

/** Markdown to readable plain text: list markers kept, emphasis and link syntax removed. */
export function markdownToText(markdown: string): string {
  return markdown
    .replace(/\r\n?/g, '\n')
    .replace(/!\[([^\]]*)\]\(([^)\s]+)[^)]*\)/g, '$1 ($2)')
    .replace(/\[([^\]]+)\]\(([^)\s]+)[^)]*\)/g, (_m, text: string, url: string) => (text === url ? url : `${text} (${url})`))
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/^\s*[*+]\s+/gm, '- ')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/(^|[^*\w])[*_]([^*_\n]+)[*_](?=[^*\w]|$)/g, '$1$2')
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!])/g, '$1')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
