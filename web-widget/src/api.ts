// The server's small JSON HTTP API (call creation, the agent desk queue).

export interface ProductInfo {
  sku: string;
  title: string;
  url: string;
  image: string;
  price: string;
}

export interface CreatedCall {
  call_id: string;
  token: string;
  participant_token_expires_at: number | string;
}

/** Product context as the server returns it: every field may be missing or null. */
export type ProductContext = { [K in keyof ProductInfo]?: string | null };

export interface WaitingCall {
  call_id: string;
  created_at_ms: number;
  customer_name: string | null;
  language: string | null;
  product: ProductContext | null;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

/** Pulls a readable message out of whatever error body the server sent. */
export function errorText(body: unknown): { code: string | null; message: string | null } {
  if (typeof body === 'string') return { code: null, message: body.trim() || null };
  if (typeof body !== 'object' || body === null) return { code: null, message: null };
  const o = body as Record<string, unknown>;
  const inner = typeof o['error'] === 'object' && o['error'] !== null ? (o['error'] as Record<string, unknown>) : o;
  const code = typeof inner['code'] === 'string' ? inner['code'] : null;
  const message = typeof inner['message'] === 'string' ? inner['message'] : typeof o['error'] === 'string' ? o['error'] : null;
  return { code, message };
}

async function request<T>(method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.token) headers['Authorization'] = `Bearer ${opts.token}`;
  const init: RequestInit = { method, headers, cache: 'no-store' };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the Showroom server. Check your connection.');
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text.
  }
  if (!res.ok) {
    const { code, message } = errorText(body);
    throw new ApiError(res.status, code, message ?? `${res.status} ${res.statusText}`.trim());
  }
  return body as T;
}

export function createCall(body: { name?: string; language?: string; product?: ProductInfo }): Promise<CreatedCall> {
  return request<CreatedCall>('POST', '/v1/calls', { body });
}

export async function getDeskToken(identity: string): Promise<string> {
  const res = await request<{ token: string }>('GET', `/v1/desk/token?identity=${encodeURIComponent(identity)}`);
  return res.token;
}

export async function listWaitingCalls(deskToken: string): Promise<WaitingCall[]> {
  const res = await request<{ calls: WaitingCall[] }>('GET', '/v1/calls?state=waiting', { token: deskToken });
  return res.calls ?? [];
}

export function answerCall(deskToken: string, callId: string): Promise<{ call_id: string; token: string }> {
  return request('POST', `/v1/calls/${encodeURIComponent(callId)}/answer`, { token: deskToken });
}
