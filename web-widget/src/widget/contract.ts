// What the tag (loader.ts, loaded with the page) and the call UI (call.ts, loaded on click) share.
// Types only: nothing here may add bytes to the tag.

export interface WidgetProduct {
  sku: string;
  title: string;
  url: string;
  image: string;
  price: string;
  /** The product category; routed as the agent skill. */
  category: string;
}

export interface WidgetShopper {
  name: string;
  /** Honoured by a demo server only; in production the shop vouches for it in `token`. */
  vip: boolean;
  /** The shop's signed word about the shopper (VIP, name): a JWT from the shop's server. */
  token?: string;
  /** BCP 47; routed by its primary subtag. */
  language: string;
}

export interface WidgetConfig {
  /** Origin (and path prefix, if any) of the Showroom server, without a trailing slash. */
  base: string;
  tenant: string;
  product: WidgetProduct;
  shopper: WidgetShopper;
}

export type WidgetEvent = 'open' | 'close' | 'queued' | 'connected' | 'ended' | 'rated';

/** The panel the tag opens; the call UI renders into `body` and reports its state. */
export interface CallUiHost {
  /** The shadow root the panel lives in (for styles). */
  readonly shadow: ShadowRoot;
  /** Where the screens go. */
  readonly body: HTMLElement;
  /** The configuration as it is now (the page may change product or shopper at any time). */
  config(): WidgetConfig;
  emit(event: WidgetEvent, detail?: unknown): void;
  /** Status pill: `state` goes to data-state (tests wait on it), `text` is what people read. */
  setStatus(state: string, text: string): void;
  /** Whether the panel may be closed without asking (false while a call is up). */
  setClosable(closable: boolean): void;
  /** Hides the panel (the call UI has finished). */
  close(): void;
}

export interface CallUiSession {
  /** Ends whatever is running (leaves a call, stops the camera). */
  stop(): void;
}

export interface CallUiModule {
  start(host: CallUiHost): CallUiSession;
}

/** The global the call bundle assigns itself to when it loads. */
export const CALL_UI_GLOBAL = '__showroomCallUI';
