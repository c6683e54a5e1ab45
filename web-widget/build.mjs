// Bundles src/ into dist/ and copies the static pages. `node build.mjs --watch` rebuilds on change.
import { build, context } from 'esbuild';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
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
    product: join(root, 'src/product.ts'),
    agent: join(root, 'src/agent.ts'),
    review: join(root, 'src/review.ts'),
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
}
