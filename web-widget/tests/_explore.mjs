import { launchBrowser, startServer, testWav, waitForFlowingMedia, inboundStats, callStatus } from '/work/main/web-widget/tests/harness.mjs';
const server = await startServer(process.env.SHOWROOM_BIN);
const browser = await launchBrowser(testWav());
const mk = async (n) => { const c = await browser.newContext(); const p = await c.newPage(); p.on('console', m => console.log(`[${n}] ${m.text()}`)); return p; };
try {
  const cu = await mk('cust'), ag = await mk('agent');
  await cu.goto(server.base + '/'); await cu.fill('#customer-name', 'Sam'); await cu.click('#video-call');
  await ag.goto(server.base + '/agent'); await ag.click('.answer');
  console.log('media', (await waitForFlowingMedia(cu, 20000)).ok, (await waitForFlowingMedia(ag, 20000)).ok);
  // mute mic on customer → agent sees badge?
  await cu.click('#mute-mic'); await ag.waitForTimeout(1000);
  console.log('agent muted badge visible:', await ag.locator('#remote-muted').isVisible());
  await cu.click('#mute-mic');
  await cu.click('#camera-off'); await ag.waitForTimeout(1000);
  console.log('agent remote-video-off:', await ag.evaluate(() => document.querySelector('.stage').className));
  await cu.click('#camera-off');
  // switch camera on agent
  await ag.click('#switch-camera'); await ag.waitForTimeout(1500);
  console.log('after switch, customer media:', (await waitForFlowingMedia(cu, 8000)).ok);
  // drop the websocket of customer
  await cu.evaluate(() => window.showroomCall.ws.close());
  await cu.waitForTimeout(300);
  console.log('cust status after drop:', await callStatus(cu), await cu.locator('#reconnect-banner').isVisible());
  await cu.waitForTimeout(3000);
  console.log('cust status later:', await callStatus(cu), 'state', await cu.evaluate(() => window.showroomCall.state));
  for (let i = 0; i < 6; i++) {
    await cu.waitForTimeout(1000);
    const st = await inboundStats(cu);
    const ice = await cu.evaluate(() => [window.showroomCall.publisher.iceConnectionState, window.showroomCall.subscriber.iceConnectionState, window.showroomCall.state]);
    const sa = await inboundStats(ag);
    console.log(new Date().toISOString(), 'cust', JSON.stringify(st), ice.join(','), '| agent', JSON.stringify(sa));
  }
  console.log('media after resume:', (await waitForFlowingMedia(cu, 8000)).ok, (await waitForFlowingMedia(ag, 8000)).ok);
  // ICE restart publisher & subscriber
  await cu.evaluate(() => { const c = window.showroomCall; c.pub.restartIce(); c.negotiatePublisher(true); c.send({type:'restart_ice', pc:'subscriber'}); });
  await cu.waitForTimeout(3000);
  console.log('after ICE restart:', await callStatus(cu), (await waitForFlowingMedia(cu, 8000)).ok, (await waitForFlowingMedia(ag, 8000)).ok);
  console.log('ice states', await cu.evaluate(() => [window.showroomCall.publisher.iceConnectionState, window.showroomCall.subscriber.iceConnectionState]));
  await cu.screenshot({ path: '/work/main/artifacts/browser/explore-customer.png' });
  await ag.screenshot({ path: '/work/main/artifacts/browser/explore-agent.png' });
  await ag.click('#end-call');
  await cu.waitForTimeout(1500);
  console.log('customer after agent hangs up:', await callStatus(cu), await cu.locator('#call-message').innerText());
  await ag.waitForTimeout(500);
  console.log('agent:', await callStatus(ag));
} finally { await browser.close(); await server.stop(); }
