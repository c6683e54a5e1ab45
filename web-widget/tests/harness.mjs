// Test harness: start the real showroom server, a fake-media headless Chromium, and read WebRTC stats.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import dgram from 'node:dgram';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const widgetDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const repoDir = resolve(widgetDir, '..');
export const distDir = join(widgetDir, 'dist');
export const artifactsDir = join(repoDir, 'artifacts', 'browser');
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function requireServerBinary() {
  const bin = process.env.SHOWROOM_BIN;
  if (!bin) {
    throw new Error(
      'SHOWROOM_BIN is not set. Build the server (cargo build -p showroom) and run ' +
        '`SHOWROOM_BIN=/path/to/target/debug/showroom npm test`.',
    );
  }
  if (!existsSync(bin)) throw new Error(`SHOWROOM_BIN=${bin} does not exist.`);
  if (!existsSync(join(distDir, 'product.html'))) throw new Error(`${distDir} is not built: run \`npm run build\`.`);
  return bin;
}

export function freeTcpPort() {
  return new Promise((res, rej) => {
    const srv = net.createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

export function freeUdpPort() {
  return new Promise((res, rej) => {
    const sock = dgram.createSocket('udp4');
    sock.once('error', rej);
    sock.bind(0, '127.0.0.1', () => {
      const { port } = sock.address();
      sock.close(() => res(port));
    });
  });
}

/** `$SHOWROOM_CACHE`, else `$HOME/.cache/showroom` (as the server and the Rust tests resolve it). */
export function showroomCache() {
  return process.env.SHOWROOM_CACHE || join(process.env.HOME ?? '', '.cache', 'showroom');
}

/**
 * The Whisper model the spawned server will load, resolved as `AsrConfig::model_file` does:
 * SHOWROOM_ASR_MODEL_PATH, else `<models dir>/ggml-<model>.bin` with the models dir from
 * SHOWROOM_MODELS_DIR or `$SHOWROOM_CACHE/models` and the model from SHOWROOM_ASR_MODEL (tiny.en).
 */
export function asrModelFile() {
  if (process.env.SHOWROOM_ASR_MODEL_PATH) return resolve(process.env.SHOWROOM_ASR_MODEL_PATH);
  const dir = process.env.SHOWROOM_MODELS_DIR || join(showroomCache(), 'models');
  return join(dir, `ggml-${process.env.SHOWROOM_ASR_MODEL || 'tiny.en'}.bin`);
}

const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, '');

/**
 * Starts `showroom serve` on free ports; resolves once GET /healthz answers 200. `opts.env` adds
 * environment variables (e.g. SHOWROOM_DATA_DIR for a store of its own, SHOWROOM_DEMO=false);
 * `opts.logName` names the log file in artifacts/browser (default server.log).
 */
export async function startServer(bin, opts = {}) {
  const httpPort = await freeTcpPort();
  const udpPort = await freeUdpPort();
  mkdirSync(artifactsDir, { recursive: true });
  const logPath = join(artifactsDir, opts.logName ?? 'server.log');
  const log = createWriteStream(logPath);
  const args = ['serve', '--http', `127.0.0.1:${httpPort}`, '--udp', `127.0.0.1:${udpPort}`, '--web-dir', distDir];
  const env = { RUST_LOG: 'info', ...process.env, ...(opts.env ?? {}) };
  // Live transcripts: the server loads its Whisper model from the default location
  // ($SHOWROOM_CACHE/models/ggml-tiny.en.bin) unless SHOWROOM_ASR_MODEL_PATH names one.
  if (process.env.SHOWROOM_ASR_MODEL_PATH) env.SHOWROOM_ASR_MODEL_PATH = process.env.SHOWROOM_ASR_MODEL_PATH;
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let tail = '';
  let head = '';
  const keep = (chunk) => {
    log.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
    if (head.length < 64_000) head += chunk.toString();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.once('exit', (code, signal) => (exited = { code, signal }));

  const base = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      throw new Error(`showroom exited early (${JSON.stringify(exited)}): ${bin} ${args.join(' ')}\n${tail}`);
    }
    try {
      const res = await fetch(`${base}/healthz`);
      if (res.status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`showroom did not answer GET /healthz within 60 s (log: ${logPath})\n${tail}`);
    }
    await sleep(100);
  }
  return {
    base,
    logPath,
    /** The server's startup line ("showroom serving … transcripts=true|false"), ANSI stripped, or null. */
    servingLine() {
      return stripAnsi(head).split('\n').find((l) => l.includes('showroom serving')) ?? null;
    },
    /** Log lines about the Whisper model ("no Whisper model", "live transcripts on", load errors). */
    asrLogLines() {
      return stripAnsi(head).split('\n').filter((l) => /showroom_service/.test(l) && /whisper|transcripts/i.test(l) && !l.includes('showroom serving'));
    },
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) child.kill('SIGKILL');
      log.end();
    },
  };
}

/** Parses a PCM16 wav into { rate, channels, samples: Int16Array }. */
function readWav(buf) {
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a wav');
  let off = 12;
  let fmt = null;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    let size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = { format: buf.readUInt16LE(body), channels: buf.readUInt16LE(body + 2), rate: buf.readUInt32LE(body + 4), bits: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      size = Math.min(size, buf.length - body); // espeak-ng may leave a placeholder size
      if (!fmt || fmt.format !== 1 || fmt.bits !== 16) throw new Error('only PCM16 wav is supported');
      const samples = new Int16Array(size >> 1);
      for (let i = 0; i < samples.length; i++) samples[i] = buf.readInt16LE(body + 2 * i);
      return { rate: fmt.rate, channels: fmt.channels, samples };
    }
    off = body + size + (size & 1);
  }
  throw new Error('wav has no data chunk');
}

function writeWav48kMono(path, { rate, channels, samples }) {
  const frames = Math.floor(samples.length / channels);
  const outLen = Math.floor((frames * 48000) / rate);
  const out = Buffer.alloc(44 + outLen * 2);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + outLen * 2, 4);
  out.write('WAVEfmt ', 8, 'ascii');
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(48000, 24);
  out.writeUInt32LE(96000, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(outLen * 2, 40);
  for (let i = 0; i < outLen; i++) {
    const pos = (i * rate) / 48000;
    const i0 = Math.min(Math.floor(pos), frames - 1);
    const i1 = Math.min(i0 + 1, frames - 1);
    const f = pos - i0;
    const v = samples[i0 * channels] * (1 - f) + samples[i1 * channels] * f; // first channel
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v))), 44 + 2 * i);
  }
  writeFileSync(path, out);
}

/** The fake microphone's wav (48 kHz mono): $SHOWROOM_TEST_WAV, else an espeak-ng sentence. */
export function testWav() {
  const given = process.env.SHOWROOM_TEST_WAV;
  if (given) {
    if (!existsSync(given)) throw new Error(`SHOWROOM_TEST_WAV=${given} does not exist`);
    const wav = readWav(readFileSync(given));
    if (wav.rate === 48000 && wav.channels === 1) return resolve(given);
    // Chromium's fake capture is known to work with 48 kHz; convert anything else (jfk.wav is 16 kHz).
    const tag = createHash('sha256').update(resolve(given)).digest('hex').slice(0, 12);
    const converted = join(tmpdir(), `showroom-test-${tag}-48k.wav`);
    writeWav48kMono(converted, wav);
    return converted;
  }
  const raw = join(tmpdir(), 'showroom-test-espeak.wav');
  const path = join(tmpdir(), 'showroom-test-espeak-48k.wav');
  if (existsSync(path)) return path;
  execFileSync('espeak-ng', ['-w', raw, 'Hello, I would like to see the Aria headphones in graphite, please. Do they fold flat for travel?']);
  writeWav48kMono(path, readWav(readFileSync(raw)));
  return path;
}

/** Playwright's own --disable-features list, so ours can be merged into it (a second flag would win). */
async function playwrightDisabledFeatures() {
  const server = await chromium.launchServer({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  const args = server.process().spawnargs;
  await server.close();
  const arg = args.find((a) => a.startsWith('--disable-features='));
  return arg ? arg.slice('--disable-features='.length).split(',').filter(Boolean) : [];
}

/**
 * Headless Chromium with a fake camera and `wavPath` as the microphone. `grantMedia: false` leaves
 * out --use-fake-ui-for-media-stream, so camera and microphone follow the context's permissions
 * (`browser.newContext({ permissions: ['microphone'] })`: the camera is refused).
 */
export async function launchBrowser(wavPath, { grantMedia = true } = {}) {
  const theirs = await playwrightDisabledFeatures();
  const features = [...new Set([...theirs, 'WebRtcHideLocalIpsWithMdns'])];
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    ignoreDefaultArgs: theirs.length ? [`--disable-features=${theirs.join(',')}`] : [],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...(grantMedia ? ['--use-fake-ui-for-media-stream'] : []),
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wavPath}`,
      '--allow-loopback-in-peer-connection',
      `--disable-features=${features.join(',')}`,
    ],
  });
}

/** Inbound RTP totals on window.showroomCall.subscriber (null before the page has a call). */
export function inboundStats(page) {
  return page.evaluate(async () => {
    const call = window.showroomCall;
    if (!call || !call.subscriber || call.subscriber.signalingState === 'closed') return null;
    const report = await call.subscriber.getStats();
    const out = {
      video: { framesDecoded: 0, packetsReceived: 0, streams: 0, packetsLost: 0, keyFramesDecoded: 0, nackCount: 0, pliCount: 0, freezeCount: 0 },
      audio: { packetsReceived: 0, totalAudioEnergy: 0, streams: 0 },
      transport: null,
    };
    report.forEach((s) => {
      // When a stall happens, these tell a dead path (ICE/DTLS) from a decoder waiting for a keyframe.
      if (s.type === 'transport') out.transport = { ice: s.iceState ?? null, dtls: s.dtlsState ?? null, bytesReceived: s.bytesReceived ?? 0, bytesSent: s.bytesSent ?? 0 };
      if (s.type !== 'inbound-rtp') return;
      if (s.kind === 'video') {
        out.video.streams += 1;
        for (const k of ['framesDecoded', 'packetsReceived', 'packetsLost', 'keyFramesDecoded', 'nackCount', 'pliCount', 'freezeCount']) out.video[k] += s[k] ?? 0;
      } else if (s.kind === 'audio') {
        out.audio.streams += 1;
        out.audio.packetsReceived += s.packetsReceived ?? 0;
        out.audio.totalAudioEnergy += s.totalAudioEnergy ?? 0;
      }
    });
    return out;
  });
}

/**
 * Polls until remote video frames are decoded and audio packets arrive, both increasing between
 * two samples. Returns { ok, first, last, history }.
 */
export async function waitForFlowingMedia(page, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  const history = [];
  let prev = null;
  let videoOk = false;
  let audioOk = false;
  while (Date.now() < deadline) {
    const now = await inboundStats(page).catch((e) => ({ error: String(e) }));
    history.push({ t: Date.now(), ...now });
    if (now && !now.error && prev && !prev.error) {
      videoOk ||= prev.video.framesDecoded > 0 && now.video.framesDecoded > prev.video.framesDecoded;
      audioOk ||= prev.audio.packetsReceived > 0 && now.audio.packetsReceived > prev.audio.packetsReceived;
      if (videoOk && audioOk) return { ok: true, videoOk, audioOk, last: now, history };
    }
    if (now && !now.error) prev = now;
    await sleep(500);
  }
  return { ok: false, videoOk, audioOk, last: prev, history };
}

/**
 * The demo flow that starts every browser call. Agent half: an agent signs in to the console
 * first (so the call gets routed to them), then accepts the ring. Customer half: the shopper
 * presses "Video call" on the product page and waits.
 */
export async function connectCall(customer, agent, base, timeoutMs) {
  const identity = `expert-${Math.random().toString(36).slice(2, 8)}`;
  await agentSignIn(agent, base, { identity, name: 'Product expert', languages: ['en', 'es', 'de', 'fr'], timeoutMs });
  await shopperStartCall(customer, base, { timeoutMs });
  await agentWaitRing(agent, timeoutMs);
  await agentAccept(agent);
}

// ---- the agent console ------------------------------------------------------------------------

/**
 * Opens the agent console with demo sign-in (`/agent?identity=…&autosignin=1`, which also sets
 * the agent's languages and skills) and waits until the agent is available.
 */
export async function agentSignIn(page, base, { identity, name = identity, languages = ['en'], skills = [], timeoutMs = 15_000 } = {}) {
  const q = new URLSearchParams({ identity, name, languages: languages.join(','), skills: skills.join(','), autosignin: '1' });
  await page.goto(`${base}/agent?${q}`);
  await page.waitForSelector('#presence[data-state="available"]', { timeout: timeoutMs });
}

/** Waits for the ring and returns what it shows (the product card's fields, language, VIP, wait). */
export async function agentWaitRing(page, timeoutMs) {
  await page.waitForSelector('#ring #ring-accept:not([disabled])', { timeout: timeoutMs });
  return page.evaluate(() => {
    const ring = document.getElementById('ring');
    const field = (name) => ring.querySelector(`[data-field="${name}"]`);
    const text = (name) => field(name)?.textContent?.trim() ?? null;
    return {
      offerId: ring.dataset.offerId,
      callId: ring.dataset.callId,
      name: text('name'),
      language: field('language')?.dataset.lang ?? null,
      vip: ring.dataset.vip === 'true' && !!field('vip'),
      waited: text('waited'),
      skill: text('skill'),
      title: text('title'),
      price: text('price'),
      sku: text('sku'),
      image: field('image')?.getAttribute('src') ?? null,
      link: field('link')?.getAttribute('href') ?? null,
      countdown: document.getElementById('ring-countdown')?.textContent ?? null,
      text: ring.innerText,
    };
  });
}

export async function agentAccept(page) {
  await page.click('#ring-accept');
}

/** Declines the ring; resolves once it is gone. */
export async function agentDecline(page) {
  await page.click('#ring-decline');
  await page.waitForSelector('#ring', { state: 'detached', timeout: 5_000 });
}

/** Picks a disposition, writes notes and saves the wrap-up; resolves once the server confirmed it. */
export async function agentWrapUp(page, disposition, notes) {
  await page.waitForSelector('#wrapup', { timeout: 15_000 });
  await page.selectOption('#disposition', disposition);
  if (notes !== undefined) await page.fill('#wrapup-notes', notes);
  await page.click('#wrapup-save');
  await page.waitForSelector('#wrapup[data-state="saved"]', { timeout: 10_000 });
}

/** The agent's presence as the console shows it: { state, label, timer }. */
export function agentPresence(page) {
  return page.evaluate(() => {
    const el = document.getElementById('presence');
    return { state: el?.dataset.state ?? null, label: el?.querySelector('#presence-label')?.textContent ?? null, timer: el?.querySelector('#presence-timer')?.textContent ?? null };
  });
}

// ---- the shopper's widget ---------------------------------------------------------------------
// static/product.html embeds showroom.js; the widget renders in open shadow roots, which
// Playwright's CSS and role locators pierce (document.querySelector does not).

/** The widget's status element (`#call-status[data-state]` in the panel's shadow root). */
export const WIDGET_STATUS = 'showroom-panel #call-status';

/**
 * Opens the demo product page (`/?lang=&vip=&name=` plus `query`), clicks "Video call with an
 * expert", passes the device check with "Start video call" (or "Audio only" with `audioOnly`)
 * and waits for the waiting screen. Throws, saying so, when the widget offers a callback instead
 * (nobody online for that language) or shows the camera help.
 */
export async function shopperStartCall(page, base, { lang, vip, name, query, audioOnly = false, timeoutMs = 15_000 } = {}) {
  const params = new URLSearchParams(query ?? {});
  if (lang) params.set('lang', lang);
  if (vip) params.set('vip', '1');
  if (name) params.set('name', name);
  const qs = params.toString();
  await page.goto(`${base}/${qs ? `?${qs}` : ''}`);
  await page.locator('showroom-widget').getByRole('button', { name: 'Video call with an expert' }).click();
  const start = page.locator(audioOnly ? 'showroom-panel .start-audio:enabled' : 'showroom-panel .start-video:enabled');
  const offline = page.locator('showroom-panel [data-screen="callback"]');
  const help = page.locator('showroom-panel [data-screen="media-help"]');
  await start.or(offline).or(help).first().waitFor({ timeout: timeoutMs });
  if (await offline.isVisible()) throw new Error(`the widget offers a callback instead of a call: ${await offline.innerText()}`);
  if (await help.isVisible()) throw new Error(`the widget shows the camera help: ${await help.innerText()}`);
  await start.click();
  await page.waitForSelector(`${WIDGET_STATUS}[data-state="waiting"]`, { timeout: timeoutMs });
}

/** Waits until an expert has joined the shopper's call. */
export async function shopperWaitConnected(page, timeoutMs = 15_000) {
  await page.waitForSelector(`${WIDGET_STATUS}[data-state="connected"]`, { timeout: timeoutMs });
}

/** The waiting screen as the shopper sees it: { position, ringing, text }, or null when not waiting. */
export function shopperQueue(page) {
  return page.evaluate(() => {
    const el = document.querySelector('showroom-panel')?.shadowRoot?.querySelector('[data-screen="waiting"]');
    if (!el) return null;
    return { position: el.dataset.position ? Number(el.dataset.position) : null, ringing: el.dataset.ringing === 'true', text: el.innerText };
  });
}

/**
 * Hangs up with "End call", gives `stars` (1–5) and an optional comment on the rating screen and
 * waits for the thanks. Returns the call id it rated. `screenshot`: a path for the filled-in
 * rating panel, taken before it is sent.
 */
export async function shopperEndAndRate(page, stars, comment = '', timeoutMs = 10_000, { screenshot } = {}) {
  const callId = await page.evaluate(() => window.showroomCall?.callId ?? null);
  await page.locator('showroom-panel #end-call').click();
  await page.waitForSelector(`${WIDGET_STATUS}[data-state="ended"]`, { timeout: timeoutMs });
  const rating = page.locator('showroom-panel [data-screen="rating"]');
  await rating.waitFor({ timeout: timeoutMs });
  await rating.locator(`input[name="stars"][value="${stars}"]`).check();
  if (comment) await rating.locator('textarea[name="comment"]').fill(comment);
  if (screenshot) await page.locator('showroom-panel').screenshot({ path: screenshot });
  await rating.getByRole('button', { name: 'Send rating' }).click();
  await page.locator('showroom-panel [data-screen="thanks"]').waitFor({ timeout: timeoutMs });
  return callId;
}

/** Simulcast encodings the page's publisher connection is sending: [{ rid, bytesSent, frameWidth }]. */
export function outboundVideoLayers(page) {
  return page.evaluate(async () => {
    const call = window.showroomCall;
    if (!call || !call.publisher) return [];
    const report = await call.publisher.getStats();
    const out = [];
    report.forEach((s) => {
      if (s.type === 'outbound-rtp' && s.kind === 'video') out.push({ rid: s.rid ?? null, bytesSent: s.bytesSent ?? 0, frameWidth: s.frameWidth ?? 0 });
    });
    return out;
  });
}

/** Text of the #call-status element and its data-state (the agent's page, or the shopper's widget panel). */
export function callStatus(page) {
  return page.evaluate(() => {
    const el = document.getElementById('call-status') ?? document.querySelector('showroom-panel')?.shadowRoot?.getElementById('call-status');
    return el ? { state: el.dataset.state, text: el.textContent } : null;
  });
}
