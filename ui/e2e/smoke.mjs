// Entry point of `npm run e2e`: runs every scenario in e2e/scenarios/ (or the
// files given as arguments) against the real Gatehouse binary.
//   GATEHOUSE_BIN   server binary (default ../bin/gatehouse relative to ui/)
//   CHROMIUM_PATH   browser (default /usr/bin/chromium)
import { existsSync, readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CHROMIUM, runScenarios, UI_DIR } from './harness.mjs';

const bin = resolve(UI_DIR, process.env.GATEHOUSE_BIN || '../bin/gatehouse');
if (!existsSync(bin)) {
  console.error(`e2e: server binary not found at ${bin} (build it with \`make build\` or set GATEHOUSE_BIN)`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error(`e2e: chromium not found at ${CHROMIUM} (apt-get install -y chromium)`);
  console.log('e2e: 0 passed, 1 failed');
  process.exit(1);
}

const dir = join(UI_DIR, 'e2e', 'scenarios');
const files = process.argv.length > 2
  ? process.argv.slice(2).map((f) => resolve(f))
  : readdirSync(dir).filter((f) => f.endsWith('.mjs')).sort().map((f) => join(dir, f));

const scenarios = [];
for (const file of files) {
  const mod = await import(pathToFileURL(file).href);
  if (!mod.default?.run) throw new Error(`${basename(file)}: default export needs a run(t) function`);
  scenarios.push({ name: mod.default.name ?? basename(file, '.mjs'), run: mod.default.run, server: mod.default.server });
}

process.exitCode = await runScenarios(scenarios, { bin });
