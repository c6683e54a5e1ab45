// The QA reviewer's pages (/review) against the real server and a real call: a customer calls
// from the product page, an agent answers, the fake microphone reads the JFK sentence, the call
// ends and the server concludes it (transcript, overlaps, score, index, recordings). Then a
// reviewer signs in, finds the call by a phrase, opens it, plays from a transcript line and
// overrides a verdict. A second server with demo sign-in off checks the pasted-token path.
//
//   SHOWROOM_BIN=/path/to/showroom SHOWROOM_TEST_WAV=/path/to/jfk-48k.wav npm test
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { artifactsDir, asrModelFile, connectCall, launchBrowser, requireServerBinary, startServer, testWav, waitForFlowingMedia } from './harness.mjs';

const UI_TIMEOUT_MS = 15_000;
/** How long the call runs: the 11 s JFK sentence once and a half, several finals per party. */
const CALL_MS = 15_000;
/** The server concludes and indexes a call a few seconds after it ends. */
const INDEX_TIMEOUT_MS = 60_000;
/** The tenant the demo product page creates its calls in (POST /v1/calls without `tenant`). */
const TENANT = 'default';
const PHRASE = '"your country"';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe('review pages against the real server', () => {
  let bin;
  let server;
  let browser;
  const dirs = [];
  const servers = [];

  const tempDir = (name) => {
    const d = mkdtempSync(join(tmpdir(), `showroom-review-${name}-`));
    dirs.push(d);
    return d;
  };

  before(async () => {
    bin = requireServerBinary();
    mkdirSync(artifactsDir, { recursive: true });
    const wav = testWav();
    // A store of its own: results come from this run's call only.
    server = await startServer(bin, { env: { SHOWROOM_DATA_DIR: tempDir('data') }, logName: 'server-review.log' });
    servers.push(server);
    browser = await launchBrowser(wav);
  });

  after(async () => {
    await browser?.close().catch(() => {});
    for (const s of servers) await s.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function newPage(name, opts = {}) {
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, ...opts });
    const page = await context.newPage();
    page.on('console', (m) => {
      // The 4xx answers these tests provoke on purpose are logged by Chromium too; not news.
      if (/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
      if (m.type() === 'error' || m.type() === 'warning') console.log(`[${name} ${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (e) => console.log(`[${name} pageerror] ${e.message}`));
    return page;
  }

  /** The whole page in one shot (a tall viewport, so the sticky header stays on top). */
  async function fullScreenshot(page, file) {
    const size = page.viewportSize();
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    await page.setViewportSize({ width: size.width, height: Math.min(4000, height) });
    await page.screenshot({ path: join(artifactsDir, file) });
    await page.setViewportSize(size);
  }

  async function api(base, token, path, init = {}) {
    const res = await fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
    const text = await res.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Keep the text.
    }
    return { status: res.status, body };
  }

  /** A real call of CALL_MS through the server; resolves with its id once it has ended. */
  async function makeCall() {
    const customer = await newPage('customer', { permissions: ['camera', 'microphone'] });
    const agent = await newPage('agent', { permissions: ['camera', 'microphone'] });
    try {
      await connectCall(customer, agent, server.base, UI_TIMEOUT_MS);
      const media = await waitForFlowingMedia(agent, 20_000);
      assert.ok(media.ok, `the call's media never flowed: ${JSON.stringify(media.last)}`);
      const callId = await customer.evaluate(() => window.showroomCall?.callId ?? null);
      assert.match(callId ?? '', /^CA_/, 'the customer page knows its call id');
      await customer.waitForTimeout(CALL_MS);
      await customer.click('#end-call');
      await customer.waitForSelector('#call-status[data-state="ended"]', { timeout: 5_000 });
      return callId;
    } finally {
      await customer.context().close();
      await agent.context().close();
    }
  }

  test('a reviewer finds a real call by a phrase, plays it from a line and overrides a verdict', async (t) => {
    assert.ok(existsSync(asrModelFile()), `no Whisper model at ${asrModelFile()}: without transcripts there is nothing to search`);
    assert.match(server.servingLine() ?? '', /transcripts=true/, `the server runs without transcripts (see ${server.logPath})`);

    const callId = await makeCall();
    t.diagnostic(`call ${callId} ended`);

    // The reviewer API as the page will use it: a demo token, then search until indexed.
    const tokenRes = await fetch(`${server.base}/v1/review/token?identity=qa-setup&tenant=${TENANT}`);
    assert.equal(tokenRes.status, 200, 'demo reviewer token');
    const { token } = await tokenRes.json();
    const deadline = Date.now() + INDEX_TIMEOUT_MS;
    let last = null;
    for (;;) {
      last = await api(server.base, token, '/v1/search?q=country&sort=newest');
      if (last.status === 200 && last.body.hits?.some((h) => h.call.id === callId)) break;
      assert.ok(
        Date.now() < deadline,
        `call ${callId} was not found by GET /v1/search?q=country within ${INDEX_TIMEOUT_MS / 1000} s after it ended ` +
          `(last answer ${last.status}: ${JSON.stringify(last.body).slice(0, 400)}); server log: ${server.logPath}`,
      );
      await sleep(1_000);
    }
    const segments = (await api(server.base, token, `/v1/calls/${callId}/segments`)).body.segments;
    t.diagnostic(`indexed; ${segments.length} segments: ${segments.map((s) => `${s.role}@${s.start_s.toFixed(2)} "${s.text}"`).join(' | ')}`);
    assert.ok(segments.length >= 3, `expected several transcript lines, got ${segments.length}`);
    // Recordings are published once the transcript is complete (masked parts silenced): wait.
    let recordings = [];
    for (let i = 0; i < 30; i++) {
      const r = await api(server.base, token, `/v1/calls/${callId}/recordings`);
      recordings = r.status === 200 ? r.body.recordings ?? [] : [];
      if (recordings.length >= 2) break;
      await sleep(500);
    }
    t.diagnostic(`recordings: ${JSON.stringify(recordings.map(({ role, start_s, duration_s, bytes }) => ({ role, start_s, duration_s, bytes })))}`);
    await t.test('the server serves each listed recording whole', async () => {
      assert.ok(recordings.length >= 2, `GET /v1/calls/${callId}/recordings lists ${recordings.length} recordings; expected one per party`);
      for (const r of recordings) {
        const res = await fetch(`${server.base}${r.url}?access_token=${encodeURIComponent(token)}`);
        const body = Buffer.from(await res.arrayBuffer());
        assert.equal(res.status, 200, `GET ${r.url}: HTTP ${res.status}`);
        assert.ok(r.bytes > 0 && body.length === r.bytes && body.subarray(0, 4).toString('latin1') === 'OggS',
          `GET ${r.url} (${r.role}) sent ${body.length} bytes starting ${JSON.stringify(body.subarray(0, 4).toString('latin1'))}; the listing says ${r.bytes} bytes, ${r.duration_s} s`);
      }
    });

    const page = await newPage('reviewer');
    // The recording requests, to tell a refused file from a player problem if playback fails.
    const mediaLog = [];
    page.on('response', async (res) => {
      const url = new URL(res.url());
      if (!/\/recordings\/[^/]+\.ogg$/.test(url.pathname)) return;
      const entry = { file: url.pathname.split('/').pop(), status: res.status(), range: res.request().headers()['range'] ?? null, contentRange: res.headers()['content-range'] ?? null };
      if (res.status() >= 400) entry.body = await res.text().catch((e) => String(e));
      mediaLog.push(entry);
    });
    page.on('requestfailed', (req) => {
      if (/\/recordings\//.test(req.url())) mediaLog.push({ file: new URL(req.url()).pathname.split('/').pop(), failed: req.failure()?.errorText ?? 'failed' });
    });
    try {
      // Sign-in.
      await page.goto(`${server.base}/review`);
      await page.waitForSelector('#demo-signin', { timeout: UI_TIMEOUT_MS });
      await page.fill('#signin-identity', 'qa-lead');
      await page.fill('#signin-tenant', TENANT);
      await page.click('#demo-signin');
      await page.waitForSelector('#search-view', { timeout: UI_TIMEOUT_MS });
      assert.equal(await page.locator('#review-identity').textContent(), 'qa-lead', 'the header names who is signed in');
      assert.equal(await page.locator('#sign-out').isVisible(), true, 'a sign-out is offered');
      const stored = await page.evaluate(() => sessionStorage.getItem('showroom.review.session'));
      assert.match(stored ?? '', /"token":"eyJ/, 'the token is kept in sessionStorage');

      // A query the server cannot run: its message is shown next to the box.
      await page.fill('#q', '"your country');
      await page.press('#q', 'Enter');
      await page.waitForSelector('#q-error:not([hidden])', { timeout: UI_TIMEOUT_MS });
      const queryError = await page.locator('#q-error').textContent();
      t.diagnostic(`bad query: ${queryError}`);
      assert.match(queryError, /quote/i, 'the server says what is wrong with the query');
      assert.equal(await page.locator('#q').getAttribute('aria-invalid'), 'true');

      // The phrase from the speech finds the call, with the words marked.
      await page.fill('#q', PHRASE);
      await page.press('#q', 'Enter');
      const result = page.locator(`.result[data-call-id="${callId}"]`);
      await result.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      assert.equal(await page.locator('#q-error').isVisible(), false, 'the query error is gone');
      const marks = await result.locator('mark').allTextContents();
      t.diagnostic(`marks: ${JSON.stringify(marks)}`);
      assert.ok(marks.length >= 1, 'the matched words are marked');
      assert.ok(marks.every((m) => /your|country/i.test(m)), `only the searched words are marked: ${JSON.stringify(marks)}`);
      assert.match(marks.join(' ').toLowerCase(), /country/);
      assert.match(await result.locator('.result-matches').textContent(), /\d+ matching line/);
      assert.match(await result.locator('.snippet .snip-time').first().textContent(), /^\d\d:\d\d$/);
      assert.match(await page.locator('#results-summary').textContent(), /1 call matches/);
      assert.equal(new URLSearchParams(new URL(page.url()).hash.slice(1)).get('q'), PHRASE, 'the search is in the URL');
      await page.screenshot({ path: join(artifactsDir, 'review-search.png') });

      // Reload keeps the search (state in the URL, token in sessionStorage).
      await page.reload();
      await result.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      assert.equal(await page.locator('#q').inputValue(), PHRASE);

      // The call: facts, timeline, transcript, scorecard, metrics, recordings.
      await result.locator('.result-link').click();
      await page.waitForSelector('#call-view[data-ready="true"]', { timeout: UI_TIMEOUT_MS });
      assert.equal(new URL(page.url()).hash, `#call=${callId}`);
      assert.match(await page.locator('#call-facts').textContent(), new RegExp(callId));
      assert.equal(await page.locator('#timeline').isVisible(), true, 'the speaker timeline is drawn');
      // What the page drew against what the API has now (a party's last final may still be
      // stored after the call was concluded and indexed; the page shows what it loaded).
      const shown = (await api(server.base, token, `/v1/calls/${callId}/segments`)).body.segments;
      if (shown.length !== segments.length) t.diagnostic(`segments changed after the call was indexed: ${segments.length} → ${shown.length}`);
      const bars = await page.locator('#timeline .tl-seg').count();
      assert.equal(bars, shown.length, 'one timeline bar per transcript segment');
      const lanes = await page.$$eval('#timeline .tl-seg', (els) => [...new Set(els.map((e) => e.dataset.role))].sort());
      assert.deepEqual(lanes, ['agent', 'customer'], 'both parties have bars on their lanes');
      await page.locator('#scorecard .score-big').waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      const criteria = await page.locator('#scorecard .criterion').count();
      assert.ok(criteria >= 1, 'the scorecard lists its criteria');
      assert.equal(await page.locator('#talk-bar').isVisible(), true, 'the talk metrics picture is shown');
      const lines = page.locator('#review-transcript .rt-line');
      assert.equal(await lines.count(), shown.length, 'one transcript line per segment');

      // Click a line (not the first): the audio goes there and plays.
      const audioCount = await page.locator('audio.review-audio').count();
      const noRecording = (await page.locator('#player-note').textContent()) ?? '';
      assert.ok(audioCount >= 1, `no <audio> for the call's recordings (API listed ${recordings.length}; page says: ${noRecording.trim()})`);
      const index = Math.min(3, segments.length - 1);
      const line = lines.nth(index);
      const lineStart = Number(await line.getAttribute('data-start'));
      const role = await line.getAttribute('data-role');
      const rec = recordings.find((r) => r.role === role);
      assert.ok(rec, `no ${role} recording listed by the API: ${JSON.stringify(recordings)}`);
      const expected = lineStart - rec.start_s;
      await line.click();
      const audio = page.locator(`#audio-${role}`);
      const at = await audio.evaluate((a) => a.currentTime);
      t.diagnostic(`line ${index} (${role}) starts at ${lineStart.toFixed(2)} s; recording starts at ${rec.start_s.toFixed(2)} s; audio currentTime ${at.toFixed(2)} s (expected ${expected.toFixed(2)})`);
      const audioState = () => page.$$eval('audio.review-audio', (els) => els.map((a) => ({
        id: a.id, currentTime: a.currentTime, duration: a.duration, readyState: a.readyState, networkState: a.networkState,
        paused: a.paused, seeking: a.seeking, error: a.error?.code ?? null, startS: a.dataset.startS,
      })));
      if (Math.abs(at - expected) > 0.5) {
        const current = await page.$$eval('.rt-line[aria-current="true"]', (els) => els.map((e) => `${e.dataset.role}@${e.dataset.start}`));
        t.diagnostic(`recording requests: ${JSON.stringify(mediaLog)}`);
        t.diagnostic(`audio: ${JSON.stringify(await audioState())}; player: ${await page.locator('#player').getAttribute('data-state')} / ${await page.locator('#player-note').textContent()}; current lines ${JSON.stringify(current)}; playhead ${await page.locator('#timeline').getAttribute('aria-valuenow')}`);
      }
      assert.ok(Math.abs(at - expected) <= 0.5, `audio currentTime ${at} is not within 0.5 s of ${expected}`);
      assert.equal(await line.getAttribute('aria-current'), 'true', 'the line being played is highlighted');
      await page.waitForFunction(
        ({ id, from }) => {
          const a = document.getElementById(id);
          return !!a && !a.paused && a.currentTime > from + 0.3;
        },
        { id: `audio-${role}`, from: at },
        { timeout: 5_000 },
      );
      const playhead = await page.locator('#timeline').getAttribute('aria-valuenow');
      assert.ok(Math.abs(Number(playhead) - lineStart) <= 2, `the timeline playhead (${playhead} s) follows the audio (${lineStart} s)`);
      await page.click('#play'); // Pause.
      await page.waitForFunction((id) => document.getElementById(id)?.paused === true, `audio-${role}`, { timeout: 2_000 });

      // Override the first criterion: a comment is required.
      const first = page.locator('#scorecard .criterion').first();
      const criterion = await first.getAttribute('data-criterion');
      const before = await first.getAttribute('data-verdict');
      await first.locator('[data-override]').click();
      const form = first.locator('.override-form');
      const save = form.locator('button[type="submit"]');
      assert.equal(await save.isDisabled(), true, 'Save is disabled without a comment');
      await form.locator('textarea').fill('   ');
      assert.equal(await save.isDisabled(), true, 'a blank comment does not count');
      const verdict = before === 'fail' ? 'pass' : 'fail';
      await form.locator(`input[value="${verdict}"]`).check();
      const comment = `Checked by ear at ${new Date().toISOString()}: verdict corrected.`;
      await form.locator('textarea').fill(comment);
      assert.equal(await save.isDisabled(), false, 'Save is enabled with a comment');
      await save.click();
      const inForce = first.locator('.override-in-force');
      await inForce.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      assert.match(await inForce.textContent(), new RegExp(comment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.equal(await first.getAttribute('data-verdict'), verdict, 'the verdict in force is the override');
      assert.equal(await first.locator('.override-form').count(), 0, 'the form closes once saved');
      assert.match(await first.locator('.override-in-force').textContent(), /qa-lead/, 'the reviewer is named');
      const scores = await api(server.base, token, `/v1/calls/${callId}/scores`);
      assert.equal(scores.body.overrides_in_force?.[criterion]?.comment, comment, 'the server stored the override');
      assert.equal(scores.body.overrides_in_force?.[criterion]?.reviewer, 'qa-lead');
      await fullScreenshot(page, 'review-call.png');

      // Back returns to the same results.
      await page.goBack();
      await result.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      assert.equal(await page.locator('#q').inputValue(), PHRASE);
      assert.equal(await page.locator('audio.review-audio').count(), 0, 'leaving the call stops its audio');

      // The "failed criterion" filter goes by the verdict in force, i.e. the override just made.
      await page.fill('#f-failed', criterion);
      // Wait for the filtered search itself to be answered, not for the old results to be idle.
      const filtered = page.waitForResponse((r) => r.url().includes('/v1/search?') && r.url().includes(`failed=${criterion}`), { timeout: UI_TIMEOUT_MS });
      await page.press('#f-failed', 'Enter');
      await page.waitForFunction((c) => new URLSearchParams(location.hash.slice(1)).get('failed') === c, criterion, { timeout: UI_TIMEOUT_MS });
      await filtered;
      await page.waitForSelector('#results[aria-busy="false"]', { timeout: UI_TIMEOUT_MS });
      const listed = await page.locator(`.result[data-call-id="${callId}"]`).count();
      t.diagnostic(`failed=${criterion} after overriding it to ${verdict}: ${await page.locator('#results-summary').textContent()}`);
      assert.equal(listed, verdict === 'fail' ? 1 : 0, `failed=${criterion} ${verdict === 'fail' ? 'lists' : 'leaves out'} the call once it is overridden to ${verdict}`);
      assert.equal(await page.locator('#filter-count').textContent(), '1', 'the active filter is counted');
      await page.click('#clear-filters');
      await result.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });

      // Export: the file comes from the server with the reviewer's token.
      const download = page.waitForEvent('download', { timeout: UI_TIMEOUT_MS });
      await page.click('#export-csv');
      const file = await download;
      const csvPath = join(tempDir('export'), file.suggestedFilename());
      await file.saveAs(csvPath);
      const csv = readFileSync(csvPath, 'utf8');
      assert.match(csv.split('\n')[0], /^call_id,/, 'a CSV with a header');
      assert.match(csv, new RegExp(callId), 'the export lists the call');

      // Sign out: the token is gone and the sign-in form is back.
      await page.click('#sign-out');
      await page.waitForSelector('#demo-signin', { timeout: UI_TIMEOUT_MS });
      assert.equal(await page.evaluate(() => sessionStorage.getItem('showroom.review.session')), null);
    } finally {
      await page.context().close();
    }
  });

  test('with demo sign-in off the page explains it and accepts a pasted reviewer token', async (t) => {
    const secret = `review-test-${process.pid}`;
    const env = { SHOWROOM_DATA_DIR: tempDir('nodemo'), SHOWROOM_DEMO: 'false', SHOWROOM_TOKEN_SECRET: secret, SHOWROOM_RECORDING_ENABLED: 'false' };
    const closed = await startServer(bin, { env, logName: 'server-review-nodemo.log' });
    servers.push(closed);
    const mint = (role, s = secret, tenant = TENANT) =>
      execFileSync(bin, ['token', '--role', role, '--identity', 'rev-7', ...(tenant ? ['--tenant', tenant] : []), '--ttl', '600'], { env: { ...process.env, SHOWROOM_TOKEN_SECRET: s } })
        .toString()
        .trim()
        .split('\n')
        .pop();
    const page = await newPage('reviewer-nodemo');
    try {
      await page.goto(`${closed.base}/review`);
      await page.click('#demo-signin');
      const error = page.locator('#demo-error');
      await error.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      t.diagnostic(`demo off: ${await error.textContent()}`);
      assert.match(await error.textContent(), /turned off/i);
      assert.match(await error.textContent(), /paste/i, 'it offers the other way in');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'signin-token', 'the token box has the focus');

      // An agent's token is not for these pages: said before asking the server.
      await page.fill('#signin-token', mint('agent'));
      await page.click('#paste-signin');
      await page.locator('#paste-error').waitFor({ state: 'visible' });
      assert.match(await page.locator('#paste-error').textContent(), /role “agent”/);

      // A reviewer token from another server (other secret): the server refuses it.
      await page.fill('#signin-token', mint('reviewer', 'another-secret'));
      await page.click('#paste-signin');
      await page.waitForFunction(() => /does not accept/.test(document.getElementById('paste-error')?.textContent ?? ''), null, { timeout: UI_TIMEOUT_MS });

      // The right one signs in.
      await page.fill('#signin-token', mint('reviewer'));
      await page.click('#paste-signin');
      await page.waitForSelector('#search-view', { timeout: UI_TIMEOUT_MS });
      assert.equal(await page.locator('#review-identity').textContent(), 'rev-7');
      await page.waitForFunction(() => /No calls yet/.test(document.getElementById('results-summary')?.textContent ?? ''), null, { timeout: UI_TIMEOUT_MS });

      // A call that is not there (or in another shop) is explained, with a way back.
      await page.goto(`${closed.base}/review#call=CA_nope`);
      const alert = page.locator('#call-error');
      await alert.waitFor({ state: 'visible', timeout: UI_TIMEOUT_MS });
      assert.match(await alert.textContent(), /no call CA_nope in your shop/i);
      assert.equal(await alert.locator('a').isVisible(), true, 'a way back to the results');

      // An admin token without a shop: the page lets them choose the shop to search.
      await page.click('#sign-out');
      await page.fill('#signin-token', mint('admin', secret, null));
      await page.click('#paste-signin');
      await page.waitForSelector('#search-view', { timeout: UI_TIMEOUT_MS });
      assert.match(await page.locator('#review-who').textContent(), /admin.*any shop/);
      await page.fill('#f-tenant', 'shop-b');
      await page.press('#f-tenant', 'Enter');
      await page.waitForFunction(() => new URLSearchParams(location.hash.slice(1)).get('tenant') === 'shop-b', null, { timeout: UI_TIMEOUT_MS });
      await page.waitForFunction(() => /No calls yet/.test(document.getElementById('results-summary')?.textContent ?? ''), null, { timeout: UI_TIMEOUT_MS });
    } finally {
      await page.context().close();
    }
  });
});
