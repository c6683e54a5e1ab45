// Styles of what the tag draws before a click: the button and the panel frame. They live inside
// shadow roots only. `:host` rules are !important because the page's own !important rules (say
// `* { all: revert !important }`) reach the host element; inside the shadow root nothing of the
// page applies except inherited values, which `all: initial` on the host cuts off, and the host's
// ::first-line/::first-letter, which only exist on block containers: hence flex hosts.

export const HOST_RESET = 'all: initial !important;';

export const BASE_CSS = `
:host { all: initial !important; display: inline-flex !important; vertical-align: top !important;
  --sr-accent: var(--showroom-accent, #0b6e5f); --sr-accent-text: var(--showroom-accent-text, #ffffff);
  --sr-ink: #16181d; --sr-muted: #5d6370; --sr-line: #e3e0da; --sr-soft: #f4f2ee; --sr-danger: #c9362a; }
:host([hidden]) { display: none !important; }
:host::before, :host::after { content: none !important; display: none !important; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
.root { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: var(--sr-ink); -webkit-font-smoothing: antialiased; text-align: left; letter-spacing: normal; }
button, input, select, textarea { font: inherit; color: inherit; letter-spacing: inherit; }
button { cursor: pointer; }
button:disabled { cursor: not-allowed; opacity: .55; }
:focus-visible { outline: 3px solid var(--sr-accent); outline-offset: 2px; }
svg { display: inline-block; flex: none; }
.btn { display: inline-flex; align-items: center; justify-content: center; gap: 10px; margin: 0;
  border: 0; border-radius: 12px; padding: 11px 18px; font-weight: 600; font-size: 15px; line-height: 1.2;
  background: var(--sr-soft); color: var(--sr-ink); text-decoration: none; }
.btn.primary { background: var(--sr-accent); color: var(--sr-accent-text); }
.btn.primary:hover:not(:disabled) { filter: brightness(.92); }
.btn.ghost { background: transparent; box-shadow: inset 0 0 0 1.5px var(--sr-line); }
.launch { padding: 16px 22px; font-size: 17px; border-radius: 14px; min-width: 280px; white-space: nowrap;
  box-shadow: 0 10px 24px -12px rgba(0, 0, 0, .55); }
.launch.floating { border-radius: 999px; min-width: 0; padding: 14px 20px; }
.spinner { width: 34px; height: 34px; border-radius: 50%; margin: 0 auto 12px;
  border: 3px solid rgba(0, 0, 0, .12); border-top-color: var(--sr-accent); animation: sr-spin .9s linear infinite; }
@keyframes sr-spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner { animation-duration: 2.5s; } }
.panel { display: flex; flex-direction: column; width: min(440px, calc(100vw - 24px)); max-height: calc(100vh - 24px);
  background: #fff; border-radius: 18px; overflow: hidden;
  box-shadow: 0 30px 80px -20px rgba(0, 0, 0, .5), 0 0 0 1px rgba(0, 0, 0, .08); }
.head { display: flex; align-items: center; gap: 10px; padding: 12px 12px 12px 16px; border-bottom: 1px solid var(--sr-line); }
.head strong { font-size: 15px; font-weight: 700; min-width: 0; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.status { margin-left: auto; display: inline-flex; align-items: center; gap: 7px; white-space: nowrap;
  font-size: 12px; font-weight: 600; padding: 4px 10px 4px 9px; border-radius: 999px; background: var(--sr-soft); color: var(--sr-muted); }
.status::before { content: ""; width: 8px; height: 8px; border-radius: 50%; background: #9aa0a8; }
.status[data-state="waiting"]::before, .status[data-state="reconnecting"]::before { background: #e0a100; }
.status[data-state="connected"]::before { background: #1f9d55; }
.status[data-state="error"]::before { background: var(--sr-danger); }
.close { border: 0; background: transparent; width: 34px; height: 34px; border-radius: 8px; font-size: 24px; line-height: 1;
  color: var(--sr-muted); padding: 0; }
.close:hover { background: var(--sr-soft); color: var(--sr-ink); }
.body { overflow-y: auto; min-height: 0; }
.screen { padding: 22px 20px; display: grid; gap: 12px; }
.center { text-align: center; }
.big { font-size: 18px; font-weight: 700; margin: 0; }
p { margin: 0; }
.muted { color: var(--sr-muted); }
`;

/** The panel's host: fixed at the bottom right of the viewport, above the page. */
export const PANEL_HOST_CSS = `
:host { all: initial !important; position: fixed !important; right: 12px !important; bottom: 12px !important;
  z-index: 2147483000 !important; display: flex !important; }
`;

/** The button's host when `data-position="floating"`. */
export const FLOATING_HOST_CSS = `
:host { position: fixed !important; right: 20px !important; bottom: 20px !important; z-index: 2147482999 !important; }
`;
