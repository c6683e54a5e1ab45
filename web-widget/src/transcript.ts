// The agent's "Live transcript" panel: one line per utterance, keyed by (participant_id,
// utterance). Partials update in place (settled words normal, tentative ones lighter); the final
// frame replaces them; not_transcribed shows a muted marker. Follows the newest line unless the
// agent scrolled up to read back, in which case a "New lines" button offers the way down.
// Markers (overlaps) sit between the lines at their call time.

import type { Role, TranscriptMessage } from './protocol';
import { escapeHtml } from './ui';

const EMPTY_TEXT = 'Words appear here as the customer speaks.';
/** Within this many pixels of the bottom counts as "at the bottom" (follow new lines). */
const STICKY_PX = 32;

/** mm:ss from seconds since the call's first audio. */
export function formatCallTime(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

function speakerLabel(role: Role, own: boolean): string {
  if (own) return 'You';
  switch (role) {
    case 'customer': return 'Customer';
    case 'supervisor': return 'Supervisor';
    case 'agent': return 'Agent';
    default: return role.charAt(0).toUpperCase() + role.slice(1);
  }
}

interface Line {
  el: HTMLElement;
  startS: number;
}

export class TranscriptPanel {
  readonly root: HTMLElement;
  private readonly list: HTMLElement;
  private readonly jump: HTMLButtonElement;
  private readonly stateEl: HTMLElement;
  private readonly lines = new Map<string, Line>();
  private follow = true;
  private selfId: string | null = null;

  constructor(host: HTMLElement) {
    host.innerHTML = `
      <section id="transcript" class="transcript" aria-labelledby="transcript-title" data-state="idle">
        <header class="transcript-head">
          <h2 id="transcript-title">Live transcript</h2>
          <span class="transcript-state" id="transcript-state"></span>
        </header>
        <div class="transcript-list" id="transcript-list" role="log" aria-live="polite" aria-relevant="additions" tabindex="0"></div>
        <button type="button" class="transcript-jump" id="transcript-jump" hidden>New lines ↓</button>
      </section>`;
    this.root = host.querySelector('#transcript')!;
    this.list = host.querySelector('#transcript-list')!;
    this.jump = host.querySelector('#transcript-jump')!;
    this.stateEl = host.querySelector('#transcript-state')!;
    this.list.addEventListener('scroll', () => {
      this.follow = this.atBottom();
      if (this.follow) this.jump.hidden = true;
    });
    this.jump.addEventListener('click', () => {
      this.follow = true;
      this.scrollToEnd();
      this.list.focus({ preventScroll: true });
    });
    this.clear();
  }

  /** Starts a new call: forgets every line. `selfId` is our participant id (our lines say "You"). */
  start(selfId: string | null): void {
    this.clear();
    this.selfId = selfId;
    this.setState('live', 'Live');
  }

  setSelf(selfId: string | null): void {
    this.selfId = selfId;
  }

  /** The call is over: lines stay readable for wrap-up until the next call starts. */
  end(): void {
    this.setState('ended', this.lines.size ? 'Call ended' : '');
    if (!this.lines.size) this.root.hidden = true;
  }

  clear(): void {
    this.lines.clear();
    this.list.innerHTML = `<p class="transcript-empty">${EMPTY_TEXT}</p>`;
    this.follow = true;
    this.jump.hidden = true;
    this.root.hidden = false;
  }

  hide(): void {
    this.root.hidden = true;
  }

  update(m: TranscriptMessage): void {
    const key = `${m.participant_id}\u0000${m.utterance}`;
    let line = this.lines.get(key);
    if (line && line.el.dataset['status'] !== 'partial') return; // Already final: ignore stragglers.
    const wasFollowing = this.follow;
    if (!line) {
      const el = document.createElement('div');
      el.className = 'transcript-line';
      el.innerHTML = '<div class="tl-meta"><span class="tl-who"></span><time class="tl-time"></time></div><p class="tl-text"></p>';
      line = { el, startS: m.start_s };
      this.lines.set(key, line);
      this.list.querySelector('.transcript-empty')?.remove();
      el.dataset['start'] = String(m.start_s);
      this.insertInOrder(el, m.start_s);
      if (!wasFollowing) this.jump.hidden = false;
    }
    const own = this.selfId !== null && m.participant_id === this.selfId;
    const el = line.el;
    el.dataset['status'] = m.status;
    el.dataset['role'] = m.role;
    el.classList.toggle('own', own);
    el.querySelector('.tl-who')!.textContent = speakerLabel(m.role, own);
    const time = el.querySelector('time')!;
    time.textContent = formatCallTime(m.start_s);
    time.dateTime = `PT${Math.max(0, Math.floor(m.start_s))}S`;
    const text = el.querySelector<HTMLElement>('.tl-text')!;
    text.removeAttribute('title');
    if (m.status === 'partial') {
      const settled = m.text.trim();
      const tentative = (m.tentative ?? '').trim();
      text.innerHTML =
        (settled ? `<span class="tl-settled">${escapeHtml(settled)}</span>` : '') +
        (settled && tentative ? ' ' : '') +
        (tentative ? `<span class="tl-tentative">${escapeHtml(tentative)}</span>` : '') +
        (!settled && !tentative ? '<span class="tl-tentative">…</span>' : '');
    } else if (m.status === 'final') {
      const words = m.text.trim();
      text.textContent = words || '…';
      if (typeof m.confidence === 'number') text.title = `Confidence ${Math.round(m.confidence * 100)} %${m.language ? ` · ${m.language}` : ''}`;
      el.classList.toggle('low-confidence', typeof m.confidence === 'number' && m.confidence < 0.5);
    } else {
      text.innerHTML = '<span class="tl-missing">(not transcribed)</span>';
      if (m.tentative) text.title = m.tentative;
    }
    if (wasFollowing) this.scrollToEnd();
  }

  /**
   * A small inline marker at `startS` (e.g. "⟂ overlap 1.6 s"), between the lines around it.
   * `key` makes it idempotent: a second marker with the same key replaces the first.
   */
  mark(key: string, startS: number, text: string, label: string, attrs: Record<string, string> = {}): HTMLElement {
    const wasFollowing = this.follow;
    this.list.querySelector(`.transcript-marker[data-key="${CSS.escape(key)}"]`)?.remove();
    const el = document.createElement('p');
    el.className = 'transcript-marker';
    el.dataset['key'] = key;
    el.dataset['start'] = String(startS);
    for (const [k, v] of Object.entries(attrs)) el.dataset[k] = v;
    el.innerHTML = `<span aria-hidden="true">${escapeHtml(text)}</span><span class="sr-only">${escapeHtml(label)}</span>`;
    el.title = label;
    this.list.querySelector('.transcript-empty')?.remove();
    this.insertInOrder(el, startS);
    if (wasFollowing) this.scrollToEnd();
    else this.jump.hidden = false;
    return el;
  }

  /** Overlapping speakers, late markers: keep everything in start order (usually this appends). */
  private insertInOrder(el: HTMLElement, startS: number): void {
    let before: Element | null = null;
    for (const other of this.list.querySelectorAll<HTMLElement>('[data-start]')) {
      if (other !== el && Number(other.dataset['start']) > startS) {
        before = other;
        break;
      }
    }
    this.list.insertBefore(el, before);
  }

  private setState(state: 'idle' | 'live' | 'ended', label: string): void {
    this.root.dataset['state'] = state;
    this.stateEl.textContent = label;
  }

  private atBottom(): boolean {
    return this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight <= STICKY_PX;
  }

  private scrollToEnd(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
