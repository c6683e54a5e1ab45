// The shopper's half of the desk API (signaling/DESK.md), against the server the tag came from
// (which may be another origin than the shop's page).

import { ApiError, requestJson } from '../api';
import type { WidgetConfig } from './contract';

export interface WeeklyHours {
  day: string;
  open: string;
  close: string;
}

export interface Availability {
  tenant: string;
  language: string;
  open: boolean;
  agents_online: number;
  agents_available: number;
  waiting: number;
  estimated_wait_s: number | null;
  hours: { timezone: string; weekly: WeeklyHours[] } | null;
  next_open_at_ms: number | null;
}

export interface QueuePlace {
  position: number;
  estimated_wait_s: number | null;
  agents_online: number;
}

export interface CreatedCall {
  call_id: string;
  token: string;
  participant_token_expires_at: number | string;
  queue?: QueuePlace;
}

export interface CallbackRequest {
  tenant: string;
  name: string;
  contact: string;
  language: string;
  timezone: string;
  preferred_time: string;
  note: string;
  product: { sku: string; title: string; url: string; image: string; price: string };
}

function request<T>(base: string, method: string, path: string, opts: { token?: string; body?: unknown } = {}): Promise<T> {
  return requestJson<T>(base + path, method, { ...opts, unreachable: 'We cannot reach the video call service. Check your internet connection.' });
}

/** The routed language: the primary subtag, lower-cased (`es-MX` → `es`). */
export function primaryLanguage(tag: string): string {
  return (tag.split(/[-_]/)[0] || 'en').toLowerCase();
}

/**
 * Who can take a call now, or null when the server cannot say (an older server without the desk
 * API, or a hiccup): the widget then offers the call anyway rather than turning people away.
 */
export async function getAvailability(config: WidgetConfig): Promise<Availability | null> {
  const q = `tenant=${encodeURIComponent(config.tenant)}&language=${encodeURIComponent(primaryLanguage(config.shopper.language))}`;
  try {
    const a = await request<unknown>(config.base, 'GET', `/v1/desk/availability?${q}`);
    if (typeof a !== 'object' || a === null || typeof (a as Availability).agents_online !== 'number') return null;
    return a as Availability;
  } catch (err) {
    console.warn('showroom: availability unknown', err);
    return null;
  }
}

export function productBody(config: WidgetConfig): CallbackRequest['product'] {
  const { sku, title, url, image, price } = config.product;
  return { sku, title, url, image, price };
}

export function createCall(config: WidgetConfig, name: string): Promise<CreatedCall> {
  const body: Record<string, unknown> = {
    tenant: config.tenant,
    language: config.shopper.language,
    vip: config.shopper.vip,
    product: productBody(config),
  };
  if (name) body['name'] = name;
  if (config.shopper.token) body['shopper_token'] = config.shopper.token;
  if (config.product.category) body['skill'] = config.product.category;
  return request<CreatedCall>(config.base, 'POST', '/v1/calls', { body });
}

export async function rateCall(base: string, callId: string, token: string, stars: number, comment: string): Promise<void> {
  const body: Record<string, unknown> = { stars };
  if (comment) body['comment'] = comment;
  await request<unknown>(base, 'POST', `/v1/calls/${encodeURIComponent(callId)}/rating`, { token, body });
}

export function requestCallback(base: string, callback: CallbackRequest): Promise<{ id: string }> {
  return request<{ id: string }>(base, 'POST', '/v1/callbacks', { body: callback });
}

export function describeApiError(err: unknown): string {
  if (err instanceof ApiError) return err.status === 0 ? err.message : `${err.message} (${err.status})`;
  return String(err);
}
