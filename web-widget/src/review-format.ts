// Small formatting helpers shared by the review pages.

import { formatCallTime } from './transcript';

export { formatCallTime };

/** "22 Nov 2026, 09:48" in the reviewer's locale and time zone; the input if it is not a date. */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** "1.4 s", "2 min 05 s". */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '—';
  const v = Math.abs(s) < 0.05 ? 0 : s;
  if (v < 60) return `${v.toFixed(v < 10 ? 1 : 0)} s`;
  const m = Math.floor(v / 60);
  return `${m} min ${String(Math.round(v - m * 60)).padStart(2, '0')} s`;
}

export function roleLabel(role: string): string {
  switch (role) {
    case 'customer': return 'Customer';
    case 'agent': return 'Agent';
    case 'supervisor': return 'Supervisor';
    default: return role ? role.charAt(0).toUpperCase() + role.slice(1) : 'Unknown';
  }
}

/** Score colour band: the badge is a hint; the number is the fact. */
export function scoreBand(score: number | null | undefined): 'none' | 'low' | 'mid' | 'high' {
  if (score === null || score === undefined || !Number.isFinite(score)) return 'none';
  return score < 60 ? 'low' : score < 80 ? 'mid' : 'high';
}

export function formatScore(score: number | null | undefined): string {
  if (score === null || score === undefined || !Number.isFinite(score)) return '—';
  return String(Math.round(score * 100) / 100);
}

export const VERDICT_LABEL: Record<string, string> = { pass: 'Pass', fail: 'Fail', not_applicable: 'N/A' };

export function verdictLabel(v: string): string {
  return VERDICT_LABEL[v] ?? v;
}

/** Readable text of an error thrown by the API layer. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
