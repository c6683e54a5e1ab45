// Shared by the pages' HTTP clients: the error type and reading the server's error bodies.
// (The shopper widget: widget/desk-api.ts; the desk: desk-api.ts; the review pages: review-api.ts.)

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

/**
 * One JSON request: bearer token and body optional; a failure becomes an [`ApiError`] with the
 * server's code and message (status 0 and `unreachable` when the server cannot be reached).
 */
export async function requestJson<T>(
  url: string,
  method: string,
  opts: { token?: string | undefined; body?: unknown; unreachable?: string } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.token) headers['Authorization'] = `Bearer ${opts.token}`;
  const init: RequestInit = { method, headers, cache: 'no-store' };
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch {
    throw new ApiError(0, 'network', opts.unreachable ?? 'Cannot reach the Showroom server. Check your connection.');
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
