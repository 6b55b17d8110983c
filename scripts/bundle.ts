/**
 * Build step after tsc: bundles dist/bin/main.js with @oclif/core and the commands into
 * dist/bundle/ (ESM, one chunk per command plus shared chunks), so that a start loads a few files
 * instead of ~300 (issue 15: start-up). The chunks sit two levels below the package root, as the
 * tsc output does, so paths the code takes from import.meta.url (../../package.json,
 * ../../profiles) hold in both.
 * Left out: typescript (oclif reads tsconfig with it only in development mode), ink and react
 * (the TTY progress view, loaded when shown), axios and execa (live engines only).
 * Run: npx tsx scripts/bundle.ts (npm run build runs it).
 */
import {rmSync} from 'node:fs';
import {build} from 'esbuild';

// Chunk names carry content hashes: clear the last build's so none is left behind.
rmSync('dist/bundle', {recursive: true, force: true});
await build({
  entryPoints: {main: 'dist/bin/main.js'},
  outdir: 'dist/bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Class and function names as written (error names, oclif's command class names).
  keepNames: true,
  // Mapped back through tsc's maps to the .ts sources: bin/run.js turns maps on for --debug stacks.
  sourcemap: true,
  external: ['typescript', 'ink', 'react', 'axios', 'execa'],
  // Bundled CommonJS (@oclif/core) calls require() for Node's modules and refers to __dirname.
  banner: {
    js: [
      "import {createRequire as __bundleRequire} from 'node:module';",
      "import {fileURLToPath as __bundleFile} from 'node:url';",
      "import {dirname as __bundleDir} from 'node:path';",
      'const require = __bundleRequire(import.meta.url);',
      'const __filename = __bundleFile(import.meta.url);',
      'const __dirname = __bundleDir(__filename);',
    ].join(' '),
  },
  logLevel: 'warning',
});
