// The ring: an incoming offer with who is calling (name, language, VIP), how long they have
// waited (ticking), the product card, the offer's countdown, and Accept / Decline (keys A / D).
// A soft two-tone ring plays through WebAudio while it shows (silently skipped when the browser
// blocks audio before a click).

import { formatSeconds, languageBadge, languageName, productCardHtml } from './desk-format';
import type { OfferMessage } from './desk-types';
import { escapeHtml } from './ui';

export interface RingHandlers {
  onAccept: (offer: OfferMessage) => void;
  onDecline: (offer: OfferMessage) => void;
}

interface Showing {
  offer: OfferMessage;
  receivedAt: number;
  timer: ReturnType<typeof setInterval>;
}

export class RingPanel {
  private showing: Showing | null = null;
  private readonly ringer = new Ringer();

  constructor(private readonly host: HTMLElement, private readonly handlers: RingHandlers) {
    document.addEventListener('keydown', (ev) => this.onKey(ev));
  }

  get offer(): OfferMessage | null {
    return this.showing?.offer ?? null;
  }

  show(offer: OfferMessage): void {
    this.close();
    const name = offer.shopper.name?.trim() || 'A shopper';
    const vip = offer.shopper.vip;
    this.host.hidden = false;
    this.host.innerHTML = `
      <section id="ring" class="ring${vip ? ' vip' : ''}" data-offer-id="${escapeHtml(offer.offer_id)}" data-call-id="${escapeHtml(offer.call_id)}"
        data-vip="${vip}" role="alertdialog" aria-labelledby="ring-title" aria-describedby="ring-who">
        <header class="ring-head">
          <span class="ring-pulse" aria-hidden="true"></span>
          <h2 id="ring-title">Incoming call</h2>
          <span class="ring-countdown" id="ring-countdown" title="Time left to answer"></span>
        </header>
        <div class="ring-bar" aria-hidden="true"><span id="ring-bar"></span></div>
        <p class="ring-who" id="ring-who">
          <b data-field="name">${escapeHtml(name)}</b>
          ${languageBadge(offer.shopper.language)}
          <span class="lang-name">${escapeHtml(languageName(offer.shopper.language))}</span>
          ${vip ? '<span class="vip-badge" data-field="vip" title="VIP customer">★ VIP</span>' : ''}
        </p>
        <p class="ring-wait">Waiting <b data-field="waited" id="ring-waited"></b>${offer.skill ? ` · asks about <b data-field="skill">${escapeHtml(offer.skill)}</b>` : ''}</p>
        ${productCardHtml(offer.product)}
        <div class="ring-actions">
          <button type="button" class="btn ghost" id="ring-decline" aria-keyshortcuts="D">Decline <kbd>D</kbd></button>
          <button type="button" class="btn primary" id="ring-accept" aria-keyshortcuts="A">Accept <kbd>A</kbd></button>
        </div>
        <p class="ring-progress" id="ring-progress" hidden><span class="spinner small"></span> Connecting to the shopper…</p>
      </section>`;
    this.host.querySelector('#ring-accept')!.addEventListener('click', () => this.accept());
    this.host.querySelector('#ring-decline')!.addEventListener('click', () => this.decline());
    const receivedAt = Date.now();
    this.showing = { offer, receivedAt, timer: setInterval(() => this.tick(), 250) };
    this.tick();
    this.host.querySelector<HTMLButtonElement>('#ring-accept')!.focus({ preventScroll: true });
    this.ringer.start();
  }

  /** Accept pressed: buttons off, "Connecting…" until the call view takes over. */
  markAccepting(): void {
    this.ringer.stop();
    for (const b of this.host.querySelectorAll<HTMLButtonElement>('.ring-actions button')) b.disabled = true;
    const p = this.host.querySelector<HTMLElement>('#ring-progress');
    if (p) p.hidden = false;
  }

  close(): void {
    this.ringer.stop();
    if (this.showing) clearInterval(this.showing.timer);
    this.showing = null;
    this.host.innerHTML = '';
    this.host.hidden = true;
  }

  private accept(): void {
    const s = this.showing;
    if (!s || this.host.querySelector<HTMLButtonElement>('#ring-accept')?.disabled) return;
    this.markAccepting();
    this.handlers.onAccept(s.offer);
  }

  private decline(): void {
    const s = this.showing;
    if (!s || this.host.querySelector<HTMLButtonElement>('#ring-decline')?.disabled) return;
    this.close();
    this.handlers.onDecline(s.offer);
  }

  private onKey(ev: KeyboardEvent): void {
    if (!this.showing || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const t = ev.target as HTMLElement | null;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    const key = ev.key.toLowerCase();
    if (key === 'a') {
      ev.preventDefault();
      this.accept();
    } else if (key === 'd') {
      ev.preventDefault();
      this.decline();
    }
  }

  private tick(): void {
    const s = this.showing;
    if (!s) return;
    const elapsed = (Date.now() - s.receivedAt) / 1000;
    const total = Math.max(1, s.offer.timeout_s);
    const left = Math.max(0, total - elapsed);
    const countdown = this.host.querySelector('#ring-countdown');
    if (countdown) countdown.textContent = `${Math.ceil(left)} s`;
    const bar = this.host.querySelector<HTMLElement>('#ring-bar');
    if (bar) bar.style.width = `${(left / total) * 100}%`;
    const waited = this.host.querySelector('#ring-waited');
    if (waited) waited.textContent = formatSeconds(s.offer.waited_s + elapsed);
    this.host.querySelector('#ring')?.classList.toggle('urgent', left <= 5);
  }
}

/** A soft phone-like ring (two short tones every two seconds) through WebAudio. */
class Ringer {
  private ctx: AudioContext | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    this.stop();
    try {
      this.ctx ??= new AudioContext();
      void this.ctx.resume().catch(() => undefined);
    } catch {
      return; // No audio: the visual ring is enough.
    }
    const beep = () => {
      const ctx = this.ctx;
      if (!ctx || ctx.state !== 'running') return;
      for (const [at, freq] of [[0, 660], [0.25, 880]] as const) {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.frequency.value = freq;
        const t0 = ctx.currentTime + at;
        gain.gain.setValueAtTime(0, t0);
        gain.gain.linearRampToValueAtTime(0.08, t0 + 0.02);
        gain.gain.linearRampToValueAtTime(0, t0 + 0.2);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t0);
        osc.stop(t0 + 0.22);
      }
    };
    beep();
    this.timer = setInterval(beep, 2000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
