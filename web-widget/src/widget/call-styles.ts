// Styles of the call UI, added to the panel's shadow root when showroom-call.js loads. The call
// stage rules follow static/styles.css (the agent desk uses the same CallStage markup).

export const CALL_CSS = `
.wide { width: 100%; }
.small { font-size: 13px; }
.fine { font-size: 12px; color: var(--sr-muted); text-align: center; }
.error-text { color: var(--sr-danger); font-weight: 600; }
.actions { display: grid; gap: 8px; }
.field { display: grid; gap: 4px; font-size: 13px; font-weight: 600; color: var(--sr-ink); }
.field .muted { font-weight: 400; }
input[type="text"], select, textarea { width: 100%; margin: 0; padding: 9px 11px; border-radius: 10px; border: 1.5px solid #cfcac2;
  background: #fff; font-size: 15px; font-weight: 400; line-height: 1.35; }
textarea { resize: vertical; min-height: 44px; }
input[type="text"]:focus, select:focus, textarea:focus { border-color: var(--sr-accent); outline: 2px solid var(--sr-accent); outline-offset: 0; }
.sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.check { width: 48px; height: 48px; margin: 0 auto; border-radius: 50%; display: grid; place-items: center;
  background: var(--sr-accent); color: var(--sr-accent-text); font-size: 26px; font-weight: 800; }

/* device check */
.preview { position: relative; aspect-ratio: 16 / 9; border-radius: 12px; overflow: hidden; background: #1b1f25; }
.preview-video { width: 100%; height: 100%; object-fit: cover; transform: scaleX(-1); display: block; }
.preview-wait { position: absolute; inset: 0; display: grid; place-content: center; gap: 6px; padding: 20px; text-align: center;
  color: #d9dde3; font-size: 14px; }
.preview-wait .spinner { border-color: rgba(255, 255, 255, .2); border-top-color: #fff; }
.preview.live .preview-wait { display: none; }
.meter-row { display: flex; align-items: center; gap: 10px; font-size: 13px; font-weight: 600; }
.meter { flex: 1; height: 8px; border-radius: 999px; background: var(--sr-soft); overflow: hidden; box-shadow: inset 0 0 0 1px var(--sr-line); }
.meter-bar { display: block; height: 100%; width: 100%; background: #1f9d55; transform-origin: left; transform: scaleX(0); transition: transform 80ms linear; }
.pickers { display: grid; gap: 8px; }
.pickers label { display: grid; gap: 4px; font-size: 13px; font-weight: 600; }

/* camera help */
.steps { margin: 0; padding-left: 22px; display: grid; gap: 6px; }
.media-help p { line-height: 1.5; }

/* callback */
.hours { display: grid; gap: 8px; padding: 12px 14px; border-radius: 12px; background: var(--sr-soft); }
.hours-table { border-collapse: collapse; width: 100%; font-size: 14px; }
.hours-table caption { text-align: left; font-size: 12px; font-weight: 600; color: var(--sr-muted); padding-bottom: 4px; }
.hours-table th { text-align: left; font-weight: 600; padding: 2px 12px 2px 0; }
.hours-table td { text-align: right; padding: 2px 0; font-variant-numeric: tabular-nums; }
.hours-table tr.today th, .hours-table tr.today td { color: var(--sr-accent); }
.callback-form, .rating-form { display: grid; gap: 10px; }
.form-title { font-weight: 600; }

/* rating */
.stars-field { border: 0; margin: 0; padding: 0; min-width: 0; display: grid; gap: 6px; justify-items: center; }
.stars-field legend { padding: 0; margin: 0 auto 6px; text-align: center; }
.stars { display: flex; gap: 4px; justify-content: center; }
.star { position: relative; cursor: pointer; font-size: 36px; line-height: 1; color: #d6d1c8; padding: 2px; border-radius: 8px; }
.star input { position: absolute; opacity: 0; inset: 0; margin: 0; cursor: pointer; }
.star:has(input:focus-visible) { outline: 3px solid var(--sr-accent); outline-offset: 1px; }
.star:has(~ .star input:checked), .star:has(input:checked) { color: #e0a100; }
.stars:hover .star { color: #e0a100; }
.stars .star:hover ~ .star { color: #d6d1c8; }
.star-word { min-height: 20px; font-size: 13px; }

/* call stage */
.call-host { background: #111418; color: #fff; }
.stage { position: relative; background: #111418; }
.remote-tile { position: relative; aspect-ratio: 4 / 3; background: radial-gradient(circle at 50% 40%, #2a313b, #12161b); overflow: hidden; }
.remote-tile video { width: 100%; height: 100%; object-fit: cover; display: block; background: transparent; }
.placeholder { position: absolute; inset: 0; display: grid; place-content: center; text-align: center; gap: 6px;
  padding: 20px; color: #c9ced6; font-size: 14px; line-height: 1.45; }
.placeholder .big { color: #fff; font-size: 19px; }
.placeholder .hint { color: #8f97a3; font-size: 13px; max-width: 290px; margin: 4px auto 0; }
.waiting { display: grid; gap: 6px; justify-items: center; }
.queue-wait { color: #ffd27a; font-weight: 600; }
.waiting-actions { display: flex; gap: 8px; justify-content: center; margin-top: 8px; flex-wrap: wrap; }
.btn.dark { background: #272c34; color: #fff; padding: 8px 14px; font-size: 14px; }
.btn.dark:hover { background: #353b45; }
.spinner.light { border-color: rgba(255, 255, 255, .2); border-top-color: #fff; }
.stage.has-remote .placeholder { display: none; }
/* While waiting the tile holds the line's text: tall enough, and clear of the self view. */
.stage:not(.has-remote) .remote-tile { aspect-ratio: auto; min-height: 400px; }
.stage:not(.has-remote) .self-tile { width: 22%; }
.stage.live:not(.has-remote) .placeholder { padding-top: calc(16.5% + 22px); }
.stage:not(.has-remote) #remote-video, .stage:not(.has-remote) #remote-name { visibility: hidden; }
.stage.remote-video-off .remote-tile video { visibility: hidden; }
.stage.remote-video-off .remote-tile::after { content: "Camera off"; position: absolute; inset: 0; display: grid; place-items: center; color: #aab1bb; }
.tile-label { position: absolute; left: 10px; bottom: 10px; font-size: 12px; font-weight: 600;
  background: rgba(0, 0, 0, .55); padding: 3px 8px; border-radius: 6px; color: #fff; }
.badge { position: absolute; top: 10px; left: 10px; display: inline-flex; align-items: center; gap: 4px; font-size: 12px; font-weight: 600;
  padding: 3px 8px 3px 4px; border-radius: 6px; background: rgba(216, 59, 45, .85); color: #fff; }
.badge svg { width: 16px; height: 16px; }
.stage:not(.live) .self-tile, .stage:not(.live) .controls { display: none; }
.self-tile { position: absolute; top: 10px; right: 10px; width: 28%; aspect-ratio: 4 / 3; border-radius: 10px; overflow: hidden;
  background: #272c34; box-shadow: 0 6px 20px rgba(0, 0, 0, .5), 0 0 0 2px rgba(255, 255, 255, .8); z-index: 1; }
.self-tile video { width: 100%; height: 100%; object-fit: cover; transform: scaleX(-1); display: block; }
.stage.self-video-off .self-tile video, .audio-only .self-tile video { visibility: hidden; }
.audio-only .self-tile::before { content: "Audio only"; position: absolute; inset: 0; display: grid; place-items: center; font-size: 11px; color: #aab1bb; }
.self-tile .tile-label { left: 6px; bottom: 6px; font-size: 11px; }
.banner { position: absolute; top: 0; left: 0; right: 0; z-index: 3; padding: 9px 14px; font-size: 14px; font-weight: 600;
  background: #ffc14d; color: #2b2000; text-align: center; }
.banner .spinner.small { width: 14px; height: 14px; margin: 0; border-width: 2px; display: inline-block; vertical-align: -2px;
  border-color: rgba(0, 0, 0, .2); border-top-color: #000; }
.controls { display: flex; justify-content: center; gap: 8px; padding: 10px; background: #0c0f12; flex-wrap: wrap; }
.ctl { display: grid; justify-items: center; gap: 4px; min-width: 64px; padding: 8px 8px 6px; margin: 0;
  border: 0; border-radius: 12px; background: #272c34; color: #fff; font-size: 11px; font-weight: 600; line-height: 1.2; }
.ctl:hover:not(:disabled) { background: #353b45; }
.ctl[aria-pressed="true"], .ctl[aria-pressed="true"]:hover:not(:disabled) { background: #f3f4f6; color: #b3261e; }
.ctl.toggle[aria-pressed="true"], .ctl.toggle[aria-pressed="true"]:hover:not(:disabled) { background: #f3f4f6; color: var(--sr-accent); }
.ctl.danger { background: var(--sr-danger); }
.ctl.danger:hover:not(:disabled) { background: #b92f23; }
.caption { position: absolute; left: 50%; bottom: 40px; transform: translateX(-50%); z-index: 2;
  width: max-content; max-width: calc(100% - 32px); padding: 6px 12px; border-radius: 8px;
  background: rgba(0, 0, 0, .78); color: #fff; font-size: 16px; line-height: 1.4; text-align: center;
  display: -webkit-box; -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
.play-audio { position: absolute; left: 50%; bottom: 16px; transform: translateX(-50%); z-index: 2; border: 0; border-radius: 999px;
  padding: 9px 16px; font-weight: 700; background: #fff; color: #111; }
`;
