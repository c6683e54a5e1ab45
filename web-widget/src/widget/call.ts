// The call UI bundle (showroom-call.js): loaded by the tag when the shopper clicks, it registers
// itself as window.__showroomCallUI and runs the flow inside the panel the tag opened.

import { CALL_UI_GLOBAL, type CallUiHost, type CallUiModule } from './contract';
import { CALL_CSS } from './call-styles';
import { ShopperFlow } from './flow';

const styled = new WeakSet<ShadowRoot>();

const callUi: CallUiModule = {
  start(host: CallUiHost) {
    if (!styled.has(host.shadow)) {
      const style = document.createElement('style');
      style.textContent = CALL_CSS;
      host.shadow.append(style);
      styled.add(host.shadow);
    }
    const flow = new ShopperFlow(host);
    // Leaving the page leaves the call at once (the expert is not left waiting for a timeout).
    const leave = () => flow.stop();
    window.addEventListener('pagehide', leave);
    void flow.begin();
    return {
      stop() {
        window.removeEventListener('pagehide', leave);
        flow.stop();
      },
    };
  },
};

(window as unknown as Record<string, unknown>)[CALL_UI_GLOBAL] = callUi;
