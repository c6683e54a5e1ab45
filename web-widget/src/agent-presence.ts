// The presence control in the console header: the state the server says we are in (with how
// long, or how long wrap-up has left) and the agent's own choice between Available and Away.
// Busy and Wrap-up are set by the server; during wrap-up "Available" ends it early.

import { PRESENCE_LABEL, formatSeconds } from './desk-format';
import type { Presence, PresenceMessage } from './desk-types';

export class PresenceControl {
  state: Presence | null = null;
  private since = 0;
  private wrapEndsAt: number | null = null;
  private readonly label: HTMLElement;
  private readonly timer: HTMLElement;
  private readonly select: HTMLSelectElement;

  constructor(private readonly root: HTMLElement, onChoose: (state: 'available' | 'away') => void) {
    root.innerHTML = `
      <span class="presence-dot" aria-hidden="true"></span>
      <span class="presence-label" id="presence-label">Offline</span>
      <span class="presence-timer" id="presence-timer"></span>
      <select id="presence-select" aria-label="Your status" disabled>
        <option value="available">Available</option>
        <option value="away">Away</option>
        <option value="busy" disabled>Busy (in a call)</option>
        <option value="wrap_up" disabled>Wrap-up</option>
      </select>`;
    this.label = root.querySelector('#presence-label')!;
    this.timer = root.querySelector('#presence-timer')!;
    this.select = root.querySelector('#presence-select')!;
    this.select.addEventListener('change', () => {
      const v = this.select.value;
      if (v === 'available' || v === 'away') onChoose(v);
    });
    setInterval(() => this.tick(), 500);
  }

  update(m: PresenceMessage, receivedAt = Date.now()): void {
    this.state = m.state;
    this.since = receivedAt;
    this.wrapEndsAt = m.state === 'wrap_up' && m.wrap_up_ends_at_ms !== null ? receivedAt + Math.max(0, m.wrap_up_ends_at_ms - m.since_ms) : null;
    this.root.dataset['state'] = m.state;
    this.label.textContent = m.state === 'away' && m.reason === 'missed_offer' ? 'Away (missed a call)' : PRESENCE_LABEL[m.state];
    this.select.value = m.state;
    this.select.disabled = m.state === 'busy';
    this.select.hidden = m.state === 'busy'; // Busy is the server's: nothing to choose until the call ends.
    this.tick();
  }

  /** Lost the desk: the state is unknown until we are signed in again. */
  offline(text: string): void {
    this.state = null;
    this.root.dataset['state'] = 'offline';
    this.label.textContent = text;
    this.timer.textContent = '';
    this.select.disabled = true;
  }

  private tick(): void {
    if (!this.state) return;
    if (this.wrapEndsAt !== null) this.timer.textContent = `${formatSeconds(Math.ceil((this.wrapEndsAt - Date.now()) / 1000))} left`;
    else this.timer.textContent = formatSeconds((Date.now() - this.since) / 1000);
  }
}
