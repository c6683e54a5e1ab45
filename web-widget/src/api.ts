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
