// End-to-end browser test: a customer on the product page calls, an agent answers on the desk,
// and both sides must receive decoded video and audio through the real showroom server.
//
//   SHOWROOM_BIN=/path/to/showroom [SHOWROOM_TEST_WAV=/path/to/speech.wav] npm test
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  artifactsDir,
  asrModelFile,
  callStatus,
  connectCall,
  launchBrowser,
  requireServerBinary,
  startServer,
  testWav,
  waitForFlowingMedia,
  inboundStats,
  outboundVideoLayers,
} from './harness.mjs';

const MEDIA_TIMEOUT_MS = 20_000;
const UI_TIMEOUT_MS = 15_000;
/** The fake microphone loops the wav; a final line should come within one or two loops. */
const TRANSCRIPT_TIMEOUT_MS = 30_000;
/** Words of the JFK sentence ("ask not what your country can do for you…"); any one will do. */
const JFK_WORDS = ['country', 'america', 'fellow', 'ask'];
/** Both fake microphones loop; their phases drift until the agent starts over the customer. */
const OVERTALK_TIMEOUT_MS = 60_000;
/** How long a call must keep its media flowing after it first flows. */
const HOLD_MS = Number(process.env.SHOWROOM_TEST_HOLD_MS ?? 10_000);

const report = (side, r) =>
  `${side}: video ${r.videoOk ? 'ok' : 'NOT decoding'}, audio ${r.audioOk ? 'ok' : 'NOT arriving'}; ` +
  `first stats ${JSON.stringify(r.history?.find((h) => !h.error) ?? null)}; ` +
  `last stats ${JSON.stringify(r.last)}; status ${JSON.stringify(r.status ?? null)}`;

describe('showroom web widget against the real server', () => {
  let server;
  let browser;

  before(async () => {
    const bin = requireServerBinary();
    mkdirSync(artifactsDir, { recursive: true });
    const wav = testWav();
    server = await startServer(bin);
    browser = await launchBrowser(wav);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    await server?.stop();
  });

  async function newPage(name) {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 820 },
      permissions: ['camera', 'microphone'],
    });
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.log(`[${name} ${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) => console.log(`[${name} pageerror] ${e.message}`));
    return page;
  }

  test('customer calls, agent answers, both receive audio and video', async (t) => {
    const customer = await newPage('customer');
    const agent = await newPage('agent');
    try {
      await connectCall(customer, agent, server.base, UI_TIMEOUT_MS);

      let flowingSince = Date.now();
      await t.test('both sides decode remote video and receive remote audio', async (t) => {
        const [onCustomer, onAgent] = await Promise.all([
          waitForFlowingMedia(customer, MEDIA_TIMEOUT_MS),
          waitForFlowingMedia(agent, MEDIA_TIMEOUT_MS),
        ]);
        flowingSince = Date.now();
        t.diagnostic(`customer inbound: ${JSON.stringify(onCustomer.last)}`);
        t.diagnostic(`agent inbound: ${JSON.stringify(onAgent.last)}`);
        await Promise.all([
          customer.waitForSelector('#call-status[data-state="connected"]', { timeout: 5_000 }).catch(() => {}),
          agent.waitForSelector('#call-status[data-state="connected"]', { timeout: 5_000 }).catch(() => {}),
        ]);
        await customer.screenshot({ path: join(artifactsDir, 'customer.png') });
        await agent.screenshot({ path: join(artifactsDir, 'agent.png') });

        onCustomer.status = await callStatus(customer);
        onAgent.status = await callStatus(agent);
        assert.ok(onCustomer.videoOk, report('customer', onCustomer));
        assert.ok(onCustomer.audioOk, report('customer', onCustomer));
        assert.ok(onAgent.videoOk, report('agent', onAgent));
        assert.ok(onAgent.audioOk, report('agent', onAgent));
        assert.equal(onCustomer.status?.state, 'connected', report('customer', onCustomer));
        assert.equal(onAgent.status?.state, 'connected', report('agent', onAgent));
      });

      await t.test("the customer's words appear in the agent's live transcript", async (t) => {
        const model = asrModelFile();
        const serving = server.servingLine();
        t.diagnostic(`server: ${serving ?? '(no "showroom serving" line in the log)'}`);
        for (const l of server.asrLogLines()) t.diagnostic(`server: ${l.trim()}`);
        assert.ok(
          existsSync(model),
          `No Whisper model at ${model}, so the server runs without live transcripts. ` +
            'Install it with `showroom model fetch tiny.en` (or point SHOWROOM_ASR_MODEL_PATH at a ggml file).',
        );
        assert.match(serving ?? '', /transcripts=true/, `the server did not turn transcripts on (model ${model}); see ${server.logPath}`);

        const panelText = () => agent.evaluate(() => document.getElementById('transcript')?.innerText ?? null);
        const found = await agent
          .waitForFunction(
            (words) => {
              // Only the customer's own final lines count: the agent's microphone plays the
              // same recording.
              const lines = [...document.querySelectorAll('#transcript .transcript-line[data-status="final"][data-role="customer"]')];
              const text = lines.map((l) => l.querySelector('.tl-text')?.textContent ?? '').join(' ').toLowerCase();
              return words.some((w) => text.includes(w));
            },
            JFK_WORDS,
            { timeout: TRANSCRIPT_TIMEOUT_MS, polling: 250 },
          )
          .then(() => true, () => false);
        const text = await panelText();
        const lines = await agent.$$eval('#transcript .transcript-line', (els) => els.map((e) => `${e.dataset.role}/${e.dataset.status}: ${e.querySelector('.tl-text')?.textContent}`));
        for (const l of lines) t.diagnostic(`transcript ${l}`);
        await agent.screenshot({ path: join(artifactsDir, 'agent-transcript.png') });
        assert.ok(text !== null, 'the agent page has no #transcript panel');
        assert.ok(
          found,
          `within ${TRANSCRIPT_TIMEOUT_MS / 1000} s no final customer line containing one of ${JSON.stringify(JFK_WORDS)}; panel:\n${text}`,
        );
        const finals = await agent.locator('#transcript .transcript-line[data-status="final"][data-role="customer"]').count();
        assert.ok(finals >= 1);
      });

      await t.test('the customer turns captions on and sees what the expert says', async () => {
        // The agent's fake microphone plays the same wav, so the expert "speaks" too.
        assert.match(server.servingLine() ?? '', /transcripts=true/, `the server runs without transcripts (model ${asrModelFile()})`);
        const button = customer.locator('#captions');
        await button.focus();
        await customer.keyboard.press('Enter'); // Keyboard works, not only the mouse.
        assert.equal(await button.getAttribute('aria-pressed'), 'true');
        const shown = await customer
          .waitForFunction(() => {
            // The shopper's widget renders in the panel's (open) shadow root.
            const el = document.querySelector('showroom-panel')?.shadowRoot?.getElementById('caption-text');
            return !!el && !el.hidden && el.textContent.trim().length > 0;
          }, null, { timeout: TRANSCRIPT_TIMEOUT_MS, polling: 250 })
          .then(() => true, () => false);
        const caption = await customer.locator('#caption-text').textContent();
        await customer.screenshot({ path: join(artifactsDir, 'customer-captions.png') });
        assert.ok(shown, `no caption within ${TRANSCRIPT_TIMEOUT_MS / 1000} s (caption element: ${JSON.stringify(caption)})`);
      });

      await t.test('video goes up as simulcast layers and comes down as one stream', async (t) => {
        const layers = await outboundVideoLayers(customer);
        t.diagnostic(`customer outbound video: ${JSON.stringify(layers)}`);
        const active = layers.filter((l) => l.rid && l.bytesSent > 0);
        assert.ok(active.length >= 2, `expected at least two simulcast layers sending, got ${JSON.stringify(layers)}`);
        const inbound = await inboundStats(agent);
        assert.equal(inbound.video.streams, 1, `agent should receive exactly one video stream: ${JSON.stringify(inbound)}`);
      });

      await t.test(`media keeps flowing for ${HOLD_MS / 1000} s`, async () => {
        await customer.waitForTimeout(HOLD_MS);
        const [onCustomer, onAgent] = await Promise.all([
          waitForFlowingMedia(customer, 3_000),
          waitForFlowingMedia(agent, 3_000),
        ]);
        // Server-side peer state changes help tell a stalled SFU leg from a browser problem.
        const peerStates = readFileSync(server.logPath, 'utf8').replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => l.includes('peer_state')).join('\n');
        // The SFU's own counters (drops, NACKs, PLIs, layer switches) for the same moment.
        const sfuCounters = onCustomer.ok && onAgent.ok ? '' : await fetch(`${server.base}/metrics`)
          .then((r) => r.text())
          .then((t) => t.split('\n').filter((l) => l.startsWith('showroom_sfu_') && !l.includes('_bucket')).join('\n'))
          .catch((e) => `(metrics unavailable: ${e})`);
        const why = (side, r) => `${report(side, r)}\nserver peer states:\n${peerStates}\nsfu counters:\n${sfuCounters}`;
        assert.ok(onCustomer.ok, why(`customer after ${HOLD_MS / 1000} s`, onCustomer));
        assert.ok(onAgent.ok, why(`agent after ${HOLD_MS / 1000} s`, onAgent));
      });

      await t.test('the agent switches camera and the customer keeps seeing video', async () => {
        const before = await inboundStats(customer);
        await agent.click('#switch-camera');
        // replaceTrack: no renegotiation, no new stream; frames keep being decoded.
        await customer.waitForTimeout(1_500);
        const flowing = await waitForFlowingMedia(customer, 5_000);
        assert.ok(flowing.videoOk, report('customer after camera switch', flowing));
        assert.ok(flowing.last.video.framesDecoded > before.video.framesDecoded);
        assert.equal(flowing.last.video.streams, 1, 'still one video stream');
        assert.equal((await callStatus(agent))?.state, 'connected');
      });

      await t.test('the server follows the path each browser uses (no connection goes quiet)', async () => {
        // Chrome often nominates a first pair and moves to a better one a moment later; a server
        // that kept the first would hear nothing on it and flag it Disconnected after its 15 s
        // liveness timeout (then send media where the browser no longer listens). Wait past it.
        await customer.waitForTimeout(Math.max(0, flowingSince + 18_000 - Date.now()));
        const quiet = readFileSync(server.logPath, 'utf8').replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => l.includes('peer_state=Disconnected'));
        assert.deepEqual(quiet, [], 'connections the server stopped hearing from');
      });

      await t.test('ICE restarts on both connections keep the call', async () => {
        const ufrags = () => customer.evaluate(() => {
          const c = window.showroomCall;
          const ufrag = (d) => /a=ice-ufrag:(\S+)/.exec(d?.sdp ?? '')?.[1] ?? null;
          return { pub: ufrag(c.publisher.localDescription), sub: ufrag(c.subscriber.remoteDescription) };
        });
        const before = await ufrags();
        // What the page does by itself when a path dies (network change): restart both.
        await customer.evaluate(() => {
          window.showroomCall.restartIce('publisher');
          window.showroomCall.restartIce('subscriber');
        });
        await customer.waitForTimeout(2_000);
        const after = await ufrags();
        assert.notEqual(after.pub, before.pub, 'publisher got new ICE credentials');
        assert.notEqual(after.sub, before.sub, 'server offered new ICE credentials on the subscriber');
        const [onCustomer, onAgent] = await Promise.all([waitForFlowingMedia(customer, 8_000), waitForFlowingMedia(agent, 8_000)]);
        assert.ok(onCustomer.ok, report('customer after ICE restart', onCustomer));
        assert.ok(onAgent.ok, report('agent after ICE restart', onAgent));
      });

      await t.test('the call survives a dropped signaling socket (resume)', async () => {
        const before = await customer.evaluate(() => window.showroomCall.participantId);
        await customer.evaluate(() => window.showroomCall.socket.close());
        await customer.waitForFunction(
          (pid) => window.showroomCall?.state === 'connected' && window.showroomCall.socket?.readyState === 1 && window.showroomCall.participantId === pid,
          before,
          { timeout: UI_TIMEOUT_MS },
        );
        assert.equal((await callStatus(customer)).state, 'connected');
        assert.equal((await callStatus(agent)).state, 'connected', 'the agent should not see the customer leave');
      });

      await t.test('hanging up ends the call on both sides', async () => {
        await customer.click('#end-call');
        await customer.waitForSelector('#call-status[data-state="ended"]', { timeout: 5_000 });
        const agentEnded = await agent
          .waitForSelector('#call-status:is([data-state="ended"], [data-state="idle"])', { timeout: 10_000 })
          .then(() => true, () => false);
        assert.ok(agentEnded, `the agent page should leave the call: ${JSON.stringify(await callStatus(agent))}`);
      });
    } finally {
      await customer.context().close();
      await agent.context().close();
    }
  });

  test('overtalk: the agent is told when they talk over the customer (real call)', async (t) => {
    // Two browser processes, because the fake microphone file is per process: the customer
    // loops the JFK sentence (11 s), the agent loops 3 s of silence + the same sentence (14 s).
    // The loops drift 3 s against each other per round, so the agent keeps starting to speak
    // while the customer is mid-sentence: real interruptions, detected by the server from the
    // media. (A LibriVox reading as the agent's voice was resolved as interruptions but never
    // alerted live: its onsets were too soft against the agent's own level.)
    assert.ok(existsSync(asrModelFile()), `no Whisper model at ${asrModelFile()}: the server sends no overtalk without one`);
    assert.match(server.servingLine() ?? '', /transcripts=true/, `the server runs without transcripts (model ${asrModelFile()})`);
    const dir = mkdtempSync(join(tmpdir(), 'showroom-overtalk-'));
    const agentWav = join(dir, 'agent-48k.wav');
    execFileSync('sox', [testWav(), '-r', '48000', '-c', '1', '-b', '16', agentWav, 'pad', '3', '0']);
    const agentBrowser = await launchBrowser(agentWav);
    const open = async (b, name) => {
      const ctx = await b.newContext({ viewport: { width: 1280, height: 820 }, permissions: ['camera', 'microphone'] });
      const page = await ctx.newPage();
      page.on('pageerror', (e) => console.log(`[${name} pageerror] ${e.message}`));
      return page;
    };
    const customer = await open(browser, 'overtalk-customer');
    const agent = await open(agentBrowser, 'overtalk-agent');
    // Every change of the banner, with the page's clock, to check the show/hide sequence afterwards.
    await agent.addInitScript(() => {
      window.__overtalkLog = [];
      const watch = () => {
        const el = document.getElementById('overtalk-banner');
        if (!el) return setTimeout(watch, 50);
        const note = () => window.__overtalkLog.push({ t: performance.now(), state: el.dataset.state, who: el.dataset.who ?? null, id: el.dataset.id ?? null, text: el.textContent });
        new MutationObserver(note).observe(el, { attributes: true, attributeFilter: ['data-state'] });
      };
      document.addEventListener('DOMContentLoaded', watch);
    });
    try {
      await connectCall(customer, agent, server.base, UI_TIMEOUT_MS);
      const media = await waitForFlowingMedia(agent, MEDIA_TIMEOUT_MS);
      assert.ok(media.ok, report('agent', media));

      const alerted = await agent
        .waitForSelector('#overtalk-banner[data-state="shown"][data-who="agent"]', { timeout: OVERTALK_TIMEOUT_MS })
        .then(() => true, () => false);
      await agent.screenshot({ path: join(artifactsDir, 'agent-overtalk-real.png') });
      const overtalkLog = () => readFileSync(server.logPath, 'utf8').replace(/\x1b\[[0-9;]*m/g, '').split('\n').filter((l) => /overtalk/i.test(l)).slice(-20).join('\n');
      assert.ok(alerted, `no "talking over the customer" banner within ${OVERTALK_TIMEOUT_MS / 1000} s; server overtalk lines:\n${overtalkLog()}`);
      assert.match(await agent.locator('#overtalk-banner').textContent(), /You're talking over the customer/);
      assert.equal(await agent.locator('#overtalk-banner').getAttribute('role'), 'status');

      // The agent keeps reading for seconds: resolved as an interruption → counted and marked.
      const counted = await agent
        .waitForFunction(() => Number(document.getElementById('talkover-count')?.dataset.count ?? 0) >= 1, null, { timeout: OVERTALK_TIMEOUT_MS, polling: 250 })
        .then(() => true, () => false);
      assert.ok(counted, `the talk-over counter never left 0: ${await agent.locator('#call-context').innerText()}\n${overtalkLog()}`);
      const markers = await agent.$$eval('.transcript-marker[data-interrupter="agent"]', (els) => els.map((e) => e.textContent));
      t.diagnostic(`agent overlap markers: ${JSON.stringify(markers)}`);
      assert.ok(markers.length >= 1 && markers.every((m) => /⟂ overlap \d+\.\d s/.test(m)), JSON.stringify(markers));
      const count = Number(await agent.locator('#talkover-count').getAttribute('data-count'));
      assert.equal(await agent.locator('#talkover-count').textContent(), `Talk-overs: ${count}`);

      // Every banner shown for an agent alert is taken down again (resolved + ~4 s, or retracted).
      await agent.waitForTimeout(7_000);
      const log = await agent.evaluate(() => window.__overtalkLog);
      for (const e of log) t.diagnostic(`banner ${Math.round(e.t)} ms ${e.state} ${e.who ?? ''} #${e.id ?? ''} ${e.text}`);
      const firstShown = log.findIndex((e) => e.state === 'shown' && e.who === 'agent');
      assert.ok(firstShown >= 0);
      const cleared = log.slice(firstShown + 1).find((e) => e.state !== 'shown');
      assert.ok(cleared, `the agent banner was never taken down: ${JSON.stringify(log)}`);
      await agent.screenshot({ path: join(artifactsDir, 'agent-overtalk-real-after.png') });
    } finally {
      await customer.context().close();
      await agentBrowser.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('error states are shown, not hung on', async (t) => {
    // 1. A token for another role pasted into the console: refused, naming the role, before the desk is asked.
    const agent = await newPage('agent-wrong-token');
    try {
      const created = await fetch(`${server.base}/v1/calls`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' }).then((r) => r.json());
      await agent.goto(`${server.base}/agent`);
      await agent.fill('#signin-token', created.token);
      await agent.click('#signin-token-submit');
      const error = agent.locator('#signin-error');
      await error.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      t.diagnostic(`customer token on the desk: ${await error.innerText()}`);
      assert.match(await error.innerText(), /role “customer”/);
      assert.equal(await agent.locator('#desk').isVisible(), false, 'the console stays closed');
    } finally {
      await agent.context().close();
    }

    // 2. A desk token the server does not accept: the desk socket refuses it and the console says why.
    const badDesk = await newPage('agent-bad-token');
    try {
      await badDesk.route('**/v1/desk/token*', (route) =>
        route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ token: 'not-a-valid-token' }) }),
      );
      await badDesk.goto(`${server.base}/agent?identity=bad&autosignin=1`);
      await badDesk.waitForSelector('#call-status[data-state="error"]', { timeout: UI_TIMEOUT_MS });
      t.diagnostic(`bad desk token: ${JSON.stringify(await callStatus(badDesk))}`);
      assert.equal(await badDesk.locator('#signin-error').isVisible(), true);
      assert.match(await badDesk.locator('#signin-error').innerText(), /token_invalid/, 'names the code');
      assert.equal(await badDesk.locator('#desk').isVisible(), false, 'the console stays closed');
    } finally {
      await badDesk.context().close();
    }

    // 3. A customer whose call token is rejected by /v1/signal: the panel shows the error code.
    const customer = await newPage('customer-bad-token');
    try {
      await customer.route('**/v1/calls', (route) =>
        route.request().method() === 'POST'
          ? route.fulfill({
              status: 201,
              contentType: 'application/json',
              body: JSON.stringify({ call_id: 'bogus', token: 'not-a-valid-token', participant_token_expires_at: 0 }),
            })
          : route.continue(),
      );
      // Someone is online (so the widget offers the call rather than a callback).
      await customer.route('**/v1/desk/availability*', (route) =>
        route.fulfill({
          status: 200,
          contentType: 'application/json',
          body: JSON.stringify({ tenant: 'default', language: 'en', open: true, agents_online: 1, agents_available: 1, waiting: 0, estimated_wait_s: 0, hours: null, next_open_at_ms: null }),
        }),
      );
      await customer.goto(`${server.base}/`);
      await customer.locator('showroom-widget').getByRole('button', { name: 'Video call with an expert' }).click();
      await customer.locator('showroom-panel .start-video:enabled').click();
      await customer.waitForSelector('#call-status[data-state="error"]', { timeout: UI_TIMEOUT_MS });
      const screen = customer.locator('showroom-panel [data-screen="error"]');
      const message = await screen.innerText();
      t.diagnostic(`bad call token: ${JSON.stringify(await callStatus(customer))} / ${message}`);
      assert.match(message, /token/i);
      assert.equal(await screen.getByRole('button', { name: 'Try again' }).isVisible(), true, 'offers a way out');
    } finally {
      await customer.context().close();
    }
  });
});
