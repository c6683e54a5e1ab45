// The tag: `<script src="https://showroom.example/showroom.js" data-tenant="…" data-sku="…" async>`.
// Draws the "Video call with an expert" button in a shadow root and, on click, opens the panel
// and loads the call UI (showroom-call.js). Everything else waits for that click: this file is
// what every product page view pays for (budget: 40 KB gzipped, checked by build.mjs).
//
// JS API (window.Showroom): open(), close(), setProduct({...}), setShopper({...}), on(event, fn).
// Before the tag has loaded, queue calls: (window.ShowroomQueue ||= []).push(['setShopper', {...}]).

import { CALL_UI_GLOBAL, type CallUiHost, type CallUiModule, type CallUiSession, type WidgetConfig, type WidgetEvent } from './contract';
import type { WidgetProduct, WidgetShopper } from './contract';
import { BASE_CSS, FLOATING_HOST_CSS, HOST_RESET, PANEL_HOST_CSS } from './loader-styles';

type Listener = (detail: unknown) => void;
type QueueEntry = [string, ...unknown[]] | ((api: ShowroomApi) => void);

export interface ShowroomApi {
  open(): void;
  close(): void;
  setProduct(product: Partial<WidgetProduct>): void;
  setShopper(shopper: Partial<WidgetShopper>): void;
  on(event: WidgetEvent, fn: Listener): () => void;
  readonly version: string;
}

const VIDEO_ICON =
  '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><rect x="2" y="6" width="14" height="12" rx="2"/><path d="M16 10l6-3v10l-6-3z"/></svg>';

const pageWindow = window as unknown as Record<string, unknown> & { Showroom?: ShowroomApi; ShowroomQueue?: QueueEntry[] };

function ownScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  return document.querySelector<HTMLScriptElement>('script[src*="showroom.js"]');
}

function absoluteUrl(url: string | undefined, fallback: string): string {
  if (!url) return fallback;
  try {
    return new URL(url, location.href).href;
  } catch {
    return fallback;
  }
}

function readConfig(script: HTMLScriptElement | null): WidgetConfig {
  const d = script?.dataset ?? {};
  const src = script?.src || location.href;
  return {
    base: new URL('.', src).href.replace(/\/$/, ''),
    tenant: d['tenant'] || 'default',
    product: {
      sku: d['sku'] ?? '',
      title: d['title'] ?? document.title,
      url: absoluteUrl(d['url'], location.href),
      image: absoluteUrl(d['image'], ''),
      price: d['price'] ?? '',
      category: d['category'] ?? '',
    },
    shopper: {
      name: d['name'] ?? '',
      vip: d['vip'] === 'true' || d['vip'] === '1',
      ...(d['shopperToken'] ? { token: d['shopperToken'] } : {}),
      language: d['language'] || navigator.language || 'en',
    },
  };
}

function shadowHost(tag: string, css: string, extraStyle: string): { host: HTMLElement; shadow: ShadowRoot; root: HTMLElement } {
  const host = document.createElement(tag);
  host.setAttribute('style', HOST_RESET + extraStyle);
  const shadow = host.attachShadow({ mode: 'open' });
  const style = document.createElement('style');
  style.textContent = css;
  const root = document.createElement('div');
  root.className = 'root';
  shadow.append(style, root);
  return { host, shadow, root };
}

function themeStyle(d: DOMStringMap): string {
  const ok = (v: string | undefined) => v && /^[#\w(),.%\s-]{1,40}$/.test(v);
  let out = '';
  if (ok(d['accent'])) out += `--showroom-accent: ${d['accent']} !important;`;
  if (ok(d['accentText'])) out += `--showroom-accent-text: ${d['accentText']} !important;`;
  return out;
}

function init(script: HTMLScriptElement | null): void {
  if (pageWindow.Showroom) return; // The tag twice on one page: the first one wins.
  const config = readConfig(script);
  const data = script?.dataset ?? {};
  const theme = themeStyle(data);
  const floating = data['position'] === 'floating';
  const callUiUrl = new URL('showroom-call.js', script?.src || location.href).href;
  const listeners = new Map<string, Set<Listener>>();

  const emit = (event: WidgetEvent, detail?: unknown) => {
    for (const fn of [...(listeners.get(event) ?? [])]) {
      try {
        fn(detail);
      } catch (err) {
        console.error(`showroom: ${event} listener failed`, err);
      }
    }
  };

  // ---- the button ----
  const button = shadowHost('showroom-widget', BASE_CSS + (floating ? FLOATING_HOST_CSS : ''), theme);
  button.root.innerHTML = `<button type="button" class="btn primary launch${floating ? ' floating' : ''}" aria-haspopup="dialog">${VIDEO_ICON}<span>Video call with an expert</span></button>`;
  const launch = button.root.querySelector('button')!;

  // ---- the panel (created on first open) ----
  let panel: { host: HTMLElement; shadow: ShadowRoot; body: HTMLElement; status: HTMLElement; closeButton: HTMLButtonElement } | null = null;
  let session: CallUiSession | null = null;
  let opened = false;
  let closable = true;
  let loading: Promise<CallUiModule> | null = null;

  function loadCallUi(): Promise<CallUiModule> {
    const ready = pageWindow[CALL_UI_GLOBAL] as CallUiModule | undefined;
    if (ready) return Promise.resolve(ready);
    loading ??= new Promise<CallUiModule>((resolve, reject) => {
      const s = document.createElement('script');
      s.src = callUiUrl;
      s.async = true;
      s.onload = () => {
        const mod = pageWindow[CALL_UI_GLOBAL] as CallUiModule | undefined;
        if (mod) resolve(mod);
        else reject(new Error('the call UI did not register'));
      };
      s.onerror = () => reject(new Error(`could not load ${callUiUrl}`));
      document.head.append(s);
    }).catch((err: unknown) => {
      loading = null; // Let "Try again" load it afresh.
      throw err;
    });
    return loading;
  }

  function ensurePanel() {
    if (panel) return panel;
    const p = shadowHost('showroom-panel', BASE_CSS + PANEL_HOST_CSS, theme);
    p.root.innerHTML = `
      <section class="panel" role="dialog" aria-modal="false" aria-labelledby="sr-title">
        <header class="head">
          <strong id="sr-title">Video call with an expert</strong>
          <span id="call-status" class="status" data-showroom-status data-state="idle" role="status" aria-live="polite">Ready</span>
          <button type="button" class="close" aria-label="Close">&times;</button>
        </header>
        <div class="body"></div>
      </section>`;
    const closeButton = p.root.querySelector<HTMLButtonElement>('.close')!;
    closeButton.addEventListener('click', () => api.close());
    p.root.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && closable) api.close();
    });
    document.body.append(p.host);
    panel = { host: p.host, shadow: p.shadow, body: p.root.querySelector('.body')!, status: p.root.querySelector('#call-status')!, closeButton };
    return panel;
  }

  const setStatus = (state: string, text: string) => {
    if (!panel) return;
    panel.status.dataset['state'] = state;
    panel.status.textContent = text;
  };

  function showLoading(p: NonNullable<typeof panel>): void {
    setStatus('loading', 'Opening…');
    p.body.innerHTML = `<div class="screen center" aria-busy="true"><div class="spinner"></div><p class="big">Opening the video call…</p><p class="muted">This takes a second.</p></div>`;
  }

  function showLoadError(p: NonNullable<typeof panel>, err: unknown): void {
    setStatus('error', 'Could not open');
    p.body.innerHTML = `<div class="screen center" role="alert"><p class="big">The video call could not be opened.</p>
      <p class="muted">Check your internet connection and try again.</p><p><button type="button" class="btn primary">Try again</button></p></div>`;
    p.body.querySelector('button')!.addEventListener('click', () => void start());
    console.warn('showroom:', err);
  }

  async function start(): Promise<void> {
    const p = ensurePanel();
    showLoading(p);
    let mod: CallUiModule;
    try {
      mod = await loadCallUi();
    } catch (err) {
      showLoadError(p, err);
      return;
    }
    if (!opened || session) return; // Closed (or started) while loading.
    const host: CallUiHost = {
      shadow: p.shadow,
      body: p.body,
      config: () => config,
      emit,
      setStatus,
      setClosable: (c) => {
        closable = c;
        p.closeButton.hidden = !c;
      },
      close: () => api.close(),
    };
    session = mod.start(host);
  }

  const api: ShowroomApi = {
    version: '1',
    open() {
      if (opened) return;
      opened = true;
      const p = ensurePanel();
      p.host.hidden = false;
      launch.setAttribute('aria-expanded', 'true');
      emit('open');
      void start();
      p.closeButton.focus();
    },
    close() {
      if (!panel || !opened) return;
      opened = false;
      session?.stop();
      session = null;
      closable = true;
      panel.closeButton.hidden = false;
      panel.host.hidden = true;
      panel.body.innerHTML = '';
      setStatus('idle', 'Ready');
      launch.setAttribute('aria-expanded', 'false');
      emit('close');
      launch.focus();
    },
    setProduct(product) {
      Object.assign(config.product, product);
    },
    setShopper(shopper) {
      Object.assign(config.shopper, shopper);
    },
    on(event, fn) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn);
      return () => set.delete(fn);
    },
  };

  launch.addEventListener('click', () => api.open());
  // Start fetching the call UI as soon as someone shows interest: the click then opens at once.
  const warm = () => void loadCallUi().catch(() => undefined);
  launch.addEventListener('pointerenter', warm, { once: true });
  launch.addEventListener('focus', warm, { once: true });

  const target = data['target'] ? document.querySelector(data['target']) : null;
  if (target && !floating) target.append(button.host);
  else if (!floating && script?.parentNode && document.body.contains(script)) script.parentNode.insertBefore(button.host, script);
  else document.body.append(button.host);

  pageWindow.Showroom = api;
  // Calls queued before the tag loaded, then make later pushes run at once.
  const queued = Array.isArray(pageWindow.ShowroomQueue) ? pageWindow.ShowroomQueue : [];
  const run = (entry: QueueEntry) => {
    if (typeof entry === 'function') return entry(api);
    const [method, ...args] = entry;
    const fn = (api as unknown as Record<string, unknown>)[method];
    if (typeof fn === 'function') (fn as (...a: unknown[]) => unknown).apply(api, args);
    else console.warn(`showroom: unknown method ${method}`);
  };
  for (const entry of queued.splice(0)) run(entry);
  pageWindow.ShowroomQueue = { push: (...entries: QueueEntry[]) => (entries.forEach(run), 0) } as unknown as QueueEntry[];
}

// currentScript is only set while this file first runs: take it now, even if the body is not there yet.
const tagScript = ownScript();
if (document.body) init(tagScript);
else document.addEventListener('DOMContentLoaded', () => init(tagScript), { once: true });
