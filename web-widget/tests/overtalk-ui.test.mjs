// The agent desk's overtalk UI against injected `overtalk` frames: the real agent page and
// CallClient, with the HTTP API and the /v1/signal socket mocked (no server, no media). This
// checks the rendering rules; tests/call.test.mjs checks that a real call produces the frames.
//
//   npm run build && node --test tests/overtalk-ui.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { artifactsDir, distDir, launchBrowser, testWav } from './harness.mjs';

const ORIGIN = 'http://localhost:8998';
const types = { html: 'text/html', js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml', map: 'application/json' };

let browser;
before(async () => {
  mkdirSync(artifactsDir, { recursive: true });
  browser = await launchBrowser(testWav());
});
after(async () => {
  await browser?.close();
});

/** Opens the agent desk with a mocked server; resolves with the page and a `send(frame)` into its socket. */
async function agentInCall() {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 820 }, permissions: ['camera', 'microphone'] });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const now = Date.now();
  await page.route(`${ORIGIN}/**`, async (route) => {
    const url = new URL(route.request().url());
    const json = (status, body) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    if (url.pathname === '/v1/desk/token') return json(200, { token: 'desk', expires_at: 0 });
    const file = url.pathname === '/agent' ? 'agent.html' : url.pathname.slice(1);
    try {
      return route.fulfill({ status: 200, contentType: types[file.split('.').pop()] ?? 'application/octet-stream', body: await readFile(join(distDir, file)) });
    } catch {
      return route.fulfill({ status: 404, body: 'not found' });
    }
  });
  // The desk socket: sign in, ring once, hand over the call on accept.
  await page.routeWebSocket(`ws://localhost:8998/v1/desk/ws`, (ws) => {
    const send = (o) => ws.send(JSON.stringify(o));
    const presence = (state) => send({ type: 'presence', state, since_ms: Date.now(), wrap_up_ends_at_ms: null, call_id: state === 'busy' ? 'c1' : null, reason: null });
    ws.onMessage((text) => {
      const m = JSON.parse(text);
      if (m.type === 'sign_in') {
        send({ type: 'signed_in', role: 'agent', agent: { id: 'agent-1', name: 'Agent', tenant: 'default', languages: ['en'], skills: [] }, dispositions: ['resolved'], wrap_up_s: 60, offer_timeout_s: 15 });
        presence('available');
        send({
          type: 'offer', offer_id: 'o1', call_id: 'c1', expires_at_ms: now + 15_000, timeout_s: 15, waited_s: 5,
          shopper: { name: 'Sam', language: 'en', vip: false }, skill: null, product: null,
        });
      }
      if (m.type === 'accept') {
        presence('busy');
        send({ type: 'accepted', offer_id: 'o1', call_id: 'c1', token: 'tok' });
      }
    });
  });
  let socket = null;
  await page.routeWebSocket(`ws://localhost:8998/v1/signal`, (ws) => {
    socket = ws;
    ws.onMessage((text) => {
      const m = JSON.parse(text);
      const send = (o) => ws.send(JSON.stringify({ v: 1, ...o }));
      if (m.type === 'auth') send({ type: 'authed', identity: 'agent-1', role: 'agent', call_id: 'c1' });
      if (m.type === 'join') {
        send({
          type: 'joined', participant_id: 'PA_agent', resume_token: 'r', resume_window_s: 30, resumed: false,
          participants: [{ participant_id: 'PA_cust', identity: 'cust', role: 'customer', name: 'Sam' }], tracks: [],
        });
      }
    });
  });
  await page.goto(`${ORIGIN}/agent?identity=agent-1&autosignin=1`);
  await page.locator('#ring-accept').click();
  await page.waitForSelector('#call-status[data-state="connected"]', { timeout: 15_000 });
  await page.waitForSelector('#talkover-count', { timeout: 5_000 });
  const send = (o) => socket.send(JSON.stringify({ v: 1, ...o }));
  return { page, send, errors };
}

const banner = (page) =>
  page.evaluate(() => {
    const el = document.getElementById('overtalk-banner');
    return el && { state: el.dataset.state, who: el.dataset.who ?? null, text: el.textContent, role: el.getAttribute('role'), live: el.getAttribute('aria-live') };
  });
const counter = (page) => page.locator('#talkover-count').textContent();
const stageBox = (page) => page.evaluate(() => JSON.stringify(document.querySelector('#remote-video')?.getBoundingClientRect() ?? null));
const final = (utterance, start, text, role = 'customer') => ({
  type: 'transcript', participant_id: role === 'customer' ? 'PA_cust' : 'PA_agent', role, utterance, status: 'final', start_s: start, end_s: start + 3, text, confidence: 0.9,
});
const overtalk = (id, event, interrupter, onset, extra = {}) => ({
  type: 'overtalk', id, event, interrupter, interrupted: interrupter === 'agent' ? 'customer' : 'agent', onset_s: onset, ...extra,
});

test('overtalk banner, transcript marker and talk-over counter follow the frames', async () => {
  const { page, send, errors } = await agentInCall();
  try {
    assert.equal(await counter(page), 'Talk-overs: 0');
    assert.deepEqual(await banner(page), { state: 'hidden', who: null, text: '', role: 'status', live: 'polite' });
    send(final(1, 38.0, 'I would like to know whether they fold flat.'));
    send(final(2, 44.5, 'Sure, they fold flat.', 'agent'));
    await page.waitForSelector('.transcript-line[data-status="final"] >> nth=1');
    const boxBefore = await stageBox(page);

    // The agent talks over the customer: amber banner, no count yet (it may still be a backchannel).
    send(overtalk(4, 'alert', 'agent', 41.23));
    await page.waitForSelector('#overtalk-banner[data-state="shown"][data-who="agent"]', { timeout: 2_000 });
    assert.match((await banner(page)).text, /You're talking over the customer/);
    assert.equal(await counter(page), 'Talk-overs: 0');
    assert.equal(await page.locator('#overtalk-banner').isVisible(), true);
    await page.waitForTimeout(400); // past the fade-in
    await page.screenshot({ path: join(artifactsDir, 'overtalk-banner-agent.png') });
    assert.equal(await stageBox(page), boxBefore, 'the banner must not move the video');

    // Resolved as an interruption: counted once, marked between the two lines, banner stays ~4 s.
    const resolvedAt = Date.now();
    send(overtalk(4, 'resolved', 'agent', 41.23, { kind: 'interruption', overlap_s: 1.6 }));
    await page.waitForFunction(() => document.getElementById('talkover-count')?.textContent === 'Talk-overs: 1', null, { timeout: 2_000 });
    const order = await page.$$eval('#transcript-list > *', (els) => els.map((e) => e.className + ':' + e.textContent.trim()));
    assert.equal(order.length, 3, JSON.stringify(order));
    assert.match(order[1], /^transcript-marker:⟂ overlap 1\.6 s/, JSON.stringify(order));
    assert.equal(await page.locator('.transcript-marker[data-interrupter="agent"]').count(), 1);
    await page.waitForTimeout(2_000);
    assert.equal((await banner(page)).state, 'shown', 'still shown 2 s after resolved');
    await page.screenshot({ path: join(artifactsDir, 'overtalk-resolved.png') });
    await page.waitForSelector('#overtalk-banner[data-state="hidden"]', { state: 'attached', timeout: 5_000 });
    const hiddenAfter = Date.now() - resolvedAt;
    assert.ok(hiddenAfter >= 3_800 && hiddenAfter < 6_500, `banner hid ${hiddenAfter} ms after resolved`);
    assert.equal(await page.locator('#overtalk-banner').isVisible(), false);
    assert.equal((await banner(page)).text, '', 'the live region is emptied');

    // The customer tries to speak: the quieter note; a retraction removes it at once.
    send(overtalk(5, 'alert', 'customer', 58.02));
    await page.waitForSelector('#overtalk-banner[data-state="shown"][data-who="customer"]', { timeout: 2_000 });
    assert.match((await banner(page)).text, /Customer is trying to speak/);
    await page.waitForTimeout(400); // past the fade-in
    await page.screenshot({ path: join(artifactsDir, 'overtalk-banner-customer.png') });
    send(overtalk(5, 'retracted', 'customer', 58.02, { kind: 'backchannel' }));
    await page.waitForSelector('#overtalk-banner[data-state="hidden"]', { state: 'attached', timeout: 500 });
    assert.equal(await counter(page), 'Talk-overs: 1');
    assert.equal(await page.locator('.transcript-marker').count(), 1);

    // Never alerted, resolved only: counted and marked, no banner. Repeats are not counted twice.
    send(overtalk(6, 'resolved', 'agent', 61.0, { kind: 'interruption', overlap_s: 0.04 }));
    send(overtalk(6, 'resolved', 'agent', 61.0, { kind: 'interruption', overlap_s: 0.04 }));
    // A backchannel and a customer interruption: marked (the latter) but not counted.
    send(overtalk(7, 'resolved', 'agent', 63.0, { kind: 'backchannel', overlap_s: 0.4 }));
    send(overtalk(8, 'resolved', 'customer', 70.0, { kind: 'interruption', overlap_s: 2.25 }));
    // A frame type this build does not know must not break the client.
    send({ type: 'something_new', id: 9 });
    await page.waitForSelector('.transcript-marker[data-interrupter="customer"]', { timeout: 2_000 });
    assert.equal(await counter(page), 'Talk-overs: 2');
    assert.deepEqual(await page.$$eval('.transcript-marker', (els) => els.map((e) => e.querySelector('[aria-hidden]').textContent)), [
      '⟂ overlap 1.6 s', '⟂ overlap 0.1 s', '⟂ overlap 2.3 s',
    ]);
    assert.equal((await banner(page)).state, 'hidden');
    assert.equal(await page.evaluate(() => window.showroomCall?.state), 'connected');

    // A banner whose alert never resolves is replaced by the next alert, and cleared on hang-up.
    send(overtalk(10, 'alert', 'agent', 80.0));
    await page.waitForSelector('#overtalk-banner[data-state="shown"][data-who="agent"]', { timeout: 2_000 });
    await page.click('#end-call');
    await page.waitForSelector('#call-status[data-state="ended"]', { timeout: 5_000 });
    assert.equal((await banner(page)).state, 'hidden');
    assert.deepEqual(errors, []);
  } finally {
    await page.context().close();
  }
});
