// "No expert right now": the shop's hours in the shopper's time zone and a callback request
// (POST /v1/callbacks), ending on a confirmation.

import { escapeHtml } from '../ui';
import { describeOpening, hoursForShopper, shopperTimeZone } from './business-hours';
import type { WidgetConfig } from './contract';
import { describeApiError, primaryLanguage, productBody, requestCallback, type Availability } from './desk-api';

export interface CallbackOptions {
  config: WidgetConfig;
  /** What the server said, or null when we come here for another reason (no microphone). */
  availability: Availability | null;
  /** Why we are here, in one sentence. */
  reason: string;
  onDone(id: string): void;
  onClose(): void;
  /** Offered when an expert may still be reached (availability unknown). */
  onTryCall?: () => void;
}

function languageName(tag: string): string {
  try {
    return new Intl.DisplayNames(['en'], { type: 'language' }).of(primaryLanguage(tag)) ?? tag;
  } catch {
    return tag;
  }
}

export function offlineReason(config: WidgetConfig, a: Availability): string {
  if (!a.open) return 'Our experts are not in right now.';
  return `No expert who speaks ${languageName(config.shopper.language)} is online right now.`;
}

function hoursHtml(a: Availability | null, now: number): string {
  if (!a?.hours || a.hours.weekly.length === 0) return '';
  const zone = shopperTimeZone();
  const rows = hoursForShopper(a.hours.weekly, a.hours.timezone, zone, now);
  if (rows.length === 0) return '';
  const next = a.next_open_at_ms ? `<p class="next-open">We open again <b>${escapeHtml(describeOpening(a.next_open_at_ms, zone, now))}</b>.</p>` : '';
  return `
    <div class="hours" data-timezone="${escapeHtml(zone)}">
      ${next}
      <table class="hours-table"><caption>Opening hours in your time zone (${escapeHtml(zone.replace(/_/g, ' '))})</caption>
        <tbody>${rows.map((r) => `<tr${r.now ? ' class="today"' : ''}><th scope="row">${escapeHtml(r.day)}</th><td>${escapeHtml(r.times)}</td></tr>`).join('')}</tbody>
      </table>
    </div>`;
}

export function showCallbackForm(root: HTMLElement, opts: CallbackOptions): void {
  const { config } = opts;
  root.innerHTML = `
    <div class="screen callback" data-screen="callback">
      <p class="big">${escapeHtml(opts.reason)}</p>
      ${hoursHtml(opts.availability, Date.now())}
      <form class="callback-form" novalidate>
        <p class="form-title">Leave your number or e-mail and an expert will get back to you.</p>
        <label class="field">Your name <input name="name" type="text" autocomplete="name" maxlength="80" required value="${escapeHtml(config.shopper.name)}"></label>
        <label class="field">Phone or e-mail <input name="contact" type="text" autocomplete="tel" maxlength="200" required></label>
        <label class="field">Best time to reach you
          <select name="preferred_time">
            <option value="asap">As soon as possible</option>
            <option value="morning">Morning</option>
            <option value="afternoon">Afternoon</option>
            <option value="evening">Evening</option>
          </select></label>
        <label class="field"><span>Anything we should know? <span class="muted">(optional)</span></span>
          <textarea name="note" rows="2" maxlength="1000"></textarea></label>
        <p class="form-error error-text" role="alert" hidden></p>
        <button type="submit" class="btn primary wide">Request a callback</button>
        ${opts.onTryCall ? '<button type="button" class="btn ghost wide try-call">Try a video call anyway</button>' : ''}
      </form>
    </div>`;
  const form = root.querySelector<HTMLFormElement>('form')!;
  const error = root.querySelector<HTMLElement>('.form-error')!;
  const submit = form.querySelector<HTMLButtonElement>('[type="submit"]')!;
  root.querySelector('.try-call')?.addEventListener('click', () => opts.onTryCall?.());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const field = (n: string) => (form.elements.namedItem(n) as HTMLInputElement).value.trim();
    const missing = !field('name') ? 'name' : !field('contact') ? 'contact' : null;
    if (missing) {
      error.textContent = missing === 'name' ? 'Please tell us your name.' : 'Please give us a phone number or an e-mail address.';
      error.hidden = false;
      (form.elements.namedItem(missing) as HTMLInputElement).focus();
      return;
    }
    error.hidden = true;
    submit.disabled = true;
    submit.textContent = 'Sending…';
    const preferred = form.elements.namedItem('preferred_time') as HTMLSelectElement;
    try {
      const { id } = await requestCallback(config.base, {
        tenant: config.tenant,
        name: field('name'),
        contact: field('contact'),
        language: config.shopper.language,
        timezone: shopperTimeZone(),
        preferred_time: preferred.selectedOptions[0]?.textContent ?? preferred.value,
        note: field('note'),
        product: productBody(config),
      });
      showCallbackSent(root, field('name'), field('contact'), opts.onClose);
      opts.onDone(id);
    } catch (err) {
      error.textContent = `We could not send your request: ${describeApiError(err)}. Please try again.`;
      error.hidden = false;
      submit.disabled = false;
      submit.textContent = 'Request a callback';
    }
  });
  form.querySelector<HTMLInputElement>(config.shopper.name ? '[name="contact"]' : '[name="name"]')!.focus();
}

function showCallbackSent(root: HTMLElement, name: string, contact: string, onClose: () => void): void {
  root.innerHTML = `
    <div class="screen center callback-sent" data-screen="callback-sent">
      <div class="check" aria-hidden="true">✓</div>
      <p class="big" role="status">Thanks, ${escapeHtml(name)} — we will get back to you.</p>
      <p class="muted">An expert will contact you at <b>${escapeHtml(contact)}</b>${' '}as soon as they can.</p>
      <p><button type="button" class="btn ghost done">Close</button></p>
    </div>`;
  const done = root.querySelector<HTMLButtonElement>('.done')!;
  done.addEventListener('click', onClose);
  done.focus();
}
