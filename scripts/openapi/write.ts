/**
 * `npm run openapi`: writes docs/openapi.json from the code, and the signing example in
 * docs/API.md (between its markers). `--check` only reports whether either is out of date.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderApiGuideExample } from './api-guide.ts';
import { openApiJson } from './document.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const targets = [
  { file: `${root}docs/openapi.json`, render: (_current: string) => openApiJson() },
  { file: `${root}docs/API.md`, render: renderApiGuideExample },
];

const check = process.argv.includes('--check');
let stale = 0;
for (const { file, render } of targets) {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const next = render(current);
  if (next === current) continue;
  stale++;
  if (check) console.error(`${file} is out of date: run npm run openapi`);
  else {
    writeFileSync(file, next);
    console.log(`wrote ${file}`);
  }
}
if (check && stale > 0) process.exit(1);
if (!check && stale === 0) console.log('docs/openapi.json and docs/API.md are up to date');
