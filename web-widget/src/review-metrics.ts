// Talk metrics of a call (from /insights): a bar of who talked when (customer only, both at
// once, agent only, silence), the talk share, and the few figures a reviewer checks.

import { formatSeconds } from './review-format';
import { escapeHtml } from './ui';

type Metrics = Record<string, number>;

const pct = (v: number) => `${Math.round(v * 100)} %`;

/** HTML of the metrics panel; `metrics` null means the call is not analysed yet. */
export function metricsHtml(metrics: Metrics | null, eventCounts: Record<string, number>): string {
  const title = '<h2 class="panel-title">Talk metrics</h2>';
  if (!metrics || Object.keys(metrics).length === 0) {
    return `${title}<p class="panel-note">No talk metrics yet: they are computed a few seconds after a call ends.</p>`;
  }
  const m = (k: string): number | null => (typeof metrics[k] === 'number' && Number.isFinite(metrics[k]) ? metrics[k]! : null);
  const duration = m('call_duration_s') ?? 0;
  const cust = m('customer_talk_time_s') ?? 0;
  const agent = m('agent_talk_time_s') ?? 0;
  const both = Math.max(0, Math.min(m('overlap_time_s') ?? 0, cust, agent));
  const silence = Math.max(0, duration - (cust + agent - both));
  const parts = [
    { key: 'customer', label: 'Customer only', s: Math.max(0, cust - both) },
    { key: 'both', label: 'Both at once', s: both },
    { key: 'agent', label: 'Agent only', s: Math.max(0, agent - both) },
    { key: 'silence', label: 'Silence', s: silence },
  ];
  const total = parts.reduce((a, p) => a + p.s, 0) || 1;
  const bar = parts
    .filter((p) => p.s > 0)
    .map((p) => `<span class="tb-part" data-part="${p.key}" style="flex-grow:${(p.s / total).toFixed(4)}" title="${escapeHtml(p.label)}: ${formatSeconds(p.s)} (${pct(p.s / total)})"></span>`)
    .join('');
  const legend = parts
    .map((p) => `<li data-part="${p.key}"><span class="swatch" aria-hidden="true"></span>${escapeHtml(p.label)} <b>${formatSeconds(p.s)}</b></li>`)
    .join('');
  const cShare = m('customer_talk_share');
  const aShare = m('agent_talk_share');
  const share = cShare !== null && aShare !== null
    ? `<div class="share" role="img" aria-label="Talk share: customer ${pct(cShare)}, agent ${pct(aShare)}">
         <span class="share-label">Customer ${pct(cShare)}</span>
         <span class="share-bar"><span data-part="customer" style="flex-grow:${cShare.toFixed(4)}"></span><span data-part="agent" style="flex-grow:${aShare.toFixed(4)}"></span></span>
         <span class="share-label">Agent ${pct(aShare)}</span>
       </div>`
    : '';
  const row = (label: string, c: string, a: string) => `<tr><th scope="row">${label}</th><td>${c}</td><td>${a}</td></tr>`;
  const num = (k: string) => {
    const v = m(k);
    return v === null ? '—' : String(Math.round(v));
  };
  const secs = (k: string) => formatSeconds(m(k));
  const latency = m('agent_response_latency_p50_s');
  return `${title}
    <figure class="talk-figure">
      <figcaption>Who talked, over ${formatSeconds(duration)}</figcaption>
      <div class="talk-bar" id="talk-bar" role="img" aria-label="${parts.map((p) => `${p.label} ${formatSeconds(p.s)}`).join(', ')}">${bar}</div>
      <ul class="talk-legend">${legend}</ul>
    </figure>
    ${share}
    <table class="metrics-table">
      <thead><tr><th></th><th scope="col">Customer</th><th scope="col">Agent</th></tr></thead>
      <tbody>
        ${row('Interruptions', num('customer_interruptions'), num('agent_interruptions'))}
        ${row('Backchannels', num('customer_backchannels'), num('agent_backchannels'))}
        ${row('Longest monologue', secs('customer_longest_monologue_s'), secs('agent_longest_monologue_s'))}
        ${row('Words per minute', num('customer_words_per_min'), num('agent_words_per_min'))}
      </tbody>
    </table>
    <dl class="metrics-facts">
      <div><dt>Longest silence</dt><dd>${secs('non_talk_longest_s')}</dd></div>
      <div><dt>Talking over each other</dt><dd>${secs('overlap_time_s')}</dd></div>
      <div><dt>Agent answers after</dt><dd>${latency === null ? '—' : `${formatSeconds(latency)} <small>median</small>`}</dd></div>
      <div><dt>Overlaps found</dt><dd>${Object.entries(eventCounts).map(([k, n]) => `${n} ${escapeHtml(k.replace('_', ' '))}${n === 1 ? '' : 's'}`).join(', ') || 'none'}</dd></div>
    </dl>`;
}
