import { launchBrowser, startServer, testWav, waitForFlowingMedia, inboundStats, callStatus } from './harness.mjs';
const server = await startServer(process.env.SHOWROOM_BIN);
const browser = await launchBrowser(testWav());
const t0 = Date.now();
const ts = () => ((Date.now() - t0) / 1000).toFixed(2);
const mk = async (n) => { const c = await browser.newContext(); const p = await c.newPage(); p.on('console', m => console.log(`${ts()} [${n}] ${m.text()}`));
  p.on('websocket', ws => { ws.on('framesent', f => { const s=f.payload.toString(); if (!s.includes('"candidate"')) console.log(`${ts()} [${n} >] ${s.slice(0,140)}`)}); ws.on('framereceived', f => {const s=f.payload.toString(); if (!s.includes('"candidate"')) console.log(`${ts()} [${n} <] ${s.slice(0,140)}`)}); });
  return p; };
const snap = async (label, cu, ag) => { const a = await inboundStats(cu), b = await inboundStats(ag); console.log(`${ts()} == ${label}: cust v${a?.video.framesDecoded} a${a?.audio.packetsReceived} | agent v${b?.video.framesDecoded} a${b?.audio.packetsReceived}`); };
try {
  const cu = await mk('cust'), ag = await mk('agent');
  await cu.goto(server.base + '/'); await cu.click('#video-call');
  await ag.goto(server.base + '/agent'); await ag.click('.answer');
  console.log('media', (await waitForFlowingMedia(cu, 20000)).ok, (await waitForFlowingMedia(ag, 20000)).ok);
  await snap('start', cu, ag);
  await cu.click('#mute-mic'); await ag.waitForTimeout(1000); await snap('cust muted', cu, ag);
  await cu.click('#mute-mic'); await ag.waitForTimeout(1000); await snap('cust unmuted', cu, ag);
  await cu.click('#camera-off'); await ag.waitForTimeout(1000); await snap('cust cam off', cu, ag);
  await cu.click('#camera-off'); await ag.waitForTimeout(1000); await snap('cust cam on', cu, ag);
  await ag.click('#switch-camera'); await ag.waitForTimeout(1000); await snap('agent switched', cu, ag);
  await ag.waitForTimeout(1000); await snap('agent switched +1', cu, ag);
  await ag.waitForTimeout(1000); await snap('agent switched +2', cu, ag);
} finally { await browser.close(); await server.stop(); }
