// The desk's HTTP calls: the demo sign-in token and the supervisor's listen-only token.

import { requestJson } from './api';
import type { DeskRole } from './desk-types';

export interface DemoSignIn {
  role: DeskRole;
  identity: string;
  name?: string;
  tenant?: string;
  languages?: string[];
  skills?: string[];
}

function getJson<T>(method: 'GET' | 'POST', path: string, token?: string): Promise<T> {
  return requestJson<T>(path, method, { token });
}

/** `GET /v1/desk/token` (only while the server runs with `[demo] enabled`); also sets an agent's profile. */
export async function demoDeskToken(s: DemoSignIn): Promise<string> {
  const q = new URLSearchParams({ role: s.role, identity: s.identity, tenant: s.tenant || 'default' });
  if (s.name) q.set('name', s.name);
  if (s.languages?.length) q.set('languages', s.languages.join(','));
  if (s.skills?.length) q.set('skills', s.skills.join(','));
  const res = await getJson<{ token: string }>('GET', `/v1/desk/token?${q}`);
  return res.token;
}

/** `POST /v1/calls/{id}/listen`: a listen-only call token for a supervisor. */
export function listenToken(supervisorToken: string, callId: string): Promise<{ call_id: string; token: string }> {
  return getJson('POST', `/v1/calls/${encodeURIComponent(callId)}/listen`, supervisorToken);
}

/** "es-MX, EN" → ["es", "en"]: primary subtags, lower-cased, no duplicates. */
export function parseLanguages(text: string): string[] {
  const out = text.split(/[\s,;]+/).map((l) => l.trim().toLowerCase().split('-')[0] ?? '').filter((l) => /^[a-z]{2,3}$/.test(l));
  return [...new Set(out)];
}

/** "Headphones, cameras" → ["headphones", "cameras"]. */
export function parseSkills(text: string): string[] {
  const out = text.split(/[,;]+/).map((s) => s.trim().toLowerCase()).filter(Boolean);
  return [...new Set(out)];
}

/** The role and expiry inside a token, read without verifying (to say "wrong token" before asking the server). */
export function peekToken(token: string): { role: string | null; exp: number | null; sub: string | null } {
  try {
    const part = token.split('.')[1] ?? '';
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    return {
      role: typeof json['role'] === 'string' ? json['role'] : null,
      exp: typeof json['exp'] === 'number' ? json['exp'] : null,
      sub: typeof json['sub'] === 'string' ? json['sub'] : null,
    };
  } catch {
    return { role: null, exp: null, sub: null };
  }
}
