// The reviewer's search view: query box with a syntax hint, filters, sort, results grouped by
// call with highlighted snippets, pagination, CSV/JSON export. Its whole state lives in the
// URL hash (`#q=refund&team=returns&offset=20`), so back/forward and reload work.

import { ApiError } from './api';
import { exportSearch, search, type SearchHit, type SearchPage } from './review-api';
import { errorMessage, formatCallTime, formatDateTime, formatScore, roleLabel, scoreBand } from './review-format';
import { escapeHtml } from './ui';

const FILTERS = ['from', 'to', 'agent', 'team', 'language', 'product', 'min_score', 'max_score', 'failed', 'interruptions'] as const;
/** `tenant` is the shop searched; only an admin token without a shop of its own chooses it. */
const KEYS = ['q', 'tenant', ...FILTERS, 'sort', 'offset', 'limit'] as const;
type Key = (typeof KEYS)[number];
export type SearchState = Record<Key, string>;

const DEFAULTS: SearchState = {
  q: '', tenant: '', from: '', to: '', agent: '', team: '', language: '', product: '', min_score: '', max_score: '',
  failed: '', interruptions: '', sort: 'relevance', offset: '0', limit: '20',
};
const PAGE_SIZES = ['20', '50', '100'];
const SORTS: [string, string][] = [
  ['relevance', 'Best match'],
  ['newest', 'Newest first'],
  ['oldest', 'Oldest first'],
  ['score_asc', 'Lowest score first'],
  ['score_desc', 'Highest score first'],
];

/** The search state a hash describes (unknown keys ignored, missing ones default). */
export function parseSearchState(params: URLSearchParams): SearchState {
  const s = { ...DEFAULTS };
  for (const k of KEYS) {
    const v = params.get(k);
    if (v !== null) s[k] = v.trim() === '' && k !== 'q' ? DEFAULTS[k] : v;
  }
  if (!SORTS.some(([v]) => v === s.sort)) s.sort = DEFAULTS.sort;
  if (!PAGE_SIZES.includes(s.limit)) s.limit = DEFAULTS.limit;
  if (!/^\d+$/.test(s.offset)) s.offset = '0';
  return s;
}

/** The hash for a search state: only what differs from the defaults. */
export function searchHash(s: SearchState): string {
  const p = new URLSearchParams();
  for (const k of KEYS) if (s[k] !== DEFAULTS[k] && s[k] !== '') p.set(k, s[k]);
  return p.toString();
}

/** A local calendar day as the instant it starts (UTC, RFC 3339); null if not a date. */
function dayStart(day: string, plusDays = 0): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The API query for a search state: dates become instants ("to" includes its whole day). */
function apiParams(s: SearchState, anyTenant: boolean): URLSearchParams {
  const p = new URLSearchParams();
  if (s.q.trim()) p.set('q', s.q.trim());
  if (anyTenant && s.tenant.trim()) p.set('tenant', s.tenant.trim());
  for (const k of ['agent', 'team', 'language', 'product', 'failed', 'min_score', 'max_score', 'interruptions'] as const) {
    if (s[k].trim()) p.set(k, s[k].trim());
  }
  const from = s.from ? dayStart(s.from) : null;
  const to = s.to ? dayStart(s.to, 1) : null;
  if (from) p.set('from', from);
  if (to) p.set('to', to);
  p.set('sort', s.sort);
  p.set('offset', s.offset);
  p.set('limit', s.limit);
  return p;
}

function activeFilters(s: SearchState): number {
  return FILTERS.filter((k) => s[k] !== '').length;
}

function sameState(a: SearchState | null, b: SearchState): boolean {
  return !!a && KEYS.every((k) => a[k] === b[k]);
}

export interface SearchContext {
  token: () => string;
  /** An admin token without a shop: the search names the shop (else the server's `default`). */
  anyTenant: boolean;
  /** A 401: the session is over. */
  onAuthError: (err: ApiError) => void;
}

export class SearchView {
  readonly root: HTMLElement;
  private state: SearchState = { ...DEFAULTS };
  private shown: SearchState | null = null;
  private seq = 0;
  private page: SearchPage | null = null;
  private readonly $ = <T extends HTMLElement>(sel: string) => this.root.querySelector<T>(sel)!;

  constructor(host: HTMLElement, private readonly ctx: SearchContext) {
    host.insertAdjacentHTML('beforeend', this.template());
    this.root = host.querySelector('#search-view')!;
    this.wire();
  }

  /** Shows the search for `state`, running it unless these results are already on screen. */
  show(state: SearchState): void {
    this.root.hidden = false;
    if (sameState(this.shown, state)) return;
    this.state = state;
    this.fillForm();
    void this.run();
  }

  hide(): void {
    this.root.hidden = true;
  }

  /** The hash of what is on screen (for "back to results"). */
  currentHash(): string {
    return searchHash(this.state);
  }

  private template(): string {
    const opt = (list: [string, string][]) => list.map(([v, l]) => `<option value="${v}">${escapeHtml(l)}</option>`).join('');
    return `
    <section id="search-view" class="search-view" aria-label="Search calls">
      <form id="search-form" class="search-bar" role="search" novalidate>
        <div class="query-row">
          <label for="q" class="sr-only">Search transcripts</label>
          <input id="q" name="q" type="search" autocomplete="off" spellcheck="false"
            placeholder='Search what was said — e.g. refund -voucher, "order number", deliver*'
            aria-describedby="q-hint q-error">
          <button type="submit" class="btn primary" id="search-submit">Search</button>
        </div>
        <p id="q-error" class="query-error" role="alert" hidden></p>
        <p id="q-hint" class="query-hint">
          Words match all (<code>refund voucher</code>) · <code>"exact phrase"</code> · <code>deliver*</code> prefix ·
          <code>refund OR return</code> · <code>NOT voucher</code> or <code>-voucher</code> · <code>( )</code> to group. Blank: filters only.
        </p>
      </form>
      <div class="search-body">
        <form id="filters" class="filters card" aria-labelledby="filters-title" novalidate>
          <div class="filters-head">
            <h2 id="filters-title">Filters <span class="count" id="filter-count" hidden>0</span></h2>
            <button type="button" class="link-btn" id="clear-filters" hidden>Clear all</button>
          </div>
          ${this.ctx.anyTenant ? '<label>Shop (tenant) <input id="f-tenant" name="tenant" autocomplete="off" placeholder="default"></label>' : ''}
          <fieldset class="f-pair f-dates" title="Days in your time zone"><legend>Call date</legend>
            <label>From <input type="date" id="f-from" name="from"></label>
            <label>To <input type="date" id="f-to" name="to"></label>
          </fieldset>
          <label>Agent <input id="f-agent" name="agent" autocomplete="off" placeholder="agent id"></label>
          <label>Team <input id="f-team" name="team" autocomplete="off" placeholder="e.g. returns"></label>
          <label>Language <input id="f-language" name="language" autocomplete="off" placeholder="e.g. en" maxlength="16"></label>
          <label>Product SKU <input id="f-product" name="product" autocomplete="off" placeholder="e.g. ARIA-ANC-GRA"></label>
          <fieldset class="f-pair"><legend>Score (0–100)</legend>
            <label>Min <input type="number" id="f-min_score" name="min_score" min="0" max="100" step="any" inputmode="decimal"></label>
            <label>Max <input type="number" id="f-max_score" name="max_score" min="0" max="100" step="any" inputmode="decimal"></label>
          </fieldset>
          <label>Failed criterion <input id="f-failed" name="failed" autocomplete="off" placeholder="criterion id, e.g. greeting"></label>
          <label>Interruptions
            <select id="f-interruptions" name="interruptions">${opt([['', 'Any'], ['true', 'Yes — at least one'], ['false', 'No — none']])}</select>
          </label>
          <p class="form-error" id="filter-error" role="alert" hidden></p>
          <button type="submit" class="btn secondary" id="apply-filters">Apply filters</button>
        </form>
        <section class="results-area" aria-labelledby="results-title">
          <div class="results-head">
            <h2 id="results-title" class="sr-only">Results</h2>
            <p id="results-summary" class="results-summary" role="status" aria-live="polite"></p>
            <label class="inline-field">Sort <select id="f-sort" name="sort">${opt(SORTS)}</select></label>
            <div class="export" role="group" aria-label="Export all results">
              <span class="export-label">Export</span>
              <button type="button" class="btn small ghost" id="export-csv" data-format="csv">CSV</button>
              <button type="button" class="btn small ghost" id="export-json" data-format="json">JSON</button>
            </div>
          </div>
          <p id="export-status" class="export-status" role="status" hidden></p>
          <div id="results-alert" class="alert" data-kind="error" role="alert" hidden></div>
          <ol id="results" class="results" aria-busy="false"></ol>
          <nav class="pager" id="pager" aria-label="Pages" hidden>
            <button type="button" class="btn small ghost" id="page-prev">← Previous</button>
            <span id="page-info" class="page-info"></span>
            <button type="button" class="btn small ghost" id="page-next">Next →</button>
            <label class="inline-field">Per page <select id="f-limit">${opt(PAGE_SIZES.map((n) => [n, n]))}</select></label>
          </nav>
        </section>
      </div>
    </section>`;
  }

  private wire(): void {
    this.$<HTMLFormElement>('#search-form').addEventListener('submit', (e) => {
      e.preventDefault();
      this.go({ ...this.readForm(), offset: '0' });
    });
    this.$<HTMLFormElement>('#filters').addEventListener('submit', (e) => {
      e.preventDefault();
      this.go({ ...this.readForm(), offset: '0' });
    });
    this.$<HTMLInputElement>('#q').addEventListener('input', () => this.showQueryError(null));
    // Choices that are complete when picked apply at once; typed filters apply on Enter/Apply.
    for (const id of ['#f-interruptions', '#f-sort', '#f-from', '#f-to']) {
      this.$(id).addEventListener('change', () => this.go({ ...this.readForm(), offset: '0' }));
    }
    this.$('#f-limit').addEventListener('change', () => this.go({ ...this.readForm(), offset: '0' }));
    this.$('#clear-filters').addEventListener('click', () => {
      const cleared = { ...this.readForm(), offset: '0' };
      for (const k of FILTERS) cleared[k] = '';
      this.go(cleared);
    });
    this.$('#page-prev').addEventListener('click', () => this.turn(-1));
    this.$('#page-next').addEventListener('click', () => this.turn(1));
    for (const id of ['#export-csv', '#export-json']) {
      this.$<HTMLButtonElement>(id).addEventListener('click', (e) => void this.export((e.currentTarget as HTMLElement).dataset['format'] as 'csv' | 'json'));
    }
    document.addEventListener('keydown', (e) => {
      // "/" jumps to the search box, as on most search pages.
      if (e.key !== '/' || this.root.hidden || e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName))) return;
      e.preventDefault();
      this.$<HTMLInputElement>('#q').focus();
    });
  }

  private readForm(): SearchState {
    const val = (id: string) => this.$<HTMLInputElement | HTMLSelectElement>(id).value;
    const s = { ...this.state };
    s.q = val('#q');
    if (this.ctx.anyTenant) s.tenant = val('#f-tenant').trim();
    for (const k of FILTERS) s[k] = val(`#f-${k}`).trim();
    s.sort = val('#f-sort');
    s.limit = val('#f-limit');
    return s;
  }

  private fillForm(): void {
    const set = (id: string, v: string) => (this.$<HTMLInputElement | HTMLSelectElement>(id).value = v);
    set('#q', this.state.q);
    if (this.ctx.anyTenant) set('#f-tenant', this.state.tenant);
    for (const k of FILTERS) set(`#f-${k}`, this.state[k]);
    set('#f-sort', this.state.sort);
    set('#f-limit', this.state.limit);
    const n = activeFilters(this.state);
    const count = this.$('#filter-count');
    count.hidden = n === 0;
    count.textContent = String(n);
    this.$('#clear-filters').hidden = n === 0;
  }

  /** Navigates to a search: the hash changes (history entry), and the router calls show(). */
  private go(next: SearchState): void {
    const problem = this.filterProblem(next);
    const err = this.$('#filter-error');
    err.hidden = !problem;
    err.textContent = problem ?? '';
    if (problem) return;
    const hash = searchHash(next);
    if (location.hash.replace(/^#/, '') === hash) {
      // Same URL (searching again): no hashchange, so run it here.
      this.shown = null;
      this.show(next);
    } else {
      location.hash = hash;
    }
  }

  private filterProblem(s: SearchState): string | null {
    const min = s.min_score === '' ? null : Number(s.min_score);
    const max = s.max_score === '' ? null : Number(s.max_score);
    if (min !== null && !Number.isFinite(min)) return 'Min score must be a number.';
    if (max !== null && !Number.isFinite(max)) return 'Max score must be a number.';
    if (min !== null && max !== null && min > max) return `Min score (${min}) is above max score (${max}).`;
    if (s.from && s.to && s.from > s.to) return 'The “from” date is after the “to” date.';
    return null;
  }

  private turn(dir: number): void {
    const limit = Number(this.state.limit);
    const offset = Math.max(0, Number(this.state.offset) + dir * limit);
    this.go({ ...this.state, offset: String(offset) });
  }

  private showQueryError(message: string | null): void {
    const el = this.$('#q-error');
    el.hidden = !message;
    el.textContent = message ? `This query cannot run: ${message}` : '';
    this.$('#q').setAttribute('aria-invalid', message ? 'true' : 'false');
  }

  private async run(): Promise<void> {
    const seq = ++this.seq;
    const state = this.state;
    const list = this.$('#results');
    const summary = this.$('#results-summary');
    this.$('#results-alert').hidden = true;
    this.showQueryError(null);
    list.setAttribute('aria-busy', 'true');
    list.classList.add('loading');
    summary.innerHTML = '<span class="spinner small" aria-hidden="true"></span> Searching…';
    let page: SearchPage;
    try {
      page = await search(this.ctx.token(), apiParams(state, this.ctx.anyTenant));
    } catch (err) {
      if (seq !== this.seq) return;
      list.setAttribute('aria-busy', 'false');
      list.classList.remove('loading');
      this.fail(err);
      return;
    }
    if (seq !== this.seq) return; // A newer search started meanwhile.
    this.shown = state;
    this.page = page;
    list.setAttribute('aria-busy', 'false');
    list.classList.remove('loading');
    this.render(page);
  }

  private fail(err: unknown): void {
    const list = this.$('#results');
    const summary = this.$('#results-summary');
    this.page = null;
    this.$('#pager').hidden = true;
    if (err instanceof ApiError && err.status === 401) {
      this.ctx.onAuthError(err);
      return;
    }
    if (err instanceof ApiError && err.code === 'bad_query') {
      this.showQueryError(err.message);
      summary.textContent = 'Fix the query to see results.';
      list.innerHTML = '';
      this.$<HTMLInputElement>('#q').focus();
      return;
    }
    summary.textContent = 'No results.';
    list.innerHTML = '';
    const alert = this.$('#results-alert');
    const why =
      err instanceof ApiError && err.status === 400
        ? `The server could not run this search: ${err.message}`
        : err instanceof ApiError && err.status === 503
          ? `The database is not reachable right now (${err.message}).`
          : err instanceof ApiError && err.status === 403
            ? `Not allowed: ${err.message}`
            : `The search failed: ${errorMessage(err)}${err instanceof ApiError && err.status ? ` (HTTP ${err.status})` : ''}`;
    alert.hidden = false;
    alert.innerHTML = `<p>${escapeHtml(why)}</p><button type="button" class="btn primary">Try again</button>`;
    alert.querySelector('button')!.addEventListener('click', () => {
      this.shown = null;
      void this.run();
    });
  }

  private render(page: SearchPage): void {
    const list = this.$('#results');
    const summary = this.$('#results-summary');
    const first = page.offset + 1;
    const last = page.offset + page.hits.length;
    const filtered = this.state.q.trim() !== '' || activeFilters(this.state) > 0;
    const calls = `${page.total} call${page.total === 1 ? '' : 's'}`;
    const what = filtered ? `${calls} match${page.total === 1 ? 'es' : ''}` : `${calls} in this shop`;
    summary.textContent =
      page.total === 0
        ? filtered ? 'No calls match.' : 'No calls yet.'
        : page.hits.length === 0
          ? `${what} — this page is past the end.`
          : `${what} · showing ${first}–${last}`;
    list.innerHTML = page.hits.map((h) => resultHtml(h)).join('');
    if (page.total > 0 && page.hits.length === 0) {
      list.innerHTML = '<li class="empty">This page is past the last result. <button type="button" class="link-btn" data-first>Go to the first page</button></li>';
      list.querySelector('[data-first]')?.addEventListener('click', () => this.go({ ...this.state, offset: '0' }));
    }
    if (page.total === 0) {
      const hasFilters = activeFilters(this.state) > 0;
      list.innerHTML = `<li class="empty">${
        hasFilters
          ? 'Nothing matches these words and filters. Try fewer words, a prefix (<code>deliver*</code>), or <button type="button" class="link-btn" data-clear>clear the filters</button>.'
          : this.state.q.trim()
            ? 'No transcript contains these words. Try fewer words, <code>OR</code>, or a prefix (<code>deliver*</code>).'
            : 'No calls have been stored for this shop yet. Calls appear here a few seconds after they end.'
      }</li>`;
      list.querySelector('[data-clear]')?.addEventListener('click', () => this.$('#clear-filters').click());
    }
    const pager = this.$('#pager');
    const limit = page.limit || Number(this.state.limit);
    pager.hidden = page.total <= limit && page.offset === 0;
    const pages = Math.max(1, Math.ceil(page.total / limit));
    const at = Math.floor(page.offset / limit) + 1;
    this.$('#page-info').textContent = `Page ${at} of ${pages}`;
    this.$<HTMLButtonElement>('#page-prev').disabled = page.offset === 0;
    this.$<HTMLButtonElement>('#page-next').disabled = page.offset + page.hits.length >= page.total;
    const none = page.total === 0;
    this.$<HTMLButtonElement>('#export-csv').disabled = none;
    this.$<HTMLButtonElement>('#export-json').disabled = none;
  }

  private async export(format: 'csv' | 'json'): Promise<void> {
    const button = this.$<HTMLButtonElement>(`#export-${format}`);
    const status = this.$('#export-status');
    const total = this.page?.total ?? 0;
    button.disabled = true;
    const label = button.textContent;
    button.textContent = '…';
    status.hidden = false;
    status.dataset['kind'] = 'info';
    status.textContent = `Preparing the ${format.toUpperCase()} export of ${total} call${total === 1 ? '' : 's'}…`;
    try {
      const { blob, filename } = await exportSearch(this.ctx.token(), apiParams(this.state, this.ctx.anyTenant), format);
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = `Downloaded ${filename} (${total > 10_000 ? 'first 10,000' : total} call${total === 1 ? '' : 's'}, ${Math.max(1, Math.round(blob.size / 1024))} KB).`;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.ctx.onAuthError(err);
        return;
      }
      status.dataset['kind'] = 'error';
      status.textContent = `The export failed: ${errorMessage(err)}${err instanceof ApiError && err.status ? ` (HTTP ${err.status})` : ''}.`;
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }
}

function resultHtml(h: SearchHit): string {
  const c = h.call;
  const href = `#call=${encodeURIComponent(c.id)}`;
  const facts = [
    `<span title="Call started">${escapeHtml(formatDateTime(c.created_at))}</span>`,
    `<span><span class="k">Agent</span> ${escapeHtml(c.agent ?? '—')}</span>`,
    c.team ? `<span><span class="k">Team</span> ${escapeHtml(c.team)}</span>` : '',
    `<span><span class="k">Lang</span> ${escapeHtml(c.language ?? '—')}</span>`,
    c.product.sku || c.product.title
      ? `<span title="${escapeHtml(c.product.title ?? '')}"><span class="k">Product</span> ${escapeHtml(c.product.sku ?? c.product.title ?? '')}</span>`
      : '',
  ].filter(Boolean).join('');
  const band = scoreBand(h.score);
  const badge = `<span class="score-badge" data-band="${band}" title="${h.score === null ? 'Not scored' : 'QA score (lowest under any rubric)'}">${h.score === null ? 'No score' : escapeHtml(formatScore(h.score))}</span>`;
  const snippets = h.snippets
    .map(
      (s) => `<li><a class="snippet" href="${href}&t=${s.start_s.toFixed(2)}" title="Open the call at ${formatCallTime(s.start_s)}">
        <span class="snip-time">${formatCallTime(s.start_s)}</span>
        <span class="snip-role" data-role="${escapeHtml(s.role)}">${escapeHtml(roleLabel(s.role))}</span>
        <span class="snip-text">${s.fragments.map((f) => (f.hit ? `<mark>${escapeHtml(f.text)}</mark>` : escapeHtml(f.text))).join('')}</span></a></li>`,
    )
    .join('');
  const more = h.matching_segments - h.snippets.length;
  const matches = h.matching_segments > 0
    ? `<p class="result-matches">${h.matching_segments} matching line${h.matching_segments === 1 ? '' : 's'}${more > 0 ? ` · ${more} more in the call` : ''}</p>`
    : '';
  return `
    <li class="result card" data-call-id="${escapeHtml(c.id)}">
      <div class="result-head">
        <a class="result-link" href="${href}">${escapeHtml(c.id)}</a>
        ${c.shopper_name ? `<span class="result-shopper">${escapeHtml(c.shopper_name)}</span>` : ''}
        ${badge}
      </div>
      <p class="result-facts">${facts}</p>
      ${matches}
      ${snippets ? `<ul class="snippets">${snippets}</ul>` : ''}
    </li>`;
}
