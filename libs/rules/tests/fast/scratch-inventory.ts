import { celEnvironment } from '../../src/compile/cel-env.js';
import { expandMacros } from '../../src/compile/macros.js';
import { BUILTIN_PACK_DIR } from '../../src/load/load-pack.js';
import { mergePacks } from '../../src/load/merge.js';
import { readPackDir } from '../../src/load/read-pack.js';

const merged = mergePacks([readPackDir(BUILTIN_PACK_DIR)]);
const exprs: string[] = [];
for (const { doc } of merged.rules) {
  const add = (t: string | undefined) => { if (t !== undefined) exprs.push(expandMacros(t, merged.macros)); };
  add(doc.condition);
  for (const e of doc.exceptions) add(e.when);
  for (const m of doc.severityModifiers) add(m.when);
  const a = doc.aggregate as any;
  if (a) { for (const g of a.groupBy ?? []) add(g); add(a.distinct); add(a.term); add(a.by); for (const s of a.steps ?? []) add(s.condition); }
}
console.log('expressions', exprs.length, 'unique', new Set(exprs).size);
const env = celEnvironment();
const ops = new Map<string, number>();
const walk = (n: any): void => {
  if (!n || typeof n !== 'object' || !('op' in n)) return;
  let key = n.op;
  if (n.op === 'rcall') key = `rcall:${n.args[0]}/${n.args[2].length}`;
  if (n.op === 'call') key = `call:${n.args[0]}/${n.args[1].length}`;
  if (n.op === 'value') key = `value:${n.args === null ? 'null' : typeof n.args}`;
  ops.set(key, (ops.get(key) ?? 0) + 1);
  switch (n.op) {
    case 'rcall': walk(n.args[1]); n.args[2].forEach(walk); break;
    case 'call': n.args[1].forEach(walk); break;
    case '.': case '.?': walk(n.args[0]); break;
    case 'id': case 'value': break;
    case 'map': n.args.forEach((e: any) => { walk(e[0]); walk(e[1]); }); break;
    case '!_': case '-_': walk(n.args); break;
    default: if (Array.isArray(n.args)) n.args.forEach(walk);
  }
};
for (const e of new Set(exprs)) walk(env.parse(e).ast);
console.log([...ops].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join('\n'));
