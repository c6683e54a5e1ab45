// Screenshots of the pages against a mocked API (no server needed), for looking at the layout:
//   node tests/preview.mjs  → artifacts/browser/preview-*.png
// Media never flows here (there is no SFU behind the mock); the real test is call.test.mjs.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsDir, distDir, launchBrowser, testWav } from './harness.mjs';
import { readFile } from 'node:fs/promises';

const ORIGIN = 'http://localhost:8999';
const types = { html: 'text/html', js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml', map: 'application/json' };
const now = Date.now();
const waiting = [
  { call_id: 'c1', created_at_ms: now - 83_000, customer_name: 'Sam', language: 'en-GB', product: { sku: 'ARIA-ANC-GRA', title: 'Aria ANC Wireless Headphones', url: `${ORIGIN}/`, image: `${ORIGIN}/headphones.svg`, price: '€279.00' } },
  { call_id: 'c2', created_at_ms: now - 12_000, customer_name: null, language: 'de-DE', product: null },
];

async function mock(page, { answerStatus = 200 } = {}) {
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const json = (status, body) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (url.pathname === '/v1/calls' && route.request().method() === 'POST') return json(201, { call_id: 'c9', token: 'tok', participant_token_expires_at: 0, queue: { position: 2, estimated_wait_s: 95, agents_online: 2 } });
    if (url.pathname === '/v1/desk/availability') return json(200, { tenant: 'default', language: 'en', open: true, agents_online: 2, agents_available: 0, waiting: 1, estimated_wait_s: 95, hours: null, next_open_at_ms: null });
    if (url.pathname === '/v1/calls') return json(200, { calls: waiting });
    if (url.pathname === '/v1/desk/token') return json(200, { token: 'desk' });
    if (url.pathname.endsWith('/answer')) return json(answerStatus, answerStatus === 200 ? { call_id: 'c1', token: 'tok' } : { error: { code: 'unknown_call', message: 'no such call' } });
    let file = url.pathname === '/' ? 'product.html' : url.pathname === '/agent' ? 'agent.html' : url.pathname.slice(1);
    try {
      const body = await readFile(join(distDir, file));
      return route.fulfill({ status: 200, contentType: types[file.split('.').pop()] ?? 'application/octet-stream', body });
    } catch {
      return route.fulfill({ status: 404, body: 'not found' });
    }
  });
  await page.routeWebSocket(`ws://localhost:8999/v1/signal`, (ws) => {
    ws.onMessage((text) => {
      const m = JSON.parse(text);
      const send = (o) => ws.send(JSON.stringify({ v: 1, ...o }));
      if (m.type === 'auth') send({ type: 'authed', identity: 'x', role: 'customer', call_id: 'c9' });
      if (m.type === 'join') {
        send({ type: 'joined', participant_id: 'p1', resume_token: 'r', resume_window_s: 30, resumed: false, participants: [], tracks: [] });
        send({ type: 'queue', position: 2, estimated_wait_s: 95, agents_online: 2, ringing: false });
      }
    });
  });
}

mkdirSync(artifactsDir, { recursive: true });
const browser = await launchBrowser(testWav());
const shot = async (page, name) => page.screenshot({ path: join(artifactsDir, `preview-${name}.png`) });
try {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 820 } });
  const product = await ctx.newPage();
  await mock(product);
  await product.goto(`${ORIGIN}/`);
  await shot(product, 'product');
  await product.locator('showroom-widget button').click();
  await product.locator('showroom-panel .start-video:enabled').click();
  await product.waitForSelector('showroom-panel #call-status[data-state="waiting"]');
  await product.waitForTimeout(2200);
  await shot(product, 'product-waiting');

  // The agent console: a ring with the product card, then an accept that comes too late.
  const agent = await ctx.newPage();
  await mock(agent);
  await agent.routeWebSocket(`ws://localhost:8999/v1/desk/ws`, (ws) => {
    const send = (o) => ws.send(JSON.stringify(o));
    ws.onMessage((text) => {
      const m = JSON.parse(text);
      if (m.type === 'sign_in') {
        send({ type: 'signed_in', role: 'agent', agent: { id: 'ana', name: 'Ana', tenant: 'default', languages: ['es', 'en'], skills: ['headphones'] }, tenant: 'default', dispositions: ['resolved', 'sale'], wrap_up_s: 60, offer_timeout_s: 15 });
        send({ type: 'presence', state: 'available', since_ms: Date.now() - 95_000, wrap_up_ends_at_ms: null, call_id: null, reason: null });
        send({
          type: 'offer', offer_id: 'o1', call_id: 'c1', expires_at_ms: Date.now() + 15_000, timeout_s: 15, waited_s: 42,
          shopper: { name: 'Lucía', language: 'es', vip: true }, skill: 'headphones',
          product: { sku: 'ARIA-ANC-GRA', title: 'Aria ANC Wireless Headphones', url: `${ORIGIN}/`, image: `${ORIGIN}/headphones.svg`, price: '€279.00' },
        });
      }
      if (m.type === 'accept') send({ type: 'error', code: 'offer_expired', message: 'the offer closed meanwhile' });
    });
  });
  await agent.goto(`${ORIGIN}/agent?identity=ana&autosignin=1`);
  await agent.waitForSelector('#ring');
  await agent.waitForTimeout(1500);
  await shot(agent, 'agent-ring');
  await agent.click('#ring-accept');
  await agent.waitForSelector('#desk-alert:not([hidden])');
  await shot(agent, 'agent-error');

  const denied = await ctx.newPage();
  await denied.addInitScript(() => {
    navigator.mediaDevices.getUserMedia = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
  });
  await mock(denied);
  await denied.goto(`${ORIGIN}/`);
  await denied.locator('showroom-widget button').click();
  await denied.waitForSelector('showroom-panel [data-screen="media-help"]');
  await shot(denied, 'product-denied');

  const mobile = await browser.newContext({ viewport: { width: 390, height: 780 }, isMobile: true });
  const phone = await mobile.newPage();
  await mock(phone);
  await phone.goto(`${ORIGIN}/`);
  await shot(phone, 'product-mobile');
  console.log(`screenshots in ${artifactsDir}`);
} finally {
  await browser.close();
}
