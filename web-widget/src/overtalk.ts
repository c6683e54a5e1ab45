// Live overtalk on the agent desk: a calm banner near the transcript while someone is talked
// over, an inline "⟂ overlap" marker in the transcript, and the per-call "Talk-overs" count.
//
// Gentle by design (an agent on their third call in a row): never modal, never blocking, no
// sound. The banner fades in on `alert`, fades out a few seconds after `resolved`, and goes at
// once on `retracted` (the alert was wrong). It overlays the transcript, so nothing moves.

import type { OvertalkMessage } from './protocol';
import type { TranscriptPanel } from './transcript';

export interface OvertalkOptions {
  /** How long the banner stays after the overlap resolved. */
  hideAfterMs?: number;
  /** A banner whose `resolved` never comes (lost socket) goes after this long anyway. */
  maxShowMs?: number;
}

const AGENT_TEXT = "You're talking over the customer";
const AGENT_HINT = 'Pause and let them finish.';
const CUSTOMER_TEXT = 'Customer is trying to speak';
const CUSTOMER_HINT = 'Let them finish.';

/** "1.6 s" from seconds (one decimal; under 0.1 s still reads as 0.1 s). */
export function formatOverlap(seconds: number): string {
  const s = Number.isFinite(seconds) ? Math.max(0.1, seconds) : 0.1;
  return `${s.toFixed(1)} s`;
}

export class OvertalkAlerts {
  /** The banner: a polite live region that always exists, so its text changes get read out. */
  readonly banner: HTMLElement;
  private readonly hideAfterMs: number;
  private readonly maxShowMs: number;
  /** The overlap the banner shows, if any. */
  private shownId: number | null = null;
  private hideTimer: ReturnType<typeof setTimeout> | null = null;
  private clearTimer: ReturnType<typeof setTimeout> | null = null;
  /** Ids of agent interruptions already counted (a frame may come twice after a resume). */
  private readonly counted = new Set<number>();
  private readonly marked = new Set<number>();

  constructor(
    host: HTMLElement,
    private readonly transcript: TranscriptPanel | null,
    private readonly onCount: (talkOvers: number) => void,
    opts: OvertalkOptions = {},
  ) {
    this.hideAfterMs = opts.hideAfterMs ?? 4000;
    this.maxShowMs = opts.maxShowMs ?? 20_000;
    this.banner = document.createElement('div');
    this.banner.id = 'overtalk-banner';
    this.banner.className = 'overtalk-banner';
    this.banner.setAttribute('role', 'status');
    this.banner.setAttribute('aria-live', 'polite');
    this.banner.setAttribute('aria-atomic', 'true');
    this.banner.dataset['state'] = 'hidden';
    host.append(this.banner);
  }

  /** Agent interruptions resolved as such in this call. */
  get talkOvers(): number {
    return this.counted.size;
  }

  /** A new call: no banner, counter at zero. */
  reset(): void {
    this.clearBanner();
    this.counted.clear();
    this.marked.clear();
    this.onCount(0);
  }

  handle(m: OvertalkMessage): void {
    switch (m.event) {
      case 'alert':
        if (m.interrupter === 'agent' || m.interrupter === 'customer') this.show(m);
        break;
      case 'resolved':
        if (this.shownId === m.id) this.scheduleHide(this.hideAfterMs);
        if (m.kind === 'interruption') this.onInterruption(m);
        break;
      case 'retracted':
        if (this.shownId === m.id) this.clearBanner();
        break;
      default:
        break;
    }
  }

  private show(m: OvertalkMessage): void {
    const agent = m.interrupter === 'agent';
    this.cancelTimers();
    this.shownId = m.id;
    this.banner.dataset['who'] = agent ? 'agent' : 'customer';
    this.banner.dataset['id'] = String(m.id);
    this.banner.innerHTML = '';
    const title = document.createElement('b');
    title.textContent = agent ? AGENT_TEXT : CUSTOMER_TEXT;
    const hint = document.createElement('span');
    hint.textContent = agent ? AGENT_HINT : CUSTOMER_HINT;
    this.banner.append(title, ' ', hint);
    this.banner.dataset['state'] = 'shown';
    this.scheduleHide(this.maxShowMs);
  }

  private onInterruption(m: OvertalkMessage): void {
    if (m.interrupter === 'agent' && !this.counted.has(m.id)) {
      this.counted.add(m.id);
      this.onCount(this.counted.size);
    }
    if (this.transcript && !this.marked.has(m.id) && typeof m.overlap_s === 'number') {
      this.marked.add(m.id);
      const secs = formatOverlap(m.overlap_s);
      const label = m.interrupter === 'agent' ? `You talked over the customer for ${secs}` : `The customer talked over you for ${secs}`;
      this.transcript.mark(`overtalk-${m.id}`, m.onset_s, `⟂ overlap ${secs}`, label, { interrupter: m.interrupter });
    }
  }

  /** Fades out (CSS), then empties the live region so nothing stale is read later. */
  private scheduleHide(afterMs: number): void {
    if (this.hideTimer) clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(() => {
      this.hideTimer = null;
      this.banner.dataset['state'] = 'hiding';
      this.clearTimer = setTimeout(() => this.clearBanner(), 400);
    }, afterMs);
  }

  private clearBanner(): void {
    this.cancelTimers();
    this.shownId = null;
    this.banner.dataset['state'] = 'hidden';
    delete this.banner.dataset['who'];
    delete this.banner.dataset['id'];
    this.banner.textContent = '';
  }

  private cancelTimers(): void {
    if (this.hideTimer) clearTimeout(this.hideTimer);
    if (this.clearTimer) clearTimeout(this.clearTimer);
    this.hideTimer = this.clearTimer = null;
  }
}
