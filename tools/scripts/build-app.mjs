#!/usr/bin/env node
// Bundle one service for production:
//
//   node tools/scripts/build-app.mjs <app-name>
//
// Bundles apps/<name>/src/main.ts into apps/<name>/dist/main.js (ESM, node20,
// with a source map). Our own @kubeguard/* workspace code and relative imports
// go into the bundle; npm packages and node builtins stay external so they are
// loaded from node_modules at runtime. They have to: grpc-health-check reads a
// .proto file next to its own package, and mongodb has optional native deps.
import { isBuiltin } from 'node:module';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const repoRoot = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
);

const WORKSPACE_SCOPE = '@kubeguard/';

function fail(message) {
  console.error(`build-app: ${message}`);
  process.exit(1);
}

const appName = process.argv[2];
if (appName === undefined || process.argv.length !== 3) {
  fail('usage: node tools/scripts/build-app.mjs <app-name>');
}
if (!/^[a-z0-9][a-z0-9-]*$/.test(appName)) {
  fail(`invalid app name ${JSON.stringify(appName)}`);
}

const appDir = path.join(repoRoot, 'apps', appName);
const entry = path.join(appDir, 'src', 'main.ts');
const distDir = path.join(appDir, 'dist');
const outfile = path.join(distDir, 'main.js');

if (!existsSync(entry)) {
  fail(`entry point not found: ${path.relative(repoRoot, entry)}`);
}

/**
 * Keep every bare import external except our own workspace packages, which
 * esbuild resolves (through the @kubeguard/source condition) and bundles.
 * Relative and absolute paths do not match the filter, and neither do
 * package.json "imports" (#...) specifiers, so esbuild resolves those too.
 */
const externalizeNpmPackages = {
  name: 'externalize-npm-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./#]/ }, args => {
      if (
        args.kind === 'entry-point' ||
        args.path.startsWith(WORKSPACE_SCOPE)
      ) {
        return undefined;
      }
      return { path: args.path, external: true };
    });
  },
};

/** `pkg/sub` -> `pkg`, `@scope/pkg/sub` -> `@scope/pkg`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * The runtime image only has the root package's production dependencies
 * (npm prune --omit=dev), so anything else the bundle imports would crash
 * the service at startup. Catch that here instead.
 */
function checkExternalImports(metafile) {
  const rootPkg = JSON.parse(
    readFileSync(path.join(repoRoot, 'package.json'), 'utf8'),
  );
  const runtimeDeps = new Set([
    ...Object.keys(rootPkg.dependencies ?? {}),
    ...Object.keys(rootPkg.optionalDependencies ?? {}),
  ]);
  const problems = [];
  for (const output of Object.values(metafile.outputs)) {
    for (const imp of output.imports) {
      if (!imp.external) continue;
      const spec = imp.path;
      if (isBuiltin(spec)) continue;
      if (spec.startsWith(WORKSPACE_SCOPE)) {
        problems.push(
          `${spec}: workspace package left external (it is not in the runtime image)`,
        );
        continue;
      }
      const name = packageName(spec);
      if (!runtimeDeps.has(name)) {
        problems.push(
          `${spec}: "${name}" is not in the root package.json "dependencies" ` +
            '(devDependencies are pruned from the runtime image)',
        );
      }
    }
  }
  return [...new Set(problems)];
}

async function printMessages(messages, kind) {
  if (messages.length === 0) return;
  const formatted = await esbuild.formatMessages(messages, {
    kind,
    color: process.stderr.isTTY,
  });
  process.stderr.write(formatted.join(''));
}

rmSync(distDir, { recursive: true, force: true });

let result;
try {
  result = await esbuild.build({
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    // AppError sets this.name = new.target.name; keep class names intact
    // when esbuild renames colliding top-level symbols.
    keepNames: true,
    conditions: ['@kubeguard/source'],
    plugins: [externalizeNpmPackages],
    banner: {
      js: [
        "import { createRequire as __kubeguardCreateRequire } from 'node:module';",
        'const require = __kubeguardCreateRequire(import.meta.url);',
      ].join('\n'),
    },
    metafile: true,
    logLevel: 'silent',
  });
} catch (err) {
  if (Array.isArray(err?.errors)) {
    await printMessages(err.warnings ?? [], 'warning');
    await printMessages(err.errors, 'error');
    fail(`bundling apps/${appName} failed with ${err.errors.length} error(s)`);
  }
  console.error(err);
  fail(`bundling apps/${appName} failed`);
}

await printMessages(result.warnings, 'warning');

const problems = checkExternalImports(result.metafile);
if (problems.length > 0) {
  for (const problem of problems) console.error(`  ${problem}`);
  fail(`apps/${appName} imports packages that will not exist at runtime`);
}

const bytes = statSync(outfile).size;
const size =
  bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(2)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
console.log(`${path.relative(repoRoot, outfile)}  ${size}`);
