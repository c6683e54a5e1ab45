// Small renderers shared by the agent console and the supervisor view: the product card, the
// language badge, presence labels.

import type { DeskProduct, Presence } from './desk-types';
import { escapeHtml, safeHttpUrl } from './ui';

const languageNames = (() => {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' });
  } catch {
    return null;
  }
})();

/** "es" → "Spanish" (the code itself when the browser does not know it). */
export function languageName(code: string | null | undefined): string {
  if (!code) return 'Any language';
  try {
    return languageNames?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** `<span class="lang-badge">ES</span>` with the language's name as its title. */
export function languageBadge(code: string | null | undefined, field = 'language'): string {
  const c = (code ?? '').toLowerCase();
  return `<span class="lang-badge" data-field="${field}" data-lang="${escapeHtml(c)}" title="${escapeHtml(languageName(c))}">${escapeHtml(c ? c.toUpperCase() : '—')}</span>`;
}

export const PRESENCE_LABEL: Record<Presence, string> = {
  available: 'Available',
  busy: 'Busy',
  away: 'Away',
  wrap_up: 'Wrap-up',
};

/**
 * What the shopper was looking at: image, title, price, SKU and a link. Each piece carries
 * `data-field` so tests and screen readers find it; a missing product says so.
 */
export function productCardHtml(p: DeskProduct | null, opts: { compact?: boolean } = {}): string {
  if (!p || !(p.title || p.sku || p.url)) {
    return '<div class="product-card empty" data-field="product">No product page — the shopper called from elsewhere.</div>';
  }
  const image = safeHttpUrl(p.image);
  const link = safeHttpUrl(p.url);
  const title = p.title?.trim() || p.sku || 'Product';
  return `
    <div class="product-card${opts.compact ? ' compact' : ''}" data-field="product">
      ${image ? `<img data-field="image" src="${escapeHtml(image)}" alt="">` : '<span class="product-noimg" aria-hidden="true">?</span>'}
      <div class="product-text">
        <b data-field="title">${escapeHtml(title)}</b>
        <span>${p.price ? `<span data-field="price">${escapeHtml(p.price)}</span>` : ''}${p.price && p.sku ? ' · ' : ''}${p.sku ? `<span data-field="sku">${escapeHtml(p.sku)}</span>` : ''}</span>
        ${link ? `<a data-field="link" href="${escapeHtml(link)}" target="_blank" rel="noopener noreferrer">Open the page they are on ↗</a>` : ''}
      </div>
    </div>`;
}

/** "0:42" / "12 s" from seconds. */
export function formatSeconds(s: number): string {
  const t = Math.max(0, Math.floor(s));
  const m = Math.floor(t / 60);
  return m > 0 ? `${m}:${String(t % 60).padStart(2, '0')}` : `${t} s`;
}
