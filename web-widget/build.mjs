// Bundles src/ into dist/ and copies the static pages. `node build.mjs --watch` rebuilds on change.
import { build, context } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const watch = process.argv.includes('--watch');

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(join(root, 'static'), dist, { recursive: true });

const options = {
  // One bundle per page. Add entries here, one per line.
  entryPoints: {
    agent: join(root, 'src/agent.ts'),
    review: join(root, 'src/review.ts'),
    showroom: join(root, 'src/widget/loader.ts'),
    'showroom-call': join(root, 'src/widget/call.ts'),
    supervisor: join(root, 'src/supervisor.ts'),
  },
  outdir: dist,
  bundle: true,
  format: 'iife',
  target: ['chrome110', 'firefox115', 'safari16'],
  sourcemap: true,
  minify: !watch,
  logLevel: 'info',
};

if (watch) {
  const ctx = await context(options);
  await ctx.watch();
} else {
  await build(options);
  checkTagSize();
}

/**
 * The tag (showroom.js) is what every product page view pays for: print its gzipped size and
 * fail the build above the budget. The call UI (showroom-call.js) loads on click; printed too.
 */
function checkTagSize() {
  const TAG_BUDGET_BYTES = 40 * 1024;
  const gz = (name) => gzipSync(readFileSync(join(dist, name)), { level: 9 }).length;
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  const tag = gz('showroom.js');
  const call = gz('showroom-call.js');
  console.log(`showroom.js (tag, loads with the page): ${kb(tag)} gzipped (budget ${kb(TAG_BUDGET_BYTES)})`);
  console.log(`showroom-call.js (call UI, loads on click): ${kb(call)} gzipped`);
  if (tag > TAG_BUDGET_BYTES) {
    console.error(`showroom.js is ${kb(tag)} gzipped, over its ${kb(TAG_BUDGET_BYTES)} budget`);
    process.exit(1);
  }
}
