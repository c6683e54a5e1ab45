// The speaker timeline: an SVG with one lane per party (customer, agent), a bar per transcript
// segment from start_s to end_s (silences are the gaps), the overlaps the insight engine found
// (interruption, backchannel, simultaneous start) as bands across both lanes with a marker on
// the lane of the party who started it, a time axis and a playhead. Click or drag seeks; with
// focus, ←/→ step 5 s, Home/End jump.

import type { InsightEvent, Segment } from './review-api';
import { formatCallTime, formatSeconds, roleLabel } from './review-format';
import { escapeHtml } from './ui';

const SVG_NS = 'http://www.w3.org/2000/svg';
const LABEL_W = 84;
const PAD_R = 14;
const LANES = ['customer', 'agent'] as const;
const LANE_Y: Record<string, number> = { customer: 14, agent: 50 };
const LANE_H = 26;
const AXIS_Y = 88;
const HEIGHT = 110;
/** Silences at least this long get a label in the gap. */
const LABELLED_SILENCE_S = 3;

export const OVERLAP_LABEL: Record<string, string> = {
  interruption: 'Interruption',
  backchannel: 'Backchannel',
  simultaneous_start: 'Simultaneous start',
};

export interface TimelineData {
  duration: number;
  segments: Segment[];
  events: InsightEvent[];
}

export class Timeline {
  readonly svg: SVGSVGElement;
  private data: TimelineData | null = null;
  private width = 800;
  private time = 0;
  private playhead: SVGGElement | null = null;
  private dragging = false;

  constructor(private readonly host: HTMLElement, private readonly onSeek: (t: number) => void) {
    this.svg = document.createElementNS(SVG_NS, 'svg');
    this.svg.id = 'timeline';
    this.svg.classList.add('timeline');
    this.svg.setAttribute('role', 'slider');
    this.svg.setAttribute('tabindex', '0');
    this.svg.setAttribute('aria-label', 'Speaker timeline: click to play from that moment');
    this.svg.setAttribute('aria-valuemin', '0');
    host.append(this.svg);
    new ResizeObserver(() => {
      const w = Math.round(this.host.clientWidth);
      if (w > 0 && w !== this.width) {
        this.width = w;
        this.render();
      }
    }).observe(host);
    this.svg.addEventListener('pointerdown', (e) => {
      this.dragging = true;
      this.svg.setPointerCapture(e.pointerId);
      this.seekAt(e.clientX);
    });
    this.svg.addEventListener('pointermove', (e) => this.dragging && this.seekAt(e.clientX));
    const stop = () => (this.dragging = false);
    this.svg.addEventListener('pointerup', stop);
    this.svg.addEventListener('pointercancel', stop);
    this.svg.addEventListener('keydown', (e) => {
      const d = this.data?.duration ?? 0;
      const to = e.key === 'ArrowRight' ? this.time + 5 : e.key === 'ArrowLeft' ? this.time - 5 : e.key === 'Home' ? 0 : e.key === 'End' ? d : null;
      if (to === null) return;
      e.preventDefault();
      this.onSeek(Math.min(d, Math.max(0, to)));
    });
  }

  setData(data: TimelineData): void {
    this.data = data;
    this.width = Math.max(320, Math.round(this.host.clientWidth) || this.width);
    this.svg.setAttribute('aria-valuemax', String(Math.round(data.duration)));
    this.render();
  }

  setTime(t: number): void {
    this.time = t;
    this.svg.setAttribute('aria-valuenow', String(Math.round(t)));
    this.svg.setAttribute('aria-valuetext', formatCallTime(t));
    if (this.playhead && this.data) this.playhead.setAttribute('transform', `translate(${this.x(t).toFixed(1)} 0)`);
  }

  private x(t: number): number {
    const d = this.data?.duration || 1;
    return LABEL_W + (Math.min(Math.max(t, 0), d) / d) * (this.width - LABEL_W - PAD_R);
  }

  private seekAt(clientX: number): void {
    if (!this.data) return;
    const box = this.svg.getBoundingClientRect();
    const px = ((clientX - box.left) / box.width) * this.width;
    const t = ((px - LABEL_W) / (this.width - LABEL_W - PAD_R)) * this.data.duration;
    this.onSeek(Math.min(this.data.duration, Math.max(0, t)));
  }

  private render(): void {
    const d = this.data;
    this.svg.setAttribute('viewBox', `0 0 ${this.width} ${HEIGHT}`);
    this.svg.setAttribute('width', String(this.width));
    this.svg.setAttribute('height', String(HEIGHT));
    if (!d) {
      this.svg.innerHTML = '';
      return;
    }
    const parts: string[] = [];
    const right = this.width - PAD_R;
    // Lanes: a faint track, so the gaps between bars read as silence.
    for (const lane of LANES) {
      const y = LANE_Y[lane]!;
      parts.push(`<text class="tl-lane-label" data-role="${lane}" x="${LABEL_W - 10}" y="${y + LANE_H / 2 + 4}" text-anchor="end">${roleLabel(lane)}</text>`);
      parts.push(`<rect class="tl-lane" x="${LABEL_W}" y="${y}" width="${right - LABEL_W}" height="${LANE_H}" rx="4"/>`);
    }
    // Long silences (neither party speaking), labelled in the gap.
    for (const [from, to] of silences(d.segments, d.duration)) {
      if (to - from < LABELLED_SILENCE_S) continue;
      const x0 = this.x(from);
      const x1 = this.x(to);
      parts.push(`<g class="tl-silence"><rect x="${x0}" y="${LANE_Y['customer']}" width="${x1 - x0}" height="${LANE_Y['agent']! + LANE_H - LANE_Y['customer']!}"/>` +
        (x1 - x0 > 48 ? `<text x="${(x0 + x1) / 2}" y="${LANE_Y['agent']! - 6}" text-anchor="middle">${formatSeconds(to - from)} silence</text>` : '') +
        `<title>Silence ${formatCallTime(from)}–${formatCallTime(to)} (${formatSeconds(to - from)})</title></g>`);
    }
    // Overlap bands behind the bars.
    for (const e of d.events) {
      if (!(e.kind in OVERLAP_LABEL)) continue;
      const x0 = this.x(e.onset_s);
      const w = Math.max(2, this.x(e.onset_s + e.duration_s) - x0);
      parts.push(`<rect class="tl-overlap" data-kind="${escapeHtml(e.kind)}" x="${x0.toFixed(1)}" y="${LANE_Y['customer']! - 4}" width="${w.toFixed(1)}" height="${LANE_Y['agent']! + LANE_H - LANE_Y['customer']! + 8}"><title>${escapeHtml(eventTitle(e))}</title></rect>`);
    }
    for (const s of d.segments) {
      const y = LANE_Y[s.role];
      if (y === undefined) continue;
      const x0 = this.x(s.start_s);
      const w = Math.max(1.5, this.x(s.end_s) - x0);
      const text = s.status === 'final' ? s.text : `(not transcribed${s.reason ? `: ${s.reason}` : ''})`;
      parts.push(`<rect class="tl-seg" data-role="${s.role}" data-status="${s.status}" data-start="${s.start_s}" x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="${LANE_H}" rx="3"><title>${formatCallTime(s.start_s)} ${roleLabel(s.role)}: ${escapeHtml(text)}</title></rect>`);
    }
    // Overlaps again as a strip between the lanes (the bars hide the bands where both speak),
    // and a marker on the lane of the party who started it.
    const stripY = LANE_Y['customer']! + LANE_H + 2;
    const stripH = LANE_Y['agent']! - stripY - 2;
    for (const e of d.events) {
      if (!(e.kind in OVERLAP_LABEL)) continue;
      const x0 = this.x(e.onset_s);
      const w = Math.max(3, this.x(e.onset_s + e.duration_s) - x0);
      parts.push(`<rect class="tl-overlap-strip" data-kind="${escapeHtml(e.kind)}" data-party="${escapeHtml(e.party)}" x="${x0.toFixed(1)}" y="${stripY}" width="${w.toFixed(1)}" height="${stripH}" rx="2"><title>${escapeHtml(eventTitle(e))}</title></rect>`);
    }
    for (const e of d.events) {
      const y = LANE_Y[e.party];
      if (!(e.kind in OVERLAP_LABEL) || y === undefined) continue;
      const x0 = this.x(e.onset_s);
      const top = e.party === 'customer' ? y - 4 : y + LANE_H + 4;
      const tip = e.party === 'customer' ? top + 7 : top - 7;
      parts.push(`<path class="tl-marker" data-kind="${escapeHtml(e.kind)}" d="M${(x0 - 5).toFixed(1)} ${top} L${(x0 + 5).toFixed(1)} ${top} L${x0.toFixed(1)} ${tip} Z"><title>${escapeHtml(eventTitle(e))}</title></path>`);
    }
    // Axis.
    parts.push(`<line class="tl-axis" x1="${LABEL_W}" x2="${right}" y1="${AXIS_Y}" y2="${AXIS_Y}"/>`);
    const step = tickStep(d.duration, (right - LABEL_W) / 70);
    for (let t = 0; t <= d.duration + 1e-6; t += step) {
      const x = this.x(t);
      parts.push(`<line class="tl-tick" x1="${x}" x2="${x}" y1="${AXIS_Y}" y2="${AXIS_Y + 4}"/><text class="tl-tick-label" x="${x}" y="${AXIS_Y + 16}" text-anchor="middle">${formatCallTime(t)}</text>`);
    }
    parts.push(`<g class="tl-playhead" id="timeline-playhead"><line x1="0" x2="0" y1="4" y2="${AXIS_Y}"/><circle cx="0" cy="5" r="4.5"/></g>`);
    this.svg.innerHTML = parts.join('');
    this.playhead = this.svg.querySelector('#timeline-playhead');
    this.setTime(this.time);
  }
}

function eventTitle(e: InsightEvent): string {
  const who = roleLabel(e.party);
  const other = e.party === 'customer' ? 'the agent' : 'the customer';
  const at = `at ${formatCallTime(e.onset_s)}, ${formatSeconds(e.duration_s)} of overlap`;
  switch (e.kind) {
    case 'interruption': return `${who} interrupted ${other} ${at}`;
    case 'backchannel': return `${who} backchannel (“mm-hm”) over ${other} ${at}`;
    case 'simultaneous_start': return `Both started talking together ${at}`;
    default: return `${OVERLAP_LABEL[e.kind] ?? e.kind} ${at}`;
  }
}

/** Stretches where neither party has a segment, in call time. */
export function silences(segments: Segment[], duration: number): [number, number][] {
  const spans = segments.map((s) => [s.start_s, s.end_s] as const).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  let at = 0;
  for (const [start, end] of spans) {
    if (start > at) out.push([at, start]);
    at = Math.max(at, end);
  }
  if (duration > at) out.push([at, duration]);
  return out;
}

/** A round tick interval giving at most `maxTicks` ticks over `duration` seconds. */
function tickStep(duration: number, maxTicks: number): number {
  for (const s of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600]) {
    if (duration / s <= Math.max(2, maxTicks)) return s;
  }
  return 7200;
}
