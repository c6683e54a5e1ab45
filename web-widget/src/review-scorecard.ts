// The QA scorecard of a call: score and pass/fail per rubric, each criterion with its verdict,
// reason and evidence quotes (times seek the recording), the reviewer override in force, and an
// "Override" form per criterion (verdict + a required comment).

import { ApiError } from './api';
import type { CriterionResult, OverrideInForce, Scores, Verdict } from './review-api';
import { errorMessage, formatCallTime, formatDateTime, formatScore, roleLabel, scoreBand, verdictLabel } from './review-format';
import { escapeHtml } from './ui';

export interface ScorecardHooks {
  seek: (t: number) => void;
  /** Stores an override; rejects with the server's error. */
  submitOverride: (criterion: string, verdict: Verdict, comment: string) => Promise<void>;
}

const VERDICTS: Verdict[] = ['pass', 'fail', 'not_applicable'];

export class Scorecard {
  private scores: Scores | null = null;
  private open: string | null = null;
  private saved: string | null = null;

  constructor(private readonly host: HTMLElement, private readonly hooks: ScorecardHooks) {
    host.addEventListener('click', (e) => this.onClick(e));
  }

  loading(): void {
    this.host.innerHTML = `<h2 class="panel-title">Scorecard</h2><p class="panel-note"><span class="spinner small" aria-hidden="true"></span> Loading the scorecard…</p>`;
  }

  error(message: string, retry: () => void): void {
    this.host.innerHTML = `<h2 class="panel-title">Scorecard</h2><div class="alert" data-kind="error" role="alert"><p>${escapeHtml(message)}</p><button type="button" class="btn primary" data-retry>Try again</button></div>`;
    this.host.querySelector('[data-retry]')!.addEventListener('click', retry);
  }

  render(scores: Scores, note?: { criterion: string; text: string }): void {
    this.scores = scores;
    this.saved = note?.criterion ?? null;
    if (note && this.open === note.criterion) this.open = null; // Saved: its form is done.
    if (scores.scores.length === 0) {
      this.host.innerHTML = `<h2 class="panel-title">Scorecard</h2><p class="panel-note">This call has no score yet. Calls are scored a few seconds after they end; a call with no rubric for its shop is never scored.</p>`;
      return;
    }
    const cards = scores.scores.map((s) => {
      const overridden = s.criteria.filter((c) => scores.overrides_in_force[c.id]);
      const band = scoreBand(s.score);
      return `
        <div class="score-summary">
          <span class="score-big" data-band="${band}">${escapeHtml(formatScore(s.score))}</span>
          <div>
            <p class="score-verdict" data-passed="${s.passed}">${s.passed ? 'Passed' : 'Failed'}</p>
            <p class="score-meta">${escapeHtml(s.rubric)} v${escapeHtml(s.rubric_version)} · scored ${escapeHtml(formatDateTime(s.scored_at))}</p>
            ${overridden.length ? `<p class="score-meta">${overridden.length} verdict${overridden.length === 1 ? '' : 's'} overridden by reviewers; the score is the scorer's.</p>` : ''}
          </div>
        </div>
        <ol class="criteria">${s.criteria.map((c) => this.criterionHtml(c, scores.overrides_in_force[c.id] ?? null, note)).join('')}</ol>`;
    });
    this.host.innerHTML = `<h2 class="panel-title">Scorecard</h2>${cards.join('<hr>')}`;
    if (this.open) this.openForm(this.open);
  }

  private criterionHtml(c: CriterionResult, o: OverrideInForce | null, note?: { criterion: string; text: string }): string {
    const inForce = o ? o.verdict : c.verdict;
    const evidence = c.evidence.length
      ? `<ul class="evidence">${c.evidence
          .map((e) => `<li><button type="button" class="time-link" data-seek="${e.start_s}" title="Play from ${formatCallTime(e.start_s)}">${formatCallTime(e.start_s)}</button> <span class="ev-role">${escapeHtml(roleLabel(e.role))}:</span> <q>${escapeHtml(e.quote)}</q></li>`)
          .join('')}</ul>`
      : '';
    const override = o
      ? `<div class="override-in-force" data-verdict="${o.verdict}">
           <p><b>Override in force: ${escapeHtml(verdictLabel(o.verdict))}</b> <span class="muted">(scorer said ${escapeHtml(verdictLabel(c.verdict))})</span></p>
           <p class="override-comment">“${escapeHtml(o.comment)}”</p>
           <p class="muted">${escapeHtml(o.reviewer)} · ${escapeHtml(formatDateTime(o.at))}</p>
         </div>`
      : '';
    const saved = note && note.criterion === c.id ? `<p class="saved-note" role="status">${escapeHtml(note.text)}</p>` : '';
    const failedLink = inForce === 'fail' ? `<a class="link-btn" href="#failed=${encodeURIComponent(c.id)}&sort=newest" title="Search other calls failing this criterion">Other calls failing this</a>` : '';
    return `
      <li class="criterion" id="criterion-${escapeHtml(c.id)}" data-criterion="${escapeHtml(c.id)}" data-verdict="${inForce}" data-overridden="${o ? 'true' : 'false'}">
        <div class="criterion-head">
          <span class="verdict-chip" data-verdict="${inForce}">${escapeHtml(verdictLabel(inForce))}</span>
          <h3>${escapeHtml(c.title)}</h3>
        </div>
        <p class="criterion-meta"><code>${escapeHtml(c.id)}</code> · weight ${escapeHtml(String(c.weight))}${c.critical ? ' · <b class="critical">critical</b>' : ''}</p>
        <p class="criterion-reason">${escapeHtml(c.reason)}</p>
        ${evidence}
        ${override}
        ${saved}
        <div class="criterion-actions">
          <button type="button" class="btn small ghost" data-override="${escapeHtml(c.id)}" aria-expanded="false">Override…</button>
          ${failedLink}
        </div>
        <div class="override-form-host"></div>
      </li>`;
  }

  private onClick(e: Event): void {
    const t = e.target as HTMLElement;
    const seek = t.closest<HTMLElement>('[data-seek]');
    if (seek) {
      this.hooks.seek(Number(seek.dataset['seek']));
      return;
    }
    const ov = t.closest<HTMLElement>('[data-override]');
    if (ov) {
      const id = ov.dataset['override']!;
      if (this.open === id) this.closeForm();
      else this.openForm(id);
    }
  }

  private closeForm(): void {
    if (!this.open) return;
    const li = this.criterionEl(this.open);
    li?.querySelector('.override-form-host')?.replaceChildren();
    li?.querySelector('[data-override]')?.setAttribute('aria-expanded', 'false');
    this.open = null;
  }

  private criterionEl(id: string): HTMLElement | null {
    return this.host.querySelector<HTMLElement>(`[data-criterion="${CSS.escape(id)}"]`);
  }

  private openForm(id: string): void {
    this.closeForm();
    const li = this.criterionEl(id);
    const c = this.scores?.scores.flatMap((s) => s.criteria).find((x) => x.id === id);
    if (!li || !c) return;
    this.open = id;
    const current = this.scores?.overrides_in_force[id]?.verdict ?? c.verdict;
    const suggested: Verdict = current === 'fail' ? 'pass' : 'fail';
    const host = li.querySelector('.override-form-host')!;
    host.innerHTML = `
      <form class="override-form" novalidate>
        <fieldset class="verdict-choice"><legend>New verdict for “${escapeHtml(c.title)}”</legend>
          ${VERDICTS.map((v) => `<label><input type="radio" name="verdict" value="${v}" ${v === suggested ? 'checked' : ''}> ${escapeHtml(verdictLabel(v))}</label>`).join('')}
        </fieldset>
        <label class="comment-field">Why? <span class="muted">(required; kept with the verdict, your name and the time)</span>
          <textarea name="comment" rows="3" maxlength="4000" required placeholder="e.g. The greeting came at 0:16 but the customer was still connecting."></textarea>
        </label>
        <p class="form-error" role="alert" hidden></p>
        <div class="form-actions">
          <button type="submit" class="btn primary small" disabled>Save override</button>
          <button type="button" class="btn ghost small" data-cancel>Cancel</button>
          <span class="form-hint">Type a comment to save.</span>
        </div>
      </form>`;
    li.querySelector('[data-override]')?.setAttribute('aria-expanded', 'true');
    const form = host.querySelector<HTMLFormElement>('form')!;
    const comment = form.querySelector<HTMLTextAreaElement>('textarea')!;
    const save = form.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    const hint = form.querySelector<HTMLElement>('.form-hint')!;
    const err = form.querySelector<HTMLElement>('.form-error')!;
    comment.addEventListener('input', () => {
      const ok = comment.value.trim().length > 0;
      save.disabled = !ok;
      hint.hidden = ok;
      err.hidden = true;
    });
    form.querySelector('[data-cancel]')!.addEventListener('click', () => this.closeForm());
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = comment.value.trim();
      const verdict = (form.querySelector<HTMLInputElement>('input[name="verdict"]:checked')?.value ?? suggested) as Verdict;
      if (!text) return;
      save.disabled = true;
      save.textContent = 'Saving…';
      try {
        await this.hooks.submitOverride(id, verdict, text); // Re-renders with the override in force.
      } catch (ex) {
        save.disabled = false;
        save.textContent = 'Save override';
        err.hidden = false;
        err.textContent =
          ex instanceof ApiError && ex.status === 400 ? `The server refused the override: ${ex.message}`
          : `Could not save the override: ${errorMessage(ex)}${ex instanceof ApiError && ex.status ? ` (HTTP ${ex.status})` : ''}. Your comment is still here; try again.`;
      }
    });
    comment.focus();
  }

  /** After a re-render: bring the saved criterion into view. */
  focusSaved(): void {
    if (!this.saved) return;
    const li = this.criterionEl(this.saved);
    li?.scrollIntoView({ block: 'nearest' });
    li?.querySelector<HTMLElement>('[data-override]')?.focus({ preventScroll: true });
  }
}
