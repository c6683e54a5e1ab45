// The supervisor's board: queue tiles per language (waiting vs. available, as figures and a bar),
// waiting shoppers, agents with their presence and time in state, live calls (Listen), callbacks.
// Re-rendered from every `board` frame (at least every 2 s); clocks tick locally in between.

import { PRESENCE_LABEL, formatSeconds, languageBadge, languageName, productCardHtml } from './desk-format';
import type { Board, BoardAgent, Callback, LiveCall, QueueTile, WaitingShopper } from './desk-types';
import { escapeHtml } from './ui';

/** Seconds of waiting after which a queue tile turns amber / red. */
const WAIT_WARN_S = 30;
const WAIT_BAD_S = 90;

export class BoardView {
  private board: Board | null = null;
  private receivedAt = 0;
  private listeningTo: string | null = null;
  /** A pointer is down on the board: re-rendering now would swallow the click (the pressed
   * button would be replaced between mousedown and mouseup). Renders wait for the release. */
  private pressing = false;

  constructor(private readonly host: HTMLElement, onListen: (call: LiveCall) => void) {
    host.addEventListener('pointerdown', () => (this.pressing = true));
    const release = () => {
      if (!this.pressing) return;
      this.pressing = false;
      // After the click that follows this pointerup has been dispatched.
      setTimeout(() => this.board && this.render(this.board), 0);
    };
    window.addEventListener('pointerup', release);
    window.addEventListener('pointercancel', release);
    host.addEventListener('click', (ev) => {
      const b = (ev.target as HTMLElement).closest<HTMLButtonElement>('[data-listen]');
      const call = b && this.board?.calls.find((c) => c.call_id === b.dataset['listen']);
      if (call) onListen(call);
    });
    setInterval(() => this.tick(), 1000);
  }

  /** Marks the call being listened to (its button says so). */
  setListening(callId: string | null): void {
    this.listeningTo = callId;
    if (this.board) this.render(this.board);
  }

  update(board: Board): void {
    this.board = board;
    this.receivedAt = Date.now();
    if (!this.pressing) this.render(board);
  }

  private render(b: Board): void {
    const focused = document.activeElement instanceof HTMLElement && this.host.contains(document.activeElement) ? document.activeElement.dataset['listen'] : undefined;
    this.host.innerHTML = `
      <section aria-labelledby="queues-title" id="queues">
        <h2 id="queues-title">Queues</h2>
        ${b.queues.length ? `<div class="queue-tiles">${b.queues.map(queueTile).join('')}</div>` : '<p class="board-empty">No queues yet: nobody is waiting and no agent is signed in.</p>'}
      </section>
      <section aria-labelledby="waiting-title" id="waiting">
        <h2 id="waiting-title">Waiting shoppers <span class="count">${b.waiting.length}</span></h2>
        ${b.waiting.length ? waitingTable(b.waiting) : '<p class="board-empty">Nobody is waiting.</p>'}
      </section>
      <div class="board-cols">
        <section aria-labelledby="agents-title" id="agents">
          <h2 id="agents-title">Agents <span class="count">${b.agents.length}</span></h2>
          ${b.agents.length ? agentsTable(b.agents) : '<p class="board-empty">No agent is signed in.</p>'}
        </section>
        <section aria-labelledby="calls-title" id="live-calls">
          <h2 id="calls-title">Live calls <span class="count">${b.calls.length}</span></h2>
          ${b.calls.length ? callsTable(b.calls, this.listeningTo) : '<p class="board-empty">No calls right now.</p>'}
        </section>
      </div>
      <section aria-labelledby="callbacks-title" id="callbacks">
        <h2 id="callbacks-title">Callback requests <span class="count">${b.callbacks.length}</span></h2>
        ${b.callbacks.length ? callbacksTable(b.callbacks) : '<p class="board-empty">No callback requests.</p>'}
      </section>`;
    if (focused) this.host.querySelector<HTMLElement>(`[data-listen="${CSS.escape(focused)}"]`)?.focus();
    this.tick();
  }

  /** Advances every clock on the board by the time since the frame arrived. */
  private tick(): void {
    if (!this.board) return;
    const drift = Date.now() - this.receivedAt;
    for (const el of this.host.querySelectorAll<HTMLElement>('[data-since-ms]')) {
      el.textContent = formatSeconds((this.board.now_ms - Number(el.dataset['sinceMs']) + drift) / 1000);
    }
    for (const el of this.host.querySelectorAll<HTMLElement>('[data-waited-s]')) {
      el.textContent = formatSeconds(Number(el.dataset['waitedS']) + drift / 1000);
    }
    const updated = document.getElementById('board-updated');
    // Boards come at least every 2 s: only a stale one is worth mentioning.
    if (updated) updated.textContent = drift > 5000 ? `Last update ${formatSeconds(drift / 1000)} ago` : '';
  }
}

function queueTile(q: QueueTile): string {
  const level = q.waiting > 0 && q.agents_available === 0 ? (q.longest_wait_s >= WAIT_BAD_S ? 'bad' : 'warn') : q.longest_wait_s >= WAIT_WARN_S ? 'warn' : 'ok';
  const total = Math.max(1, q.waiting + q.agents_available);
  return `
    <article class="queue-tile" data-language="${escapeHtml(q.language)}" data-level="${level}">
      <h3>${languageBadge(q.language)} ${escapeHtml(languageName(q.language))}</h3>
      <div class="queue-figures">
        <span>Waiting<b data-field="waiting">${q.waiting}</b></span>
        <span>Longest<b data-waited-s="${q.longest_wait_s}">${formatSeconds(q.longest_wait_s)}</b></span>
        <span>Free / online<b data-field="agents">${q.agents_available} / ${q.agents_online}</b></span>
      </div>
      <div class="queue-balance" role="img" aria-label="${q.waiting} waiting, ${q.agents_available} agents free">
        <span class="waiting" style="flex:${q.waiting / total}"></span><span class="available" style="flex:${q.agents_available / total}"></span>
      </div>
    </article>`;
}

function waitingTable(rows: WaitingShopper[]): string {
  const body = [...rows].sort((a, b) => a.position - b.position).map((w) => `
    <tr data-call-id="${escapeHtml(w.call_id)}">
      <td class="num">${w.position}</td>
      <td>${w.shopper_name ? `${escapeHtml(w.shopper_name)} ` : ''}${languageBadge(w.language)}${w.vip ? ' <span class="vip-badge" data-field="vip">★ VIP</span>' : ''}</td>
      <td class="num" data-waited-s="${w.waited_s}">${formatSeconds(w.waited_s)}</td>
      <td>${productCardHtml(w.product, { compact: true })}</td>
      <td>${w.skill ? escapeHtml(w.skill) : '<span class="muted">—</span>'}</td>
      <td data-field="offered-to">${w.offered_to ? `Ringing <b>${escapeHtml(w.offered_to)}</b>` : '<span class="muted">In queue</span>'}</td>
    </tr>`).join('');
  return `<table class="board-table" id="waiting-table"><thead><tr><th>#</th><th>Shopper</th><th>Waited</th><th>Product</th><th>Skill</th><th>Offer</th></tr></thead><tbody>${body}</tbody></table>`;
}

function agentsTable(rows: BoardAgent[]): string {
  const order: Record<string, number> = { busy: 0, wrap_up: 1, available: 2, away: 3 };
  const body = [...rows].sort((a, b) => (order[a.presence] ?? 9) - (order[b.presence] ?? 9) || (a.name ?? a.id).localeCompare(b.name ?? b.id)).map((a) => `
    <tr data-agent="${escapeHtml(a.id)}" data-presence="${escapeHtml(a.presence)}">
      <td><b>${escapeHtml(a.name || a.id)}</b> <span class="muted small">${escapeHtml(a.id)}</span></td>
      <td>${a.languages.map((l) => languageBadge(l, 'agent-language')).join(' ')}</td>
      <td class="small">${a.skills.length ? a.skills.map(escapeHtml).join(', ') : '<span class="muted">—</span>'}</td>
      <td><span class="presence-badge" data-state="${escapeHtml(a.presence)}">${escapeHtml(PRESENCE_LABEL[a.presence] ?? a.presence)}</span>${a.ringing_for ? ' <span class="ringing-badge" data-field="ringing">Ringing</span>' : ''}</td>
      <td class="num" data-since-ms="${a.since_ms}"></td>
    </tr>`).join('');
  return `<table class="board-table" id="agents-table"><thead><tr><th>Agent</th><th>Languages</th><th>Skills</th><th>State</th><th>For</th></tr></thead><tbody>${body}</tbody></table>`;
}

function callsTable(rows: LiveCall[], listeningTo: string | null): string {
  const body = rows.map((c) => {
    const on = c.call_id === listeningTo;
    return `
    <tr data-call-id="${escapeHtml(c.call_id)}">
      <td><b>${escapeHtml(c.agent)}</b></td>
      <td>${languageBadge(c.language)}</td>
      <td class="num" data-since-ms="${c.started_ms}"></td>
      <td>${productCardHtml(c.product, { compact: true })}</td>
      <td><button type="button" class="btn small ${on ? 'ghost' : 'primary'}" data-listen="${escapeHtml(c.call_id)}" ${on ? 'disabled' : ''}>${on ? 'Listening' : 'Listen'}</button></td>
    </tr>`;
  }).join('');
  return `<table class="board-table" id="calls-table"><thead><tr><th>Agent</th><th>Language</th><th>Duration</th><th>Product</th><th></th></tr></thead><tbody>${body}</tbody></table>`;
}

function callbacksTable(rows: Callback[]): string {
  const body = rows.map((c) => `
    <tr data-callback="${escapeHtml(c.id)}">
      <td><b>${escapeHtml(c.name)}</b></td>
      <td>${escapeHtml(c.contact)}</td>
      <td>${languageBadge(c.language)}</td>
      <td class="small">${escapeHtml(c.preferred_time ?? '—')}${c.timezone ? ` <span class="muted">(${escapeHtml(c.timezone)})</span>` : ''}</td>
      <td class="small">${escapeHtml(c.note ?? '')}</td>
    </tr>`).join('');
  return `<table class="board-table" id="callbacks-table"><thead><tr><th>Name</th><th>Contact</th><th>Language</th><th>Preferred time</th><th>Note</th></tr></thead><tbody>${body}</tbody></table>`;
}
