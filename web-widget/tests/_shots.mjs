import { launchBrowser, startServer, testWav, waitForFlowingMedia } from './harness.mjs';
const server = await startServer(process.env.SHOWROOM_BIN);
const browser = await launchBrowser(testWav());
const mk = async () => (await browser.newContext({ viewport: { width: 1280, height: 820 } })).newPage();
const dir = '/work/main/artifacts/browser/';
try {
  const cu = await mk(), ag = await mk();
  await cu.goto(server.base + '/'); await cu.fill('#customer-name', 'Sam'); await cu.click('#video-call');
  await ag.goto(server.base + '/agent'); await ag.waitForSelector('.answer'); await ag.waitForTimeout(600); await ag.screenshot({ path: dir + 'x-agent-queue.png' });
  await ag.click('.answer');
  await waitForFlowingMedia(cu, 20000);
  await cu.click('#mute-mic'); await ag.waitForTimeout(800);
  await ag.screenshot({ path: dir + 'x-agent-muted.png' });
  await cu.screenshot({ path: dir + 'x-cust-muted.png' });
  // reconnecting banner: block the new socket for a while by closing repeatedly
  await cu.evaluate(() => { window.__drops = 0; const c = window.showroomCall; const kill = () => { if (window.__drops++ < 6) { c.socket?.close(); setTimeout(kill, 200); } }; kill(); });
  await cu.waitForTimeout(250);
  await cu.screenshot({ path: dir + 'x-cust-reconnecting.png' });
  await cu.waitForTimeout(4000);
  await ag.click('#end-call'); await cu.waitForTimeout(1000);
  await cu.screenshot({ path: dir + 'x-cust-ended.png' });
  await ag.screenshot({ path: dir + 'x-agent-ended.png' });
} finally { await browser.close(); await server.stop(); }
