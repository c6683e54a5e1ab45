import { launchBrowser, startServer, testWav, waitForFlowingMedia, inboundStats, callStatus } from './harness.mjs';
const server = await startServer(process.env.SHOWROOM_BIN);
const browser = await launchBrowser(testWav());
const mk = async (n) => { const c = await browser.newContext(); const p = await c.newPage(); p.on('console', m => console.log(`[${n}] ${m.text()}`));
  p.on('websocket', ws => { const t0=Date.now(); ws.on('framesent', f => console.log(`[${n} >] ${f.payload.toString().slice(0,160)}`)); ws.on('framereceived', f => console.log(`[${n} <] ${f.payload.toString().slice(0,200)}`)); ws.on('close', () => console.log(`[${n}] ws closed`)); });
  return p; };
try {
  const cu = await mk('cust'), ag = await mk('agent');
  await cu.goto(server.base + '/'); await cu.click('#video-call');
  await ag.goto(server.base + '/agent'); await ag.click('.answer');
  console.log('media', (await waitForFlowingMedia(cu, 20000)).ok, (await waitForFlowingMedia(ag, 20000)).ok);
  console.log('----- DROP');
  await cu.evaluate(() => window.showroomCall.ws.close());
  for (let i = 0; i < 15; i++) {
    await cu.waitForTimeout(1000);
    const st = await inboundStats(cu);
    const ice = await cu.evaluate(() => [window.showroomCall.publisher.iceConnectionState, window.showroomCall.subscriber.iceConnectionState, window.showroomCall.state]);
    const sa = await inboundStats(ag);
    console.log(new Date().toISOString(), 'cust', st.video.framesDecoded, st.audio.packetsReceived, ice.join(','), '| agent', sa.video.framesDecoded, sa.audio.packetsReceived);
  }
} finally { await browser.close(); await server.stop(); }
