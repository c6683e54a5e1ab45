// Wire types of the desk WebSocket (`/v1/desk/ws`) and its HTTP helpers, as signaling/DESK.md
// describes them (the source of truth). Server frames are open: unknown fields are ignored and
// unknown message types are dropped by the client.

export type Presence = 'available' | 'busy' | 'away' | 'wrap_up';
export type DeskRole = 'agent' | 'supervisor';

/** What the shopper looks at; every field may be missing. */
export interface DeskProduct {
  sku?: string | null;
  title?: string | null;
  url?: string | null;
  image?: string | null;
  price?: string | null;
}

export interface AgentProfile {
  id: string;
  name: string | null;
  tenant: string;
  languages: string[];
  skills: string[];
}

export interface SignedIn {
  type: 'signed_in';
  role: DeskRole;
  agent?: AgentProfile;
  dispositions?: string[];
  wrap_up_s?: number;
  offer_timeout_s?: number;
}

export interface PresenceMessage {
  type: 'presence';
  state: Presence;
  since_ms: number;
  wrap_up_ends_at_ms: number | null;
  call_id: string | null;
  reason: 'missed_offer' | string | null;
}

export interface OfferMessage {
  type: 'offer';
  offer_id: string;
  call_id: string;
  expires_at_ms: number;
  timeout_s: number;
  waited_s: number;
  shopper: { name: string | null; language: string | null; vip: boolean };
  skill: string | null;
  product: DeskProduct | null;
}

export interface OfferClosed {
  type: 'offer_closed';
  offer_id: string;
  call_id: string;
  reason: 'declined' | 'timeout' | 'abandoned' | string;
}

export interface Accepted {
  type: 'accepted';
  offer_id: string;
  call_id: string;
  token: string;
}

export interface WrapUpSaved {
  type: 'wrap_up_saved';
  call_id: string;
}

export interface DeskError {
  type: 'error';
  code: string;
  message: string;
}

export interface QueueTile {
  language: string;
  waiting: number;
  longest_wait_s: number;
  agents_available: number;
  agents_online: number;
}

export interface WaitingShopper {
  call_id: string;
  language: string | null;
  vip: boolean;
  waited_s: number;
  skill: string | null;
  product: DeskProduct | null;
  offered_to: string | null;
  position: number;
  shopper_name?: string | null;
}

export interface BoardAgent {
  id: string;
  name: string | null;
  languages: string[];
  skills: string[];
  presence: Presence;
  since_ms: number;
  call_id: string | null;
  /** The call this agent is being rung for right now. */
  ringing_for?: string | null;
}

export interface LiveCall {
  call_id: string;
  agent: string;
  language: string | null;
  started_ms: number;
  product: DeskProduct | null;
}

export interface Callback {
  id: string;
  name: string;
  contact: string;
  language: string | null;
  timezone: string | null;
  preferred_time: string | null;
  note: string | null;
  created_ms: number;
}

export interface Board {
  type: 'board';
  tenant: string;
  now_ms: number;
  queues: QueueTile[];
  waiting: WaitingShopper[];
  agents: BoardAgent[];
  calls: LiveCall[];
  callbacks: Callback[];
}

export type DeskServerMessage =
  | SignedIn
  | PresenceMessage
  | OfferMessage
  | OfferClosed
  | Accepted
  | WrapUpSaved
  | DeskError
  | Board;

export type DeskClientMessage =
  | { type: 'sign_in'; token: string; presence?: 'available' | 'away' }
  | { type: 'presence'; state: 'available' | 'away' }
  | { type: 'accept'; offer_id: string }
  | { type: 'decline'; offer_id: string }
  | { type: 'wrap_up'; call_id: string; disposition: string; notes: string };

/** Error codes after which the same token cannot sign in again. */
export const FATAL_DESK_CODES: ReadonlySet<string> = new Set(['not_authenticated', 'token_invalid', 'token_expired', 'forbidden']);

const KNOWN_TYPES: ReadonlySet<string> = new Set(['signed_in', 'presence', 'offer', 'offer_closed', 'accepted', 'wrap_up_saved', 'error', 'board']);

/** One server frame, or null for anything that is not a known desk message. */
export function parseDeskMessage(text: string): DeskServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as Record<string, unknown>)['type'];
  return typeof type === 'string' && KNOWN_TYPES.has(type) ? (value as DeskServerMessage) : null;
}
