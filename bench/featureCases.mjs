// The feature cases of issue 6: each file in bench/features/ exports
//   `cases = { '<id>': { name, feature, base, prepare(ctx) } }`
// where `prepare` has the contract of bench/cases.mjs and `base` names the case it is compared with, the same
// workload with the feature off. A separate module from cases.mjs: the feature files import its helpers.

import { readdirSync } from 'node:fs';
import { CASES } from './cases.mjs';

const dir = new URL('./features/', import.meta.url);

/** Every feature case by id, in file then declaration order. */
export const FEATURE_CASES = {};

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .sort()) {
  const { cases } = await import(new URL(file, dir).href);
  for (const [id, def] of Object.entries(cases)) {
    const where = `bench/features/${file}, case ${id}`;
    if (CASES[id] !== undefined || FEATURE_CASES[id] !== undefined) throw new Error(`${where}: the id is taken`);
    if (CASES[def.base] === undefined) throw new Error(`${where}: base ${def.base} is not a case of bench/cases.mjs`);
    if (typeof def.prepare !== 'function' || typeof def.name !== 'string' || typeof def.feature !== 'string') {
      throw new Error(`${where}: expected { name, feature, base, prepare }`);
    }
    FEATURE_CASES[id] = def;
  }
}

/** The feature case ids, in order. */
export const FEATURE_IDS = Object.keys(FEATURE_CASES);
