// After the call: 1–5 stars (a radio group: arrow keys work) and an optional comment, sent with
// the call token (POST /v1/calls/{id}/rating), then thanks.

import { escapeHtml } from '../ui';
import { describeApiError, rateCall } from './desk-api';

export interface RatingOptions {
  base: string;
  callId: string;
  token: string;
  /** What happened, e.g. "Ana ended the call." */
  message: string;
  onRated(stars: number, comment: string): void;
  onClose(): void;
}

const STAR_WORDS = ['', 'Poor', 'Fair', 'Good', 'Very good', 'Excellent'];

export function showRating(root: HTMLElement, opts: RatingOptions): void {
  const stars = [1, 2, 3, 4, 5]
    .map((n) => `<label class="star" title="${n} – ${STAR_WORDS[n]}"><input type="radio" name="stars" value="${n}"><span aria-hidden="true">★</span><span class="sr-only">${n} star${n > 1 ? 's' : ''}, ${STAR_WORDS[n]}</span></label>`)
    .join('');
  root.innerHTML = `
    <div class="screen rating" data-screen="rating">
      <p class="muted ended-note">${escapeHtml(opts.message)}</p>
      <form class="rating-form" novalidate>
        <fieldset class="stars-field"><legend class="big">How was your call?</legend>
          <div class="stars">${stars}</div>
          <p class="star-word muted" aria-hidden="true">&nbsp;</p>
        </fieldset>
        <label class="field"><span>Anything to add? <span class="muted">(optional)</span></span>
          <textarea name="comment" rows="3" maxlength="2000"></textarea></label>
        <p class="form-error error-text" role="alert" hidden></p>
        <div class="actions">
          <button type="submit" class="btn primary wide">Send rating</button>
          <button type="button" class="btn ghost skip">Skip</button>
        </div>
      </form>
    </div>`;
  const form = root.querySelector<HTMLFormElement>('form')!;
  const error = root.querySelector<HTMLElement>('.form-error')!;
  const word = root.querySelector<HTMLElement>('.star-word')!;
  const submit = form.querySelector<HTMLButtonElement>('[type="submit"]')!;
  const chosen = () => Number(form.querySelector<HTMLInputElement>('input[name="stars"]:checked')?.value ?? 0);
  form.addEventListener('change', () => {
    const n = chosen();
    word.textContent = n ? STAR_WORDS[n]! : '\u00a0';
    form.querySelector('.stars')!.setAttribute('data-value', String(n));
  });
  root.querySelector('.skip')!.addEventListener('click', () => opts.onClose());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const n = chosen();
    if (!n) {
      error.textContent = 'Choose from 1 to 5 stars first.';
      error.hidden = false;
      form.querySelector<HTMLInputElement>('input[name="stars"]')!.focus();
      return;
    }
    const comment = (form.elements.namedItem('comment') as HTMLTextAreaElement).value.trim();
    error.hidden = true;
    submit.disabled = true;
    submit.textContent = 'Sending…';
    try {
      await rateCall(opts.base, opts.callId, opts.token, n, comment);
    } catch (err) {
      error.textContent = `Your rating did not reach us: ${describeApiError(err)}. Please try again.`;
      error.hidden = false;
      submit.disabled = false;
      submit.textContent = 'Send rating';
      return;
    }
    root.innerHTML = `
      <div class="screen center thanks" data-screen="thanks">
        <div class="check" aria-hidden="true">✓</div>
        <p class="big" role="status">Thank you for your feedback!</p>
        <p class="muted">We are here whenever you need us.</p>
        <p><button type="button" class="btn ghost done">Close</button></p>
      </div>`;
    const done = root.querySelector<HTMLButtonElement>('.done')!;
    done.addEventListener('click', () => opts.onClose());
    done.focus();
    opts.onRated(n, comment);
  });
  form.querySelector<HTMLInputElement>('input[name="stars"]')!.focus();
}
