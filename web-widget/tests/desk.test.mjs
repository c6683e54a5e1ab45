// The support desk end to end against the real server: a shopper on the demo product page starts
// a call; of two Spanish-speaking agents online, the one with the matching skill (and the longer
// idle time) rings first, with the product card; a decline moves the offer to the other agent;
// the call connects with media both ways; a supervisor sees queue, agents and the live call and
// listens in (receives media, publishes nothing); the shopper ends and rates; the agent wraps up
// with a disposition and is available again. An English shopper never rings a Spanish-only agent.
//
//   SHOWROOM_BIN=/path/to/showroom SHOWROOM_TEST_WAV=… node --test tests/desk.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  agentAccept,
  agentDecline,
  agentPresence,
  agentSignIn,
  agentWaitRing,
  agentWrapUp,
  artifactsDir,
  launchBrowser,
  requireServerBinary,
  shopperEndAndRate,
  shopperStartCall,
  shopperWaitConnected,
  startServer,
  testWav,
  waitForFlowingMedia,
} from './harness.mjs';

const UI_TIMEOUT_MS = 15_000;
const MEDIA_TIMEOUT_MS = 20_000;
/** What the demo product page (static/product.html) shows. */
const PRODUCT = { title: 'Aria ANC Wireless Headphones', price: '€279.00', sku: 'ARIA-ANC-GRA', image: /headphones\.svg$/ };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('support desk against the real server', () => {
  let server;
  let browser;
  let dataDir;

  before(async () => {
    const bin = requireServerBinary();
    mkdirSync(artifactsDir, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'showroom-desk-'));
    server = await startServer(bin, { env: { SHOWROOM_DATA_DIR: dataDir }, logName: 'server-desk.log' });
    browser = await launchBrowser(testWav());
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  async function newPage(name) {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, permissions: ['camera', 'microphone'] });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.log(`[${name} ${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) => console.log(`[${name} pageerror] ${e.message}`));
    return page;
  }

  /** One row of the supervisor's agents table: { presence } or null. */
  const boardAgent = (page, id) =>
    page.evaluate((id) => {
      const row = document.querySelector(`#agents-table tr[data-agent="${CSS.escape(id)}"]`);
      return row ? { presence: row.dataset.presence, text: row.innerText } : null;
    }, id);

  const waitBoardAgent = (page, id, presence, timeout = UI_TIMEOUT_MS) =>
    page.waitForSelector(`#agents-table tr[data-agent="${id}"][data-presence="${presence}"]`, { timeout });

  test('ring with product card, decline moves the offer, call with media, supervisor listens, rating, wrap-up', async (t) => {
    const ana = await newPage('ana');
    const ben = await newPage('ben');
    const shopper = await newPage('shopper');
    const supervisor = await newPage('supervisor');
    try {
      // Both speak Spanish; Ana also knows headphones and signs in first (longer idle): she rings first.
      await agentSignIn(ana, server.base, { identity: 'ana', name: 'Ana', languages: ['es'], skills: ['headphones'] });
      await agentSignIn(ben, server.base, { identity: 'ben', name: 'Ben', languages: ['es'] });
      await supervisor.goto(`${server.base}/supervisor?identity=sara&name=Sara&autosignin=1`);
      await waitBoardAgent(supervisor, 'ana', 'available');
      await waitBoardAgent(supervisor, 'ben', 'available');

      await shopperStartCall(shopper, server.base, { lang: 'es', vip: true, name: 'Lucía' });

      let callId;
      await t.test('the agent with the language and the skill rings first, with the product card', async () => {
        const ring = await agentWaitRing(ana, UI_TIMEOUT_MS);
        callId = ring.callId;
        t.diagnostic(`ana's ring: ${JSON.stringify({ ...ring, text: undefined })}`);
        assert.equal(ring.language, 'es');
        assert.equal(ring.vip, true, 'VIP badge');
        assert.equal(ring.name, 'Lucía');
        assert.equal(ring.title, PRODUCT.title);
        assert.equal(ring.price, PRODUCT.price);
        assert.equal(ring.sku, PRODUCT.sku);
        assert.match(ring.image ?? '', PRODUCT.image);
        assert.match(ring.link ?? '', /^http:\/\/127\.0\.0\.1:\d+\//, 'links the page the shopper is on');
        assert.match(ring.waited ?? '', /^\d+ s$|^\d+:\d\d$/, 'wait time shown');
        assert.match(ring.countdown ?? '', /^\d+ s$/, 'offer countdown shown');
        assert.equal(await ben.locator('#ring').count(), 0, 'Ben does not ring while Ana does');
        // The wait time ticks.
        const before = ring.waited;
        await ana.waitForFunction((b) => document.querySelector('#ring [data-field="waited"]')?.textContent !== b, before, { timeout: 3_000 });
        await ana.screenshot({ path: join(artifactsDir, 'desk-ring.png') });
      });

      await t.test('the supervisor sees the shopper waiting, offered to Ana', async () => {
        const row = supervisor.locator(`#waiting-table tr[data-call-id="${callId}"]`);
        await row.waitFor({ timeout: UI_TIMEOUT_MS });
        await supervisor.waitForFunction((id) => /ana/.test(document.querySelector(`#waiting-table tr[data-call-id="${id}"] [data-field="offered-to"]`)?.textContent ?? ''), callId, { timeout: 5_000 });
        const text = await row.innerText();
        assert.match(text, /ES/);
        assert.match(text, /VIP/);
        assert.match(text, new RegExp(PRODUCT.title));
        const tile = supervisor.locator('.queue-tile[data-language="es"]');
        assert.equal(await tile.locator('[data-field="waiting"]').textContent(), '1');
        // Ana's row says she is being rung; Ben's does not.
        await supervisor.locator('#agents-table tr[data-agent="ana"] [data-field="ringing"]').waitFor({ timeout: 5_000 });
        assert.equal(await supervisor.locator('#agents-table tr[data-agent="ben"] [data-field="ringing"]').count(), 0);
        await supervisor.screenshot({ path: join(artifactsDir, 'supervisor-queue.png'), fullPage: true });
      });

      await t.test('a decline moves the offer to the other agent', async () => {
        await agentDecline(ana);
        const ring = await agentWaitRing(ben, UI_TIMEOUT_MS);
        assert.equal(ring.callId, callId);
        assert.equal(ring.title, PRODUCT.title);
        assert.equal(ring.language, 'es');
        assert.equal(await ana.locator('#ring').count(), 0, 'Ana no longer rings');
        assert.equal((await agentPresence(ana)).state, 'available', 'declining keeps Ana available');
      });

      await t.test('the call connects with media both ways', async () => {
        await agentAccept(ben);
        await shopperWaitConnected(shopper, UI_TIMEOUT_MS);
        const [onShopper, onAgent] = await Promise.all([waitForFlowingMedia(shopper, MEDIA_TIMEOUT_MS), waitForFlowingMedia(ben, MEDIA_TIMEOUT_MS)]);
        assert.ok(onShopper.ok, `shopper receives: ${JSON.stringify(onShopper.last)}`);
        assert.ok(onAgent.ok, `agent receives: ${JSON.stringify(onAgent.last)}`);
        await ben.waitForSelector('#call-status[data-state="connected"]', { timeout: 5_000 });
        await ben.waitForSelector('#presence[data-state="busy"]', { timeout: 5_000 });
        const context = await ben.locator('#call-context').innerText();
        assert.match(context, /Lucía/);
        assert.match(context, new RegExp(PRODUCT.title));
        await ben.fill('#call-notes', 'Wants the graphite one; asked about folding for travel.');
        await waitBoardAgent(supervisor, 'ben', 'busy');
        await ben.screenshot({ path: join(artifactsDir, 'desk-in-call.png') });
      });

      await t.test('the supervisor joins listen-only: receives both parties, publishes nothing', async () => {
        const listen = supervisor.locator(`#calls-table [data-listen="${callId}"]`);
        await listen.waitFor({ timeout: UI_TIMEOUT_MS });
        assert.match(await supervisor.locator(`#calls-table tr[data-call-id="${callId}"]`).innerText(), /ben/);
        await listen.click();
        await supervisor.waitForSelector('#listen[data-state="live"]', { timeout: UI_TIMEOUT_MS });
        const media = await waitForFlowingMedia(supervisor, MEDIA_TIMEOUT_MS);
        // When it fails: what the server offered the listener, and what the SFU counted.
        const why = async () => {
          const offered = await supervisor.evaluate(() => ({
            tracks: [...window.showroomCall.tracks.values()].map((t) => `${t.kind}/${t.source}/${t.participant_id}/layers=${t.layers}`),
            transceivers: window.showroomCall.subscriber.getTransceivers().map((tr) => `${tr.mid}:${tr.receiver.track.kind}:${tr.currentDirection}`),
          }));
          const sfu = (await fetch(`${server.base}/metrics`).then((r) => r.text())).split('\n').filter((l) => /^showroom_sfu_(keyframe|pli|fir|drop)/.test(l)).join('\n');
          return `supervisor receives: ${JSON.stringify(media.last)}; offered ${JSON.stringify(offered)}; sfu:\n${sfu}`;
        };
        assert.ok(media.ok, media.ok ? '' : await why());
        await supervisor.waitForFunction(() => document.querySelectorAll('#listen-tiles .listen-tile').length >= 2, null, { timeout: 10_000 });
        const roles = await supervisor.$$eval('#listen-tiles .listen-tile', (els) => els.map((e) => e.dataset.role).sort());
        assert.deepEqual(roles, ['agent', 'customer']);
        const sending = await supervisor.evaluate(async () => {
          const pc = window.showroomCall.publisher;
          let outbound = 0;
          (await pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp') outbound += 1; });
          return { senders: pc.getSenders().length, outbound, listenOnly: [...window.showroomCall.participants.values()].length };
        });
        assert.equal(sending.senders, 0, 'no tracks published');
        assert.equal(sending.outbound, 0, 'no outbound RTP');
        assert.equal(await boardAgent(supervisor, 'ana').then((a) => a?.presence), 'available');
        await supervisor.screenshot({ path: join(artifactsDir, 'supervisor.png'), fullPage: true });
        // The parties keep their media while someone listens.
        const again = await waitForFlowingMedia(shopper, MEDIA_TIMEOUT_MS);
        assert.ok(again.ok, `shopper media after the supervisor joined: video ${again.videoOk}, audio ${again.audioOk}; last ${JSON.stringify(again.last)}`);
      });

      await t.test('the shopper ends and rates; the agent wraps up and is available again', async () => {
        await shopperEndAndRate(shopper, 5, 'Muy útil, gracias');
        await ben.waitForSelector('#wrapup', { timeout: UI_TIMEOUT_MS });
        await ben.waitForSelector('#presence[data-state="wrap_up"]', { timeout: UI_TIMEOUT_MS });
        await ben.waitForFunction(() => /\d.*left/.test(document.getElementById('wrapup-timer')?.textContent ?? ''), null, { timeout: 5_000 });
        assert.match(await ben.inputValue('#wrapup-notes'), /graphite/, 'notes from the call carry over');
        await waitBoardAgent(supervisor, 'ben', 'wrap_up');
        await ben.selectOption('#disposition', 'sale');
        await ben.screenshot({ path: join(artifactsDir, 'desk-wrap-up.png') });
        await agentWrapUp(ben, 'sale', 'Wants the graphite one; asked about folding for travel. Sent the case link.');
        await ben.waitForSelector('#presence[data-state="available"]', { timeout: 5_000 });
        await waitBoardAgent(supervisor, 'ben', 'available');
        await supervisor.waitForSelector(`#calls-table tr[data-call-id="${callId}"]`, { state: 'detached', timeout: 10_000 });
      });

      await t.test('the rating and the wrap-up are stored (the call record of the review API)', async () => {
        const { token } = await fetch(`${server.base}/v1/review/token?identity=qa&tenant=default`).then((r) => r.json());
        // The call is concluded and stored a few seconds after it ends.
        let record = null;
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          const res = await fetch(`${server.base}/v1/calls/${callId}`, { headers: { Authorization: `Bearer ${token}` } });
          if (res.status === 200) {
            record = await res.json();
            if (record.wrap_up && record.rating) break;
          }
          await sleep(500);
        }
        t.diagnostic(`call record: ${JSON.stringify({ wrap_up: record?.wrap_up, rating: record?.rating })}`);
        assert.ok(record, `GET /v1/calls/${callId} never answered 200`);
        assert.equal(record.rating?.stars, 5);
        assert.equal(record.rating?.comment, 'Muy útil, gracias');
        assert.equal(record.wrap_up?.agent, 'ben');
        assert.equal(record.wrap_up?.disposition, 'sale');
        assert.match(record.wrap_up?.notes ?? '', /Sent the case link/);
        const metrics = await fetch(`${server.base}/metrics`).then((r) => r.text());
        assert.match(metrics, /showroom_desk_ratings_total\{[^}]*stars="5"[^}]*\} 1/);
      });

      await t.test('an English shopper never rings the Spanish-only agents', async () => {
        const cal = await newPage('cal');
        const shopper2 = await newPage('shopper-en');
        try {
          await agentSignIn(cal, server.base, { identity: 'cal', name: 'Cal', languages: ['en'] });
          await shopperStartCall(shopper2, server.base, { lang: 'en', name: 'Sam' });
          const ring = await agentWaitRing(cal, UI_TIMEOUT_MS);
          assert.equal(ring.language, 'en');
          await sleep(2_000);
          assert.equal(await ana.locator('#ring').count(), 0, 'Ana (es) is not rung for an English shopper');
          assert.equal(await ben.locator('#ring').count(), 0, 'Ben (es) is not rung for an English shopper');
        } finally {
          await shopper2.context().close();
          await cal.context().close();
        }
      });
    } finally {
      for (const p of [ana, ben, shopper, supervisor]) await p.context().close();
    }
  });
  test('a missed ring sets Away with a way back; A accepts; the agent hangs up; wrap-up runs out by itself', async (t) => {
    // A server of its own with short timers: offers time out after 3 s, wrap-up lasts 4 s.
    const quick = await startServer(requireServerBinary(), { env: { SHOWROOM_OFFER_TIMEOUT_S: '3', SHOWROOM_WRAP_UP_S: '4' }, logName: 'server-desk-timers.log' });
    const dana = await newPage('dana');
    let shopper = await newPage('shopper-timers');
    try {
      await agentSignIn(dana, quick.base, { identity: 'dana', name: 'Dana', languages: ['de'] });
      await shopperStartCall(shopper, quick.base, { lang: 'de', name: 'Jonas' });
      const ring = await agentWaitRing(dana, UI_TIMEOUT_MS);
      assert.equal(ring.language, 'de');

      await t.test('an unanswered ring goes away and sets the agent Away, saying why', async () => {
        await dana.waitForSelector('#ring', { state: 'detached', timeout: 8_000 });
        await dana.waitForSelector('#presence[data-state="away"]', { timeout: 3_000 });
        assert.match(await dana.locator('#presence-label').textContent(), /missed/i);
        const alert = dana.locator('#desk-alert');
        assert.match(await alert.innerText(), /missed a call/i);
        await dana.screenshot({ path: join(artifactsDir, 'desk-missed.png') });
        await alert.getByRole('button', { name: 'Go available' }).click();
        await dana.waitForSelector('#presence[data-state="available"]', { timeout: 5_000 });
      });

      await t.test('back to available, the next shopper rings; the A key accepts', async () => {
        // The server does not offer a call again to an agent who let it time out, so the first
        // shopper (nobody else speaks German here) gives up and a second one calls.
        await shopper.context().close();
        shopper = await newPage('shopper-timers-2');
        await shopperStartCall(shopper, quick.base, { lang: 'de', name: 'Mia' });
        const next = await agentWaitRing(dana, UI_TIMEOUT_MS);
        assert.notEqual(next.callId, ring.callId);
        assert.equal(next.name, 'Mia');
        await dana.keyboard.press('a');
        await shopperWaitConnected(shopper, UI_TIMEOUT_MS);
        const media = await waitForFlowingMedia(dana, MEDIA_TIMEOUT_MS);
        assert.ok(media.ok, `agent receives: ${JSON.stringify(media.last)}`);
      });

      await t.test('the agent hangs up; wrap-up ends by itself and the form stays to be saved', async () => {
        await dana.click('#end-call');
        await dana.waitForSelector('#wrapup', { timeout: 5_000 });
        await dana.waitForSelector('#presence[data-state="wrap_up"]', { timeout: 5_000 });
        assert.match(await dana.locator('.wrapup-summary').textContent(), /You ended the call/);
        await dana.waitForSelector('#presence[data-state="available"]', { timeout: 8_000 });
        await dana.waitForSelector('#wrapup[data-state="late"]', { timeout: 2_000 });
        await agentWrapUp(dana, 'resolved', 'Late notes still count.');
        await dana.waitForSelector('#wrapup', { state: 'detached', timeout: 5_000 });
        await dana.waitForSelector('#idle-host .idle-card[data-state="available"]', { timeout: 5_000 });
      });
    } finally {
      await shopper.context().close();
      await dana.context().close();
      await quick.stop();
    }
  });
});
