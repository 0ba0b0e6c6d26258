// `npm test`: the browser tests with Debian's chromium (installed with apt-get when missing).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const chromium = process.env.CHROMIUM || '/usr/bin/chromium';
if (!existsSync(chromium)) {
  console.log(`${chromium} is missing: apt-get install -y chromium`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  if (install().status !== 0) {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    if (install().status !== 0) process.exit(1);
  }
}
const started = Date.now();
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', 'test/dashboard.test.mjs'], { stdio: 'inherit' });
console.log(`# browser tests took ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(r.status ?? 1);
