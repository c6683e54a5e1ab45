// Notes during the call and the wrap-up after it: a disposition code (from `signed_in`), the
// notes (carried over from the call), Save, and the wrap-up countdown after which the server
// makes the agent available again. Saving sends `wrap_up`; `wrap_up_saved` confirms it.

import { formatSeconds, productCardHtml } from './desk-format';
import type { OfferMessage } from './desk-types';
import { escapeHtml } from './ui';

export const NOTES_MAX = 10_000;

/** "not_resolved" → "Not resolved". */
export function dispositionLabel(code: string): string {
  const words = code.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The notes box shown during a call (its text moves into the wrap-up form). */
export class CallNotes {
  constructor(private readonly host: HTMLElement) {}

  show(offer: OfferMessage | null): void {
    this.host.hidden = false;
    this.host.innerHTML = `
      <section class="side-card call-notes">
        <h2>This call</h2>
        ${offer ? productCardHtml(offer.product) : ''}
        ${offer?.skill ? `<p class="muted small">Asked about <b>${escapeHtml(offer.skill)}</b></p>` : ''}
        <label class="field" for="call-notes"><span>Notes</span>
          <textarea id="call-notes" rows="7" maxlength="${NOTES_MAX}" placeholder="What they want, sizes, follow-ups… (kept for the wrap-up)"></textarea></label>
      </section>`;
  }

  /** Takes the notes out and empties the box. */
  take(): string {
    const text = this.host.querySelector<HTMLTextAreaElement>('#call-notes')?.value ?? '';
    this.hide();
    return text;
  }

  hide(): void {
    this.host.innerHTML = '';
    this.host.hidden = true;
  }
}

interface Showing {
  callId: string;
  /** Local clock time the server ends wrap-up at (null until the presence frame says so). */
  endsAt: number | null;
  saving: boolean;
  timer: ReturnType<typeof setInterval>;
}

export class WrapUpPanel {
  private showing: Showing | null = null;

  constructor(
    private readonly host: HTMLElement,
    private readonly onSave: (callId: string, disposition: string, notes: string) => boolean,
  ) {}

  get callId(): string | null {
    return this.showing?.callId ?? null;
  }

  show(callId: string, dispositions: string[], notes: string, summary: string, offer: OfferMessage | null): void {
    this.close();
    this.host.hidden = false;
    const options = dispositions.map((d) => `<option value="${escapeHtml(d)}">${escapeHtml(dispositionLabel(d))}</option>`).join('');
    this.host.innerHTML = `
      <form id="wrapup" class="side-card wrapup" data-call-id="${escapeHtml(callId)}" data-state="open" aria-labelledby="wrapup-title">
        <header class="wrapup-head">
          <h2 id="wrapup-title">Wrap-up</h2>
          <span class="wrapup-timer" id="wrapup-timer" role="timer" aria-live="off"></span>
        </header>
        <div class="ring-bar wrapup-bar" aria-hidden="true"><span id="wrapup-bar"></span></div>
        <p class="wrapup-summary">${escapeHtml(summary)}</p>
        ${offer?.product ? productCardHtml(offer.product, { compact: true }) : ''}
        <label class="field" for="disposition"><span>Outcome</span>
          <select id="disposition" required><option value="">Choose…</option>${options}</select></label>
        <label class="field" for="wrapup-notes"><span>Notes</span>
          <textarea id="wrapup-notes" rows="6" maxlength="${NOTES_MAX}">${escapeHtml(notes)}</textarea></label>
        <p class="wrapup-error" id="wrapup-error" role="alert" hidden></p>
        <button type="submit" class="btn primary" id="wrapup-save">Save and get ready</button>
      </form>`;
    const form = this.host.querySelector<HTMLFormElement>('#wrapup')!;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.save();
    });
    this.showing = { callId, endsAt: null, saving: false, timer: setInterval(() => this.tick(), 500) };
    this.tick();
    this.host.querySelector<HTMLSelectElement>('#disposition')!.focus({ preventScroll: true });
  }

  /** The server's wrap-up window: `endsAtMs` on the server clock, `sinceMs` when it began there. */
  setDeadline(callId: string, sinceMs: number, endsAtMs: number, receivedAt = Date.now()): void {
    if (!this.showing || this.showing.callId !== callId) return;
    this.showing.endsAt = receivedAt + Math.max(0, endsAtMs - sinceMs);
    const bar = this.host.querySelector<HTMLElement>('#wrapup-bar');
    if (bar) bar.dataset['total'] = String(Math.max(1, endsAtMs - sinceMs));
    this.tick();
  }

  /** The server ended wrap-up (timer ran out or the agent went available): keep the form, say so. */
  windowOver(): void {
    if (!this.showing || this.showing.saving) return;
    this.showing.endsAt = null;
    const t = this.host.querySelector('#wrapup-timer');
    if (t) t.textContent = 'Time is up — you are taking calls again';
    this.host.querySelector('#wrapup')?.setAttribute('data-state', 'late');
  }

  saved(callId: string): void {
    if (!this.showing || this.showing.callId !== callId) return;
    const form = this.host.querySelector('#wrapup');
    form?.setAttribute('data-state', 'saved');
    const b = this.host.querySelector<HTMLButtonElement>('#wrapup-save');
    if (b) b.textContent = 'Saved ✓';
    const shown = this.showing;
    setTimeout(() => {
      if (this.showing === shown) this.close();
    }, 1200);
  }

  failed(message: string): void {
    if (!this.showing) return;
    this.showing.saving = false;
    this.host.querySelector('#wrapup')?.setAttribute('data-state', 'open');
    const b = this.host.querySelector<HTMLButtonElement>('#wrapup-save');
    if (b) {
      b.disabled = false;
      b.textContent = 'Save and get ready';
    }
    const e = this.host.querySelector<HTMLElement>('#wrapup-error');
    if (e) {
      e.hidden = false;
      e.textContent = message;
    }
  }

  close(): void {
    if (this.showing) clearInterval(this.showing.timer);
    this.showing = null;
    this.host.innerHTML = '';
    this.host.hidden = true;
  }

  private save(): void {
    const s = this.showing;
    if (!s || s.saving) return;
    const disposition = this.host.querySelector<HTMLSelectElement>('#disposition')!.value;
    const notes = this.host.querySelector<HTMLTextAreaElement>('#wrapup-notes')!.value.slice(0, NOTES_MAX);
    if (!disposition) return this.failed('Choose an outcome first.');
    if (!this.onSave(s.callId, disposition, notes)) return this.failed('Not connected to the desk right now; try again in a moment.');
    s.saving = true;
    this.host.querySelector('#wrapup')?.setAttribute('data-state', 'saving');
    const b = this.host.querySelector<HTMLButtonElement>('#wrapup-save')!;
    b.disabled = true;
    b.textContent = 'Saving…';
    const e = this.host.querySelector<HTMLElement>('#wrapup-error');
    if (e) e.hidden = true;
  }

  private tick(): void {
    const s = this.showing;
    if (!s || s.endsAt === null) return;
    const leftMs = Math.max(0, s.endsAt - Date.now());
    const t = this.host.querySelector('#wrapup-timer');
    if (t) t.textContent = `${formatSeconds(Math.ceil(leftMs / 1000))} left`;
    const bar = this.host.querySelector<HTMLElement>('#wrapup-bar');
    const total = Number(bar?.dataset['total'] ?? 0);
    if (bar && total > 0) bar.style.width = `${Math.min(100, (leftMs / total) * 100)}%`;
  }
}
