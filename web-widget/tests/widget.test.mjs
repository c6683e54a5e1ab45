// The shopper's one-tag widget (showroom.js) against the real server: bundle budget, hostile page
// CSS (screenshots compared pixel by pixel, and no styles leaking out), camera denied (help screen
// and an audio-only call), nobody online (hours in the shopper's time zone, callback stored), and
// the whole shopper flow with an agent on the console (queue, call, reconnect, rating).
//
//   npm run build && SHOWROOM_BIN=/path/to/showroom node --test tests/widget.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import {
  WIDGET_STATUS,
  agentAccept,
  agentSignIn,
  agentWaitRing,
  artifactsDir,
  distDir,
  launchBrowser,
  requireServerBinary,
  shopperEndAndRate,
  shopperQueue,
  shopperStartCall,
  shopperWaitConnected,
  startServer,
  testWav,
  waitForFlowingMedia,
} from './harness.mjs';
import { comparePngs } from './png.mjs';

const UI_TIMEOUT_MS = 15_000;
const TAG_BUDGET_BYTES = 40 * 1024;
const shot = (name) => join(artifactsDir, name);

/** Signs someone in on the desk socket from a page of the server's origin (DESK.md); resolves with their id. */
async function deskSocket(page, base, { role = 'agent', identity, languages = 'en', presence = 'available' }) {
  await page.goto(`${base}/healthz`);
  await page.evaluate(async ({ role, identity, languages, presence }) => {
    const q = new URLSearchParams({ identity, name: identity, tenant: 'default', languages, role });
    const res = await fetch(`/v1/desk/token?${q}`);
    if (!res.ok) throw new Error(`GET /v1/desk/token: ${res.status} ${await res.text()}`);
    const { token } = await res.json();
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/v1/desk/ws`);
    window.__desk = { ws, messages: [] };
    await new Promise((resolve, reject) => {
      setTimeout(() => reject(new Error('no signed_in within 5 s')), 5_000);
      ws.onopen = () => ws.send(JSON.stringify({ type: 'sign_in', token, presence }));
      ws.onclose = (ev) => reject(new Error(`desk socket closed (${ev.code})`));
      ws.onmessage = (ev) => {
        const m = JSON.parse(ev.data);
        window.__desk.messages.push(m);
        if (m.type === 'signed_in') resolve();
        if (m.type === 'error') reject(new Error(`${m.code}: ${m.message}`));
      };
    });
  }, { role, identity, languages, presence });
}

const availability = (base, language) =>
  fetch(`${base}/v1/desk/availability?tenant=default&language=${language}`).then(async (r) => {
    const text = await r.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`GET /v1/desk/availability answered ${r.status} ${r.headers.get('content-type')}, not JSON (no desk API in this server?)`);
    }
  });

/**
 * The demo page on a mocked origin (no server): pages from dist/, canned desk answers, and a
 * mocked /v1/signal socket. Resolves with { origin, send(frame), ratings } once routes are set.
 */
async function mockedShop(page) {
  const origin = 'http://localhost:8997';
  const types = { html: 'text/html', js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml', map: 'application/json' };
  const ratings = [];
  await page.route(`${origin}/**`, async (route) => {
    const url = new URL(route.request().url());
    const json = (status, body) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (url.pathname === '/v1/desk/availability') return json(200, { tenant: 'default', language: 'en', open: true, agents_online: 2, agents_available: 0, waiting: 2, estimated_wait_s: 200, hours: null, next_open_at_ms: null });
    if (url.pathname === '/v1/calls') return json(201, { call_id: 'CA_mock', token: 'tok', participant_token_expires_at: 0, queue: { position: 3, estimated_wait_s: 200, agents_online: 2 } });
    if (url.pathname === '/v1/calls/CA_mock/rating') {
      ratings.push({ auth: route.request().headers()['authorization'], body: route.request().postDataJSON() });
      return route.fulfill({ status: 204 });
    }
    const file = url.pathname === '/' ? 'product.html' : url.pathname.slice(1);
    try {
      return route.fulfill({ status: 200, contentType: types[file.split('.').pop()] ?? 'application/octet-stream', body: readFileSync(join(distDir, file)) });
    } catch {
      return route.fulfill({ status: 404, body: 'not found' });
    }
  });
  let socket = null;
  await page.routeWebSocket(`ws://localhost:8997/v1/signal`, (ws) => {
    socket = ws;
    ws.onMessage((text) => {
      const m = JSON.parse(text);
      const send = (o) => ws.send(JSON.stringify({ v: 1, ...o }));
      if (m.type === 'auth') send({ type: 'authed', identity: 'shopper-1', role: 'customer', call_id: 'CA_mock' });
      if (m.type === 'join') send({ type: 'joined', participant_id: 'PA_me', resume_token: 'r', resume_window_s: 30, resumed: false, participants: [], tracks: [] });
    });
  });
  return { origin, ratings, send: (o) => socket.send(JSON.stringify({ v: 1, ...o })) };
}

describe('shopper widget', () => {
  let server;
  let browser;
  let dataDir;

  before(async () => {
    const bin = requireServerBinary();
    mkdirSync(artifactsDir, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'showroom-widget-'));
    server = await startServer(bin, { logName: 'widget-server.log', env: { SHOWROOM_DATA_DIR: dataDir } });
    browser = await launchBrowser(testWav());
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function newPage(name, options = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, permissions: ['camera', 'microphone'], ...options });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.log(`[${name} pageerror] ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && console.log(`[${name} console] ${m.text()}`));
    return page;
  }

  test('the tag stays within its 40 KB gzipped budget; the call UI is a separate file', () => {
    const tag = gzipSync(readFileSync(join(distDir, 'showroom.js')), { level: 9 }).length;
    const call = gzipSync(readFileSync(join(distDir, 'showroom-call.js')), { level: 9 }).length;
    console.log(`# showroom.js ${(tag / 1024).toFixed(1)} KB gz, showroom-call.js ${(call / 1024).toFixed(1)} KB gz`);
    assert.ok(tag <= TAG_BUDGET_BYTES, `showroom.js is ${tag} bytes gzipped, budget ${TAG_BUDGET_BYTES}`);
    assert.ok(!readFileSync(join(distDir, 'showroom.js'), 'utf8').includes('RTCPeerConnection'), 'the call client must not be in the tag');
  });

  test("a page's hostile CSS does not change the widget, and the widget does not change the page", async (t) => {
    const page = await newPage('css', { timezoneId: 'Europe/Berlin' });
    try {
      // A fixed "nobody online" answer, so the panel shows the same (static) screen on both pages.
      await page.route('**/v1/desk/availability*', (route) =>
        route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({
            tenant: 'default', language: 'en', open: false, agents_online: 0, agents_available: 0, waiting: 0, estimated_wait_s: null,
            hours: { timezone: 'Europe/Berlin', weekly: [{ day: 'mon', open: '09:00', close: '18:00' }, { day: 'sat', open: '10:00', close: '14:00' }] },
            next_open_at_ms: Date.now() + 3 * 3600_000,
          }),
        }),
      );
      const grab = async (path) => {
        await page.goto(`${server.base}${path}`);
        const widget = page.locator('showroom-widget');
        await widget.getByRole('button', { name: 'Video call with an expert' }).waitFor();
        const button = await widget.screenshot({ animations: 'disabled', omitBackground: true });
        await widget.getByRole('button').click();
        const panel = page.locator('showroom-panel');
        await panel.locator('[data-screen="callback"]').waitFor({ timeout: UI_TIMEOUT_MS });
        await page.mouse.move(0, 0);
        await page.evaluate(() => document.querySelector('showroom-panel').shadowRoot.activeElement?.blur());
        const panelShot = await panel.screenshot({ animations: 'disabled', omitBackground: true });
        return { button, panel: panelShot };
      };
      // The same page with and without its hostile stylesheet (the slot is pinned at whole pixels:
      // the same widget drawn half a pixel lower anti-aliases differently).
      const plain = await grab('/aggressive.html?plain');
      const hostile = await grab('/aggressive.html');
      await page.screenshot({ path: shot('widget-aggressive.png') });
      writeFileSync(shot('widget-button-plain.png'), plain.button);
      writeFileSync(shot('widget-button-aggressive.png'), hostile.button);
      writeFileSync(shot('widget-panel-aggressive.png'), hostile.panel);
      for (const part of ['button', 'panel']) {
        const diff = comparePngs(plain[part], hostile[part], { opaqueInA: true });
        t.diagnostic(`${part}: ${JSON.stringify(diff)}`);
        assert.ok(diff.sameSize, `the ${part} has another size on the hostile page: ${diff.sizes.join(' vs ')}`);
        assert.ok(diff.fraction < 0.005, `${(diff.fraction * 100).toFixed(2)} % of the ${part}'s pixels differ on the hostile page`);
      }

      // The other way: the page's own elements look the same with and without the widget.
      const pageStyles = () =>
        page.evaluate(() =>
          ['body', 'h1', '#page-text', '#page-button', '#expert-slot'].map((sel) => {
            const cs = getComputedStyle(document.querySelector(sel));
            return `${sel}: ${['font', 'color', 'background-color', 'display', 'margin', 'padding', 'border', 'box-sizing', 'text-align', 'letter-spacing'].map((p) => cs.getPropertyValue(p)).join(' | ')}`;
          }),
        );
      await page.route('**/showroom.js', (route) => route.abort());
      await page.goto(`${server.base}/aggressive.html`);
      const without = await pageStyles();
      await page.unroute('**/showroom.js');
      await page.goto(`${server.base}/aggressive.html`);
      await page.locator('showroom-widget').getByRole('button').click();
      await page.locator('showroom-panel [data-screen="callback"]').waitFor({ timeout: UI_TIMEOUT_MS });
      assert.deepEqual(await pageStyles(), without, "the widget changed the page's styles");
      assert.equal(await page.evaluate(() => document.querySelectorAll('style, link[rel="stylesheet"]').length), 1, 'the widget added styles to the page document');
    } finally {
      await page.context().close();
    }
  });

  test('the JS API: a queued setProduct/setShopper before the tag, then open() and close()', async () => {
    const page = await newPage('spa');
    try {
      await page.route('**/v1/desk/availability*', (route) =>
        route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ tenant: 'default', language: 'de', open: true, agents_online: 1, agents_available: 1, waiting: 0, estimated_wait_s: 0, hours: null, next_open_at_ms: null }) }),
      );
      await page.addInitScript(() => {
        window.ShowroomQueue = [
          ['setProduct', { sku: 'CAM-X100', title: 'X100 camera', url: 'https://shop.example/x100', price: '$1,299', category: 'cameras' }],
          ['setShopper', { name: 'Kim', vip: true, language: 'de-AT' }],
        ];
      });
      await page.goto(`${server.base}/`);
      await page.waitForFunction(() => !!window.Showroom);
      await page.evaluate(() => window.Showroom.open());
      await page.locator('showroom-panel .start-video:enabled').waitFor({ timeout: UI_TIMEOUT_MS });
      assert.equal(await page.locator('showroom-panel .name-input').inputValue(), 'Kim');
      const posted = page.waitForRequest((r) => r.url().endsWith('/v1/calls') && r.method() === 'POST');
      await page.locator('showroom-panel .start-video').click();
      const body = (await posted).postDataJSON();
      assert.deepEqual(body, {
        tenant: 'default', name: 'Kim', language: 'de-AT', vip: true, skill: 'cameras',
        product: { sku: 'CAM-X100', title: 'X100 camera', url: 'https://shop.example/x100', image: `${server.base}/headphones.svg`, price: '$1,299' },
      });
      await page.waitForSelector(`${WIDGET_STATUS}[data-state="waiting"]`, { timeout: UI_TIMEOUT_MS });
      await page.evaluate(() => window.Showroom.close());
      await page.locator('showroom-panel').waitFor({ state: 'hidden' });
      assert.equal(await page.evaluate(() => window.showroomCall), null, 'close() left the call');
      // Keyboard: the button opens the panel, Escape closes it when no call is up.
      await page.locator('showroom-widget button').focus();
      await page.keyboard.press('Enter');
      await page.locator('showroom-panel .start-video:enabled').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.keyboard.press('Escape');
      await page.locator('showroom-panel').waitFor({ state: 'hidden' });
      assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'SHOWROOM-WIDGET', 'focus returns to the button');
    } finally {
      await page.context().close();
    }
  });

  test('a shop on another origin: floating, themed button; the call UI and the API come from the tag\'s server', async (t) => {
    const page = await newPage('cross-origin');
    const agentDesk = await newPage('cross-origin-agent');
    let shopServer = null;
    try {
      await deskSocket(agentDesk, server.base, { identity: 'widget-xo-agent', languages: 'en' });
      // The shop: a server of its own on another port (another origin, same loopback address space).
      const html = `<!doctype html><html><head><title>Other shop</title></head><body><h1>Trail cameras</h1>
        <script src="${server.base}/showroom.js" async data-tenant="default" data-sku="TRAIL-1" data-title="Trail camera"
          data-price="$99" data-category="cameras" data-accent="#8a2be2" data-accent-text="#fffff0" data-position="floating"></script></body></html>`;
      shopServer = createServer((req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(html));
      await new Promise((resolve) => shopServer.listen(0, '127.0.0.1', resolve));
      const shop = `http://127.0.0.1:${shopServer.address().port}`;
      await page.goto(`${shop}/product/trail-1`);
      const button = page.locator('showroom-widget button');
      await button.waitFor();
      const look = await button.evaluate((b) => {
        const r = b.getBoundingClientRect();
        const cs = getComputedStyle(b);
        return { right: Math.round(innerWidth - r.right), bottom: Math.round(innerHeight - r.bottom), bg: cs.backgroundColor, color: cs.color };
      });
      assert.deepEqual(look, { right: 20, bottom: 20, bg: 'rgb(138, 43, 226)', color: 'rgb(255, 255, 240)' });
      const preflight = await fetch(`${server.base}/v1/calls`, {
        method: 'OPTIONS',
        headers: { Origin: shop, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
      });
      // The shopper endpoints allow any origin (bearer tokens, no cookies); the desk's do not.
      assert.equal(preflight.status, 200);
      assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
      assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /content-type/);
      const deskPreflight = await fetch(`${server.base}/v1/desk/agents`, {
        method: 'OPTIONS',
        headers: { Origin: shop, 'Access-Control-Request-Method': 'GET' },
      });
      assert.equal(deskPreflight.headers.get('access-control-allow-origin'), null);
      await button.click();
      await page.locator('showroom-panel .start-video:enabled').waitFor({ timeout: UI_TIMEOUT_MS });
      await page.locator('showroom-panel .start-video').click();
      await page.waitForSelector(`${WIDGET_STATUS}[data-state="waiting"]`, { timeout: UI_TIMEOUT_MS });
      assert.match(await page.evaluate(() => window.showroomCall?.callId ?? ''), /^CA_/);
      await page.locator('showroom-panel .cancel').click();
    } finally {
      await page.context().close();
      await agentDesk.context().close();
      shopServer?.close();
    }
  });

  test('the line, from queue frames (mocked server): position, honest wait bands, ringing, and no expert left', async () => {
    const page = await newPage('queue-ui');
    try {
      const { origin, send } = await mockedShop(page);
      const queue = (o) => send({ type: 'queue', agents_online: 2, ringing: false, ...o });
      const line = async () => (await page.locator('showroom-panel [data-screen="waiting"]').innerText()).replace(/\s+/g, ' ');

      await shopperStartCall(page, origin);
      assert.match(await line(), /You are number 3 in line\. Expected wait: about 3 minutes\./);
      await page.locator('showroom-panel').screenshot({ path: shot('widget-queue-position.png') });
      queue({ position: 2, estimated_wait_s: 80 });
      await page.waitForFunction(() => document.querySelector('showroom-panel').shadowRoot.querySelector('[data-screen="waiting"]').dataset.position === '2');
      assert.match(await line(), /You are number 2 in line\. Expected wait: about a minute\./);
      queue({ position: 1, estimated_wait_s: 12 });
      await page.waitForFunction(() => document.querySelector('showroom-panel').shadowRoot.querySelector('[data-screen="waiting"]').dataset.position === '1');
      assert.match(await line(), /You are number 1 in line — next up\. Expected wait: any moment now\./);
      queue({ position: 1, estimated_wait_s: 1900 });
      await page.waitForFunction(() => /more than 20 minutes/.test(document.querySelector('showroom-panel').shadowRoot.querySelector('.queue-wait').textContent));
      queue({ position: 1, estimated_wait_s: 0, ringing: true });
      await page.waitForFunction(() => document.querySelector('showroom-panel').shadowRoot.querySelector('[data-screen="waiting"]').dataset.ringing === 'true');
      assert.match(await line(), /An expert is being connected…/);
      assert.equal(await page.locator('showroom-panel .ask-callback').isVisible(), false);
      // Everyone signed out: no estimate, say so, and offer the callback.
      queue({ position: 1, estimated_wait_s: null, agents_online: 0 });
      await page.locator('showroom-panel .ask-callback').waitFor({ state: 'visible' });
      assert.match(await line(), /No expert is online right now/);
      await page.locator('showroom-panel .ask-callback').click();
      await page.locator('showroom-panel [data-screen="callback"]').waitFor();
      assert.equal(await page.locator(WIDGET_STATUS).getAttribute('data-state'), 'offline');
      assert.equal(await page.evaluate(() => window.showroomCall), null, 'the call was left');
    } finally {
      await page.context().close();
    }
  });

  test('rating with the keyboard only (mocked server): arrows pick the stars, the token goes along', async () => {
    const page = await newPage('rating-keys');
    try {
      const { origin, send, ratings } = await mockedShop(page);
      await shopperStartCall(page, origin);
      send({ type: 'participant_joined', participant: { participant_id: 'PA_ana', identity: 'ana', role: 'agent', name: 'Ana' } });
      await shopperWaitConnected(page, 5_000);
      send({ type: 'participant_left', participant_id: 'PA_ana', reason: 'left' });
      const rating = page.locator('showroom-panel [data-screen="rating"]');
      await rating.waitFor({ timeout: 5_000 });
      assert.match(await rating.innerText(), /Ana ended the call/);
      // The first star has the focus; arrows move through the radio group.
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      assert.equal(await rating.locator('input[name="stars"]:checked').getAttribute('value'), '3');
      assert.match(await rating.locator('.star-word').innerText(), /Good/);
      await page.keyboard.press('Tab');
      await page.keyboard.type('Clear answers.');
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await page.locator('showroom-panel [data-screen="thanks"]').waitFor({ timeout: 5_000 });
      assert.deepEqual(ratings, [{ auth: 'Bearer tok', body: { stars: 3, comment: 'Clear answers.' } }]);
    } finally {
      await page.context().close();
    }
  });

  test('nobody online for my language: a callback, which the supervisor board lists', async (t) => {
    const before = await availability(server.base, 'fi');
    t.diagnostic(`availability(fi): ${JSON.stringify(before)}`);
    assert.equal(before.agents_online, 0, 'expected nobody online for Finnish');
    const page = await newPage('callback', { timezoneId: 'America/New_York' });
    const supervisor = await newPage('supervisor');
    try {
      await page.goto(`${server.base}/?lang=fi-FI&name=Aino`);
      await page.locator('showroom-widget').getByRole('button', { name: 'Video call with an expert' }).click();
      const screen = page.locator('showroom-panel [data-screen="callback"]');
      await screen.waitFor({ timeout: UI_TIMEOUT_MS });
      const text = await screen.innerText();
      assert.match(text, /No expert who speaks Finnish is online right now\./);

      // Required fields are checked before anything is sent.
      await screen.getByRole('button', { name: 'Request a callback' }).click();
      assert.match(await screen.locator('.form-error').innerText(), /phone number or an e-mail/);
      const contact = `+1 555 0100 ${Date.now() % 10000}`;
      await screen.getByLabel('Phone or e-mail').fill(contact);
      await screen.getByLabel('Best time to reach you').selectOption('evening');
      await screen.getByLabel(/Anything we should know/).fill('Do they fold flat?');
      await screen.getByRole('button', { name: 'Request a callback' }).click();
      const sent = page.locator('showroom-panel [data-screen="callback-sent"]');
      await sent.waitFor({ timeout: UI_TIMEOUT_MS });
      assert.match(await sent.innerText(), /Thanks, Aino/);
      assert.equal((await page.locator(`${WIDGET_STATUS}`).getAttribute('data-state')), 'callback-requested');

      // Stored: the supervisor's board lists it.
      await deskSocket(supervisor, server.base, { role: 'supervisor', identity: 'sup-widget' });
      const listed = await supervisor
        .waitForFunction((c) => window.__desk.messages.some((m) => m.type === 'board' && m.callbacks?.some((cb) => cb.contact === c)), contact, { timeout: 10_000 })
        .then(() => true, () => false);
      const board = await supervisor.evaluate(() => window.__desk.messages.filter((m) => m.type === 'board').at(-1) ?? null);
      const stored = board?.callbacks?.find((cb) => cb.contact === contact);
      assert.ok(listed, `the callback is not on the board: ${JSON.stringify(board?.callbacks ?? board)}`);
      assert.equal(stored.name, 'Aino');
      assert.equal(stored.timezone, 'America/New_York');
      assert.match(stored.language, /^fi/);
      assert.equal(stored.note, 'Do they fold flat?');
      assert.match(stored.preferred_time, /evening/i);
    } finally {
      await page.context().close();
      await supervisor.context().close();
    }
  });

  test('the shop is closed: its hours in my time zone, when it opens again, and the callback form', async (t) => {
    // A server whose only opening is two days from now, 09:00–18:00 in Berlin.
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    const berlinToday = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Berlin', weekday: 'short' }).format(new Date()).toLowerCase().slice(0, 3);
    const openDay = days[(days.indexOf(berlinToday) + 2) % 7];
    const dir = mkdtempSync(join(tmpdir(), 'showroom-widget-closed-'));
    const config = join(dir, 'showroom.toml');
    writeFileSync(config, `[desk.hours.default]\ntimezone = "Europe/Berlin"\nweekly = ["${openDay} 09:00-18:00"]\n`);
    const closed = await startServer(requireServerBinary(), { logName: 'widget-closed-server.log', env: { SHOWROOM_CONFIG: config, SHOWROOM_DATA_DIR: join(dir, 'data') } });
    const page = await newPage('closed', { timezoneId: 'America/New_York' });
    try {
      const a = await availability(closed.base, 'en');
      t.diagnostic(`availability: ${JSON.stringify(a)}`);
      assert.equal(a.open, false);
      await page.goto(`${closed.base}/`);
      await page.locator('showroom-widget').getByRole('button', { name: 'Video call with an expert' }).click();
      const screen = page.locator('showroom-panel [data-screen="callback"]');
      await screen.waitFor({ timeout: UI_TIMEOUT_MS });
      const text = (await screen.innerText()).replace(/\s+/g, ' ');
      t.diagnostic(text);
      const weekday = new Intl.DateTimeFormat('en-US', { weekday: 'long', timeZone: 'America/New_York' }).format(a.next_open_at_ms);
      assert.match(text, /Our experts are not in right now\./);
      assert.match(text, /time zone \(America\/New York\)/);
      // 09:00–18:00 in Berlin is 3:00 AM – 12:00 PM in New York (both on winter time in December).
      assert.match(text, new RegExp(`We open again ${weekday} 3:00\\sAM \\(in \\d+ (hours|days)\\)`));
      assert.match(text, new RegExp(`${weekday} 3:00\\sAM – 12:00\\sPM`));
      assert.equal(await screen.getByRole('button', { name: 'Request a callback' }).isVisible(), true);
      await page.locator('showroom-panel').screenshot({ path: shot('widget-callback.png') });
    } finally {
      await page.context().close();
      await closed.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('camera blocked: the help screen explains, and "Continue with audio only" joins the line without video', async (t) => {
    const agentDesk = await newPage('agent-socket');
    const denyingBrowser = await launchBrowser(testWav(), { grantMedia: false });
    try {
      await deskSocket(agentDesk, server.base, { identity: 'widget-audio-agent', languages: 'en' });
      const context = await denyingBrowser.newContext({ viewport: { width: 1280, height: 860 } });
      await context.grantPermissions(['microphone'], { origin: server.base }); // camera: not granted → refused
      const page = await context.newPage();
      page.on('pageerror', (e) => console.log(`[denied pageerror] ${e.message}`));
      await page.goto(`${server.base}/`);
      await page.locator('showroom-widget').getByRole('button', { name: 'Video call with an expert' }).click();
      const help = page.locator('showroom-panel [data-screen="media-help"]');
      await help.waitFor({ timeout: UI_TIMEOUT_MS });
      const text = await help.innerText();
      t.diagnostic(text);
      assert.equal(await help.getAttribute('data-problem'), 'denied');
      assert.match(text, /blocking the camera/);
      assert.match(text, /address bar/);
      assert.match(text, /Allow/);
      assert.equal(await help.getByRole('button', { name: 'Try again' }).isVisible(), true);
      await page.locator('showroom-panel').screenshot({ path: shot('widget-denied.png') });

      await help.getByRole('button', { name: 'Continue with audio only' }).click();
      await page.waitForSelector(`${WIDGET_STATUS}[data-state="waiting"]`, { timeout: UI_TIMEOUT_MS });
      const call = await page.evaluate(async () => {
        const c = window.showroomCall;
        await new Promise((r) => setTimeout(r, 1500)); // let the publisher negotiate
        return {
          callId: c?.callId ?? null,
          local: { audio: c.localStream.getAudioTracks().length, video: c.localStream.getVideoTracks().length },
          sending: c.publisher.getSenders().filter((s) => s.track).map((s) => s.track.kind),
        };
      });
      t.diagnostic(JSON.stringify(call));
      assert.match(call.callId ?? '', /^CA_/, 'POST /v1/calls created a call');
      assert.deepEqual(call.local, { audio: 1, video: 0 });
      assert.deepEqual(call.sending, ['audio']);
      await page.locator('showroom-panel .cancel').click();
      await page.locator('showroom-panel [data-screen="left"]').waitFor({ timeout: UI_TIMEOUT_MS });
    } finally {
      await denyingBrowser.close().catch(() => {});
      await agentDesk.context().close();
    }
  });

  test('no camera, then the microphone fails too: audio only is offered, then a callback', async () => {
    const page = await newPage('no-camera');
    try {
      await page.route('**/v1/desk/availability*', (route) =>
        route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ tenant: 'default', language: 'en', open: true, agents_online: 1, agents_available: 1, waiting: 0, estimated_wait_s: 0, hours: null, next_open_at_ms: null }) }),
      );
      await page.addInitScript(() => {
        // A laptop without a camera whose microphone another app holds.
        navigator.mediaDevices.getUserMedia = (c) =>
          Promise.reject(new DOMException(c.video ? 'Requested device not found' : 'Could not start audio source', c.video ? 'NotFoundError' : 'NotReadableError'));
      });
      await page.goto(`${server.base}/`);
      await page.locator('showroom-widget').getByRole('button', { name: 'Video call with an expert' }).click();
      const help = page.locator('showroom-panel [data-screen="media-help"]');
      await help.waitFor({ timeout: UI_TIMEOUT_MS });
      assert.equal(await help.getAttribute('data-problem'), 'no-camera');
      assert.match(await help.innerText(), /No camera found/);
      const audioOnly = help.getByRole('button', { name: 'Continue with audio only' });
      assert.equal(await page.evaluate(() => document.querySelector('showroom-panel').shadowRoot.activeElement?.textContent), 'Continue with audio only', 'the way forward has the focus');
      await audioOnly.click();
      await help.locator('.mic-failed').waitFor();
      assert.match(await help.locator('.mic-failed').innerText(), /could not use your microphone either/);
      assert.equal(await audioOnly.isVisible(), false);
      await help.getByRole('button', { name: 'Ask us to call you back' }).click();
      await page.locator('showroom-panel [data-screen="callback"]').waitFor();
      assert.match(await page.locator('showroom-panel [data-screen="callback"]').innerText(), /Let us call you back instead/);
    } finally {
      await page.context().close();
    }
  });

  test('the shopper calls, waits in line, talks, survives a dropped connection, hangs up and rates', async (t) => {
    const agent = await newPage('agent');
    const shopper = await newPage('shopper');
    try {
      await agentSignIn(agent, server.base, { identity: 'widget-expert', name: 'Ana', languages: ['en', 'es'], skills: ['headphones'] });
      const events = [];
      await shopper.exposeFunction('__widgetEvent', (name, detail) => events.push({ name, detail }));
      await shopper.addInitScript(() => {
        (window.ShowroomQueue = window.ShowroomQueue || []).push((api) => {
          for (const e of ['open', 'queued', 'connected', 'ended', 'rated']) api.on(e, (d) => window.__widgetEvent(e, d ?? null));
        });
        // Every status the shopper sees, in order (reconnecting flashes by).
        window.__states = [];
        const watch = () => {
          const el = document.querySelector('showroom-panel')?.shadowRoot?.getElementById('call-status');
          if (!el) return setTimeout(watch, 50);
          new MutationObserver(() => window.__states.push(el.dataset.state)).observe(el, { attributes: true, attributeFilter: ['data-state'] });
        };
        watch();
      });
      // Device check: preview and mic meter.
      await shopper.goto(`${server.base}/?lang=es-ES&vip=1&name=Lucia`);
      await shopper.locator('showroom-widget').getByRole('button', { name: 'Video call with an expert' }).click();
      await shopper.locator('showroom-panel .start-video:enabled').waitFor({ timeout: UI_TIMEOUT_MS });
      const meterMoves = await shopper
        .waitForFunction(() => Number(document.querySelector('showroom-panel').shadowRoot.querySelector('.meter-bar')?.dataset.level ?? 0) > 0.01, null, { timeout: 10_000 })
        .then(() => true, () => false);
      assert.ok(meterMoves, 'the microphone meter never moved');
      assert.equal(await shopper.locator('showroom-panel .name-input').inputValue(), 'Lucia');
      await shopper.locator('showroom-panel').screenshot({ path: shot('widget-device-check.png') });

      await shopperStartCall(shopper, server.base, { lang: 'es-ES', vip: true, name: 'Lucia' });
      const ring = await agentWaitRing(agent, UI_TIMEOUT_MS);
      t.diagnostic(`ring: ${JSON.stringify(ring)}`);
      assert.equal(ring.name, 'Lucia');
      assert.equal(ring.vip, true);
      assert.equal(ring.sku, 'ARIA-ANC-GRA');
      const queue = await shopperQueue(shopper);
      t.diagnostic(`queue: ${JSON.stringify(queue)}`);
      assert.ok(queue, 'the waiting screen is up');
      assert.ok(queue.ringing || /You are number 1 in line/.test(queue.text), queue.text);
      await shopper.locator('showroom-panel').screenshot({ path: shot('widget-queue.png') });

      await agentAccept(agent);
      await shopperWaitConnected(shopper, UI_TIMEOUT_MS);
      const media = await waitForFlowingMedia(shopper, 20_000);
      assert.ok(media.ok, `shopper media: ${JSON.stringify(media.last)}`);
      assert.match(await shopper.locator(WIDGET_STATUS).innerText(), /Connected with Ana/);
      await shopper.locator('showroom-panel').screenshot({ path: shot('widget-in-call.png') });

      // A dropped signaling socket: "Reconnecting…", then back in the call.
      await shopper.evaluate(() => window.showroomCall.socket.close());
      await shopper.waitForFunction(() => window.showroomCall?.state === 'connected' && window.showroomCall.socket?.readyState === 1, null, { timeout: UI_TIMEOUT_MS });
      await shopperWaitConnected(shopper, 5_000);
      const states = await shopper.evaluate(() => window.__states);
      t.diagnostic(`states: ${states.join(' → ')}`);
      assert.ok(states.includes('reconnecting'), `never showed reconnecting: ${states.join(' → ')}`);

      const callId = await shopperEndAndRate(shopper, 4, 'Ana showed me the fold — very helpful.', 10_000, { screenshot: shot('widget-rating.png') });
      await shopper.locator('showroom-panel').screenshot({ path: shot('widget-thanks.png') });
      assert.match(callId ?? '', /^CA_/);
      const names = events.map((e) => e.name);
      assert.deepEqual(names.filter((n, i) => names.indexOf(n) === i), ['open', 'queued', 'connected', 'ended', 'rated']);
      assert.deepEqual(events.find((e) => e.name === 'rated').detail, { call_id: callId, stars: 4, comment: 'Ana showed me the fold — very helpful.' });
      const metrics = await (await fetch(`${server.base}/metrics`)).text();
      assert.match(metrics, /showroom_desk_ratings_total\{[^}]*stars="4"[^}]*\} 1/, 'the server counted the rating');
    } finally {
      await shopper.context().close();
      await agent.context().close();
    }
  });
});
