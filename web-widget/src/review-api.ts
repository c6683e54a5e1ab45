// The reviewer REST API (`/v1/search`, `/v1/calls/{id}/…`): wire types and calls. Every call
// takes the reviewer's bearer token; shapes follow crates/showroom-service/src/review_api.rs and
// its openapi.json (the source of truth).

import { ApiError, errorText } from './api';

export type Verdict = 'pass' | 'fail' | 'not_applicable';
export type SearchSort = 'relevance' | 'newest' | 'oldest' | 'score_asc' | 'score_desc';

export interface ReviewToken {
  token: string;
  expires_at: number;
  tenant: string;
}

export interface CallRecord {
  id: string;
  tenant: string;
  shopper_name: string | null;
  agent: string | null;
  team: string | null;
  product: { sku: string | null; title: string | null; url: string | null };
  language: string | null;
  node: string | null;
  created_at: string;
  answered_at: string | null;
  ended_at: string | null;
  status: string;
}

export interface Fragment {
  text: string;
  hit: boolean;
}

export interface Snippet {
  segment: number;
  participant: string;
  role: string;
  start_s: number;
  end_s: number;
  fragments: Fragment[];
}

export interface SearchHit {
  call: CallRecord;
  score: number | null;
  relevance: number | null;
  matching_segments: number;
  snippets: Snippet[];
}

export interface SearchPage {
  total: number;
  offset: number;
  limit: number;
  hits: SearchHit[];
}

export interface Participant {
  id: string;
  role: string;
  name: string | null;
  joined_at: string;
  left_at: string | null;
}

export interface Segment {
  id: number;
  participant: string;
  role: string;
  start_s: number;
  end_s: number;
  text: string;
  language: string | null;
  confidence: number | null;
  status: 'final' | 'not_transcribed';
  reason: string | null;
  redacted: boolean;
}

export interface InsightEvent {
  kind: string;
  party: string;
  onset_s: number;
  duration_s: number;
  details: Record<string, unknown> | null;
}

export interface Insights {
  call_id: string;
  /** Named talk metrics (`customer_talk_share`, `interruptions_total`, …); null before the call is concluded. */
  metrics: Record<string, number> | null;
  events: InsightEvent[];
}

export interface Evidence {
  role: string;
  start_s: number;
  end_s: number;
  quote: string;
}

export interface CriterionResult {
  id: string;
  title: string;
  kind: string;
  weight: number;
  critical?: boolean;
  verdict: Verdict;
  evidence: Evidence[];
  reason: string;
}

export interface Score {
  rubric: string;
  rubric_version: string;
  score: number;
  passed: boolean;
  criteria: CriterionResult[];
  scored_at: string;
}

export interface OverrideInForce {
  verdict: Verdict;
  comment: string;
  reviewer: string;
  at: string;
}

export interface Scores {
  call_id: string;
  scores: Score[];
  overrides_in_force: Record<string, OverrideInForce>;
}

export interface Recording {
  participant: string;
  role: string;
  /** Call-clock time of the file's first sample: call time t is media time t − start_s. */
  start_s: number;
  duration_s: number;
  bytes: number;
  url: string;
}

/** A request with the reviewer's token; errors become ApiError with the server's message. */
async function call<T>(token: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json', Authorization: `Bearer ${token}` };
  const init: RequestInit = { method, headers, cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await send(path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text for the error message.
  }
  if (!res.ok) throw errorOf(res, parsed);
  if (typeof parsed !== 'object' || parsed === null) {
    throw new ApiError(res.status, 'bad_response', `The server answered ${path} with something that is not JSON.`);
  }
  return parsed as T;
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the Showroom server. Check your connection and try again.');
  }
}

function errorOf(res: Response, body: unknown): ApiError {
  const { code, message } = errorText(body);
  return new ApiError(res.status, code, message ?? `${res.status} ${res.statusText}`.trim());
}

const callPath = (id: string, rest = '') => `/v1/calls/${encodeURIComponent(id)}${rest}`;

/** Demo sign-in (403 when the server's demo mode is off). */
export async function demoToken(identity: string, tenant: string): Promise<ReviewToken> {
  const q = new URLSearchParams({ identity, tenant });
  const res = await send(`/v1/review/token?${q}`, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Keep the text.
  }
  if (!res.ok) throw errorOf(res, body);
  return body as ReviewToken;
}

export function search(token: string, params: URLSearchParams): Promise<SearchPage> {
  return call(token, 'GET', `/v1/search?${params}`);
}

/** The export file as a Blob, with the name the server suggests. */
export async function exportSearch(token: string, params: URLSearchParams, format: 'csv' | 'json'): Promise<{ blob: Blob; filename: string }> {
  const q = new URLSearchParams(params);
  q.delete('offset');
  q.delete('limit');
  q.set('format', format);
  const res = await send(`/v1/search/export?${q}`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
  if (!res.ok) {
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Keep the text.
    }
    throw errorOf(res, body);
  }
  const disposition = res.headers.get('Content-Disposition') ?? '';
  const filename = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? `showroom-search.${format}`;
  return { blob: await res.blob(), filename };
}

export function getCall(token: string, id: string): Promise<{ call: CallRecord; participants: Participant[] }> {
  return call(token, 'GET', callPath(id));
}

export function getSegments(token: string, id: string): Promise<{ call_id: string; segments: Segment[] }> {
  return call(token, 'GET', callPath(id, '/segments'));
}

export function getInsights(token: string, id: string): Promise<Insights> {
  return call(token, 'GET', callPath(id, '/insights'));
}

export function getScores(token: string, id: string): Promise<Scores> {
  return call(token, 'GET', callPath(id, '/scores'));
}

export function getRecordings(token: string, id: string): Promise<{ call_id: string; recordings: Recording[] }> {
  return call(token, 'GET', callPath(id, '/recordings'));
}

export function addOverride(token: string, id: string, body: { criterion: string; verdict: Verdict; comment: string }): Promise<unknown> {
  return call(token, 'POST', callPath(id, '/overrides'), body);
}
