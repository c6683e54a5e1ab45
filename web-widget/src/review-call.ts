// One call for review (`#call=<id>[&t=<seconds>]`): facts, the recording player, the speaker
// timeline, the transcript (click a line to play from it; the line being spoken is highlighted
// and kept in view), the scorecard with overrides, and talk metrics. Each panel loads on its
// own and explains its own failure.

import { ApiError } from './api';
import {
  addOverride, getCall, getInsights, getRecordings, getScores, getSegments,
  type CallRecord, type Insights, type Participant, type Recording, type Scores, type Segment,
} from './review-api';
import { errorMessage, formatCallTime, formatDateTime, formatSeconds, roleLabel } from './review-format';
import { metricsHtml } from './review-metrics';
import { CallPlayer } from './review-player';
import { Scorecard } from './review-scorecard';
import { OVERLAP_LABEL, Timeline } from './review-timeline';
import { escapeHtml, safeHttpUrl } from './ui';

export interface CallContext {
  token: () => string;
  onAuthError: (err: ApiError) => void;
  /** Where "back to results" goes (a hash). */
  backHash: string;
}

/** After the reviewer scrolls the transcript, it is not scrolled for them for this long. */
const MANUAL_SCROLL_HOLD_MS = 4000;

export class CallView {
  readonly root: HTMLElement;
  private player: CallPlayer | null = null;
  private timeline: Timeline | null = null;
  private scorecard: Scorecard;
  private segments: Segment[] | null = null;
  private insights: Insights | null = null;
  private recordings: Recording[] | null = null;
  private call: CallRecord | null = null;
  private lines: HTMLElement[] = [];
  private current = new Set<HTMLElement>();
  private userScrolledAt = 0;
  private autoScrolling = false;
  private destroyed = false;
  private duration = 0;
  private readonly $ = <T extends HTMLElement>(sel: string) => this.root.querySelector<T>(sel)!;

  constructor(host: HTMLElement, private readonly ctx: CallContext, readonly callId: string, private startAt: number | null) {
    host.insertAdjacentHTML('beforeend', `
      <section id="call-view" class="call-view" aria-labelledby="call-title">
        <nav class="call-nav"><a href="#${escapeHtml(ctx.backHash)}" id="back-to-results" class="back-link">← Back to results</a></nav>
        <header class="call-facts card" id="call-facts" aria-busy="true">
          <h1 id="call-title">Call <span class="mono">${escapeHtml(callId)}</span></h1>
          <p class="panel-note"><span class="spinner small" aria-hidden="true"></span> Loading the call…</p>
        </header>
        <div id="call-error" class="alert" data-kind="error" role="alert" hidden></div>
        <section class="card playback" aria-label="Recording and speaker timeline">
          <div id="player-host"></div>
          <div id="timeline-host" class="timeline-host"><p class="panel-note"><span class="spinner small" aria-hidden="true"></span> Loading the timeline…</p></div>
          <ul class="timeline-legend" aria-label="Timeline legend">
            <li data-k="customer"><span class="swatch"></span>Customer speaking</li>
            <li data-k="agent"><span class="swatch"></span>Agent speaking</li>
            ${Object.entries(OVERLAP_LABEL).map(([k, l]) => `<li data-k="${k}"><span class="swatch"></span>${l}</li>`).join('')}
            <li data-k="gap"><span class="swatch"></span>Gaps are silence</li>
          </ul>
        </section>
        <div class="call-columns">
          <section class="card transcript-card" aria-labelledby="rt-title">
            <div class="rv-panel-head"><h2 id="rt-title" class="panel-title">Transcript</h2><span class="panel-hint">Click a line to play from it</span></div>
            <ol id="review-transcript" class="rt-list" tabindex="-1"><li class="panel-note"><span class="spinner small" aria-hidden="true"></span> Loading the transcript…</li></ol>
          </section>
          <div class="call-side">
            <section class="card" id="scorecard" aria-live="polite"></section>
            <section class="card" id="metrics"><h2 class="panel-title">Talk metrics</h2><p class="panel-note"><span class="spinner small" aria-hidden="true"></span> Loading…</p></section>
          </div>
        </div>
      </section>`);
    this.root = host.querySelector('#call-view')!;
    this.scorecard = new Scorecard(this.$('#scorecard'), {
      seek: (t) => this.seek(t, true),
      submitOverride: (criterion, verdict, comment) => this.submitOverride(criterion, verdict, comment),
    });
    const list = this.$('#review-transcript');
    list.addEventListener('scroll', () => {
      if (!this.autoScrolling) this.userScrolledAt = performance.now();
    });
    list.addEventListener('click', (e) => {
      const line = (e.target as HTMLElement).closest<HTMLElement>('.rt-line');
      if (line) this.seek(Number(line.dataset['start']), true);
    });
    document.addEventListener('keydown', this.onKey);
    void this.load();
  }

  destroy(): void {
    this.destroyed = true;
    document.removeEventListener('keydown', this.onKey);
    this.player?.destroy();
    this.root.remove();
  }

  /** Space plays/pauses when focus is not in a field or on a button. */
  private readonly onKey = (e: KeyboardEvent) => {
    if (e.key !== ' ' || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target as HTMLElement | null;
    if (t && (t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'A'].includes(t.tagName))) return;
    if (!this.player?.hasAudio) return;
    e.preventDefault();
    this.$<HTMLButtonElement>('#play').click();
  };

  private guard<T>(p: Promise<T>): Promise<T> {
    return p.catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 401 && !this.destroyed) this.ctx.onAuthError(err);
      throw err;
    });
  }

  private async load(): Promise<void> {
    const token = this.ctx.token();
    const id = this.callId;
    const callP = this.guard(getCall(token, id));
    const segP = this.guard(getSegments(token, id));
    const insP = this.guard(getInsights(token, id));
    const recP = this.guard(getRecordings(token, id));
    // Awaited below only if the call itself loads; never an unhandled rejection.
    for (const p of [segP, insP, recP]) p.catch(() => undefined);
    void this.loadScores();

    try {
      const { call, participants } = await callP;
      if (this.destroyed) return;
      this.call = call;
      this.renderFacts(call, participants);
    } catch (err) {
      if (this.destroyed) return;
      this.failCall(err);
      return;
    }

    const [seg, ins, rec] = await Promise.allSettled([segP, insP, recP]);
    if (this.destroyed) return;
    if (seg.status === 'fulfilled') this.segments = [...seg.value.segments].sort((a, b) => a.start_s - b.start_s || a.role.localeCompare(b.role));
    if (ins.status === 'fulfilled') this.insights = ins.value;
    if (rec.status === 'fulfilled') this.recordings = rec.value.recordings;
    this.duration = this.callDuration();

    this.player = new CallPlayer(this.$('#player-host'), this.duration);
    this.player.onTime((t) => this.onTime(t));
    if (rec.status === 'fulfilled') this.player.setRecordings(rec.value.recordings, token);
    else this.player.fail(`The recordings could not be listed: ${describe(rec.reason)}`);

    if (seg.status === 'fulfilled') this.renderTranscript(this.segments ?? []);
    else this.$('#review-transcript').innerHTML = `<li class="alert" data-kind="error" role="alert"><p>The transcript could not load: ${escapeHtml(describe(seg.reason))}</p></li>`;

    const tlHost = this.$('#timeline-host');
    tlHost.innerHTML = '';
    this.timeline = new Timeline(tlHost, (t) => this.seek(t, false)); // Seeks; playing goes on if it was.
    this.timeline.setData({ duration: this.duration, segments: this.segments ?? [], events: this.insights?.events ?? [] });
    if (ins.status === 'rejected') {
      tlHost.insertAdjacentHTML('beforeend', `<p class="form-error">Overlaps are missing: ${escapeHtml(describe(ins.reason))}</p>`);
    }

    const counts: Record<string, number> = {};
    for (const e of this.insights?.events ?? []) counts[e.kind] = (counts[e.kind] ?? 0) + 1;
    this.$('#metrics').innerHTML = ins.status === 'fulfilled'
      ? metricsHtml(this.insights?.metrics ?? null, counts)
      : `<h2 class="panel-title">Talk metrics</h2><div class="alert" data-kind="error"><p>Talk metrics could not load: ${escapeHtml(describe(ins.reason))}</p></div>`;

    if (this.startAt !== null) {
      this.seek(this.startAt, false);
      this.startAt = null;
    } else {
      this.onTime(0);
    }
    this.root.dataset['ready'] = 'true';
  }

  private async loadScores(note?: { criterion: string; text: string }): Promise<void> {
    if (!note) this.scorecard.loading();
    try {
      const scores: Scores = await this.guard(getScores(this.ctx.token(), this.callId));
      if (this.destroyed) return;
      this.scorecard.render(scores, note);
      if (note) this.scorecard.focusSaved();
    } catch (err) {
      if (this.destroyed) return;
      this.scorecard.error(`The scorecard could not load: ${describe(err)}`, () => void this.loadScores());
    }
  }

  private async submitOverride(criterion: string, verdict: 'pass' | 'fail' | 'not_applicable', comment: string): Promise<void> {
    await this.guard(addOverride(this.ctx.token(), this.callId, { criterion, verdict, comment }));
    await this.loadScores({ criterion, text: 'Override saved.' });
  }

  private callDuration(): number {
    const ends = [
      this.insights?.metrics?.['call_duration_s'] ?? 0,
      ...(this.segments ?? []).map((s) => s.end_s),
      ...(this.recordings ?? []).map((r) => r.start_s + r.duration_s),
      ...(this.insights?.events ?? []).map((e) => e.onset_s + e.duration_s),
    ];
    const d = Math.max(0, ...ends.filter((v) => Number.isFinite(v)));
    if (d > 0) return d;
    const c = this.call;
    const from = c?.answered_at ?? c?.created_at;
    return from && c?.ended_at ? Math.max(1, (Date.parse(c.ended_at) - Date.parse(from)) / 1000) : 1;
  }

  private failCall(err: unknown): void {
    const facts = this.$('#call-facts');
    facts.setAttribute('aria-busy', 'false');
    facts.querySelector('.panel-note')?.remove();
    for (const el of this.root.querySelectorAll<HTMLElement>('.playback, .call-columns')) el.hidden = true;
    const alert = this.$('#call-error');
    alert.hidden = false;
    const why =
      err instanceof ApiError && err.status === 404
        ? `There is no call ${this.callId} in your shop. The link may be mistyped, or the call belongs to another shop (tenant).`
        : `The call could not load: ${describe(err)}`;
    alert.innerHTML = `<p>${escapeHtml(why)}</p><a class="btn primary" href="#${escapeHtml(this.ctx.backHash)}">Back to results</a>`;
  }

  private renderFacts(c: CallRecord, participants: Participant[]): void {
    const facts = this.$('#call-facts');
    facts.setAttribute('aria-busy', 'false');
    const duration = c.answered_at && c.ended_at ? formatSeconds((Date.parse(c.ended_at) - Date.parse(c.answered_at)) / 1000) : null;
    const url = safeHttpUrl(c.product.url);
    const product = c.product.title || c.product.sku
      ? `${url ? `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(c.product.title ?? c.product.sku ?? '')}</a>` : escapeHtml(c.product.title ?? c.product.sku ?? '')}${c.product.sku && c.product.title ? ` <span class="mono muted">${escapeHtml(c.product.sku)}</span>` : ''}`
      : '—';
    const customer = participants.find((p) => p.role === 'customer');
    const fact = (k: string, v: string) => `<div><dt>${k}</dt><dd>${v}</dd></div>`;
    facts.innerHTML = `
      <h1 id="call-title">Call <span class="mono">${escapeHtml(c.id)}</span> <span class="status-chip" data-status="${escapeHtml(c.status)}">${escapeHtml(c.status)}</span></h1>
      <dl class="facts">
        ${fact('Started', escapeHtml(formatDateTime(c.created_at)))}
        ${fact('Length', duration ? escapeHtml(duration) : '—')}
        ${fact('Agent', escapeHtml(c.agent ?? '—'))}
        ${fact('Team', escapeHtml(c.team ?? '—'))}
        ${fact('Customer', escapeHtml(c.shopper_name ?? customer?.name ?? 'Anonymous shopper'))}
        ${fact('Language', escapeHtml(c.language ?? '—'))}
        ${fact('Product', product)}
      </dl>`;
    document.title = `Call ${c.id} · Showroom Review`;
  }

  private renderTranscript(segments: Segment[]): void {
    const list = this.$('#review-transcript');
    if (segments.length === 0) {
      list.innerHTML = '<li class="panel-note">No transcript: nothing was said, or the server ran without a speech model during this call.</li>';
      this.lines = [];
      return;
    }
    list.innerHTML = segments
      .map((s) => {
        const text = s.status === 'final'
          ? escapeHtml(s.text)
          : `<span class="rt-missing">Not transcribed${s.reason ? ` (${escapeHtml(s.reason)})` : ''}</span>`;
        return `<li><button type="button" class="rt-line" data-role="${escapeHtml(s.role)}" data-start="${s.start_s}" data-end="${s.end_s}" data-segment="${s.id}" data-status="${s.status}">
          <span class="rt-meta"><span class="rt-who">${escapeHtml(roleLabel(s.role))}</span><span class="rt-time">${formatCallTime(s.start_s)}</span>${s.redacted ? '<span class="rt-masked" title="Personal data in this line was masked">masked</span>' : ''}</span>
          <span class="rt-text">${text}</span></button></li>`;
      })
      .join('');
    this.lines = [...list.querySelectorAll<HTMLElement>('.rt-line')];
  }

  private seek(t: number, play: boolean): void {
    if (this.player) this.player.seek(t, play && this.player.hasAudio);
    else this.onTime(t);
  }

  private onTime(t: number): void {
    this.timeline?.setTime(t);
    const now = new Set(this.lines.filter((l) => Number(l.dataset['start']) <= t + 0.05 && t < Number(l.dataset['end'])));
    let changed = now.size !== this.current.size;
    for (const l of now) if (!this.current.has(l)) changed = true;
    if (!changed) return;
    for (const l of this.current) if (!now.has(l)) {
      l.classList.remove('is-current');
      l.removeAttribute('aria-current');
    }
    for (const l of now) {
      l.classList.add('is-current');
      l.setAttribute('aria-current', 'true');
    }
    this.current = now;
    const latest = [...now].pop();
    if (latest && performance.now() - this.userScrolledAt > MANUAL_SCROLL_HOLD_MS) this.scrollIntoList(latest);
  }

  /** Keeps `line` visible inside the transcript list without scrolling the page. */
  private scrollIntoList(line: HTMLElement): void {
    const list = this.$('#review-transcript');
    const top = line.offsetTop; // The list is positioned: offsets are within it.
    const bottom = top + line.offsetHeight;
    let to: number | null = null;
    if (top < list.scrollTop + 8) to = Math.max(0, top - 24);
    else if (bottom > list.scrollTop + list.clientHeight - 8) to = top - list.clientHeight / 3;
    if (to === null) return;
    this.autoScrolling = true;
    list.scrollTop = to;
    requestAnimationFrame(() => (this.autoScrolling = false));
  }
}

function describe(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 404) return `not found (${err.message})`;
    if (err.status === 503) return `the database is not reachable right now (${err.message})`;
    return `${err.message}${err.status ? ` (HTTP ${err.status})` : ''}`;
  }
  return errorMessage(err);
}
