// Packs what wasm-bindgen wrote into pkg/ (or the directory given) for shipping (called by
// scripts/build-collector.sh):
// 1. wasm-opt -Oz, also shortening every import, export and import-module name to one or two
//    letters (binaryen's `--minify-imports-and-exports-and-modules`). wasm-bindgen names each
//    import `__wbg_<name>_<16 hex digits>`; over ~100 imports those hashes are kilobytes that
//    gzip cannot shrink, written twice (in the .wasm and in the glue).
// 2. The glue (pkg/telltale.js) is rewritten with the map binaryen prints, so both sides agree,
//    and every old name is checked to be gone; the types of the exports follow. Its `free()`
//    stops a running collector first (see below).
// 3. The glue and its snippets (pkg/snippets/**.js) are minified with terser. The readable
//    sources are src/*.rs and src/read.js; the generated glue is wasm-bindgen's.
// 4. The package manifest (pkg/package.json), as `wasm-pack build --target web` writes it, from the
//    crate's Cargo metadata: so that pkg/ installs (`npm install ./pkg`, or a private registry)
//    and `import init, { Collector } from 'telltale'` resolves.
// The public API and its TypeScript types (pkg/telltale.d.ts) are otherwise unchanged.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { minify } from 'terser';

const root = new URL('..', import.meta.url);
const at = (p) => new URL(p, root).pathname;
const dir = process.argv[2] ?? 'pkg';
const wasmFile = at(`${dir}/telltale_bg.wasm`);
const glueFile = at(`${dir}/telltale.js`);

// Features wasm-bindgen's output may use; binaryen must be told it may keep them. (reference-types:
// only a build whose RUSTFLAGS replaced .cargo/config.toml's flags, the externref ABI, uses it.)
const features = ['bulk-memory', 'nontrapping-float-to-int', 'reference-types', 'sign-ext', 'mutable-globals']
  .map((f) => `--enable-${f}`);
const wasmOpt = (...args) => execFileSync(at('node_modules/.bin/wasm-opt'),
  [...features, ...args, wasmFile, '-o', wasmFile], { encoding: 'utf8', maxBuffer: 1 << 24 });
// `--low-memory-unused`: lets binaryen fold small constant offsets into loads and stores (0.25 KB
// gzipped, measured), assuming no access below address 1024. Rust's wasm32 layout puts its 1 MiB
// stack first, growing down towards 0, and data from 1 MiB (the module's first data segment is at
// 1048576): the lowest KiB is reached only by a stack nearly 1 MiB deep, which this collector's
// few-KB frames never are. Emscripten makes the same assumption whenever its data starts above 1K.
// `--converge`: -Oz again until the module stops shrinking (one pass leaves work the next finds:
// 0.25 KB gzipped, measured; about a second more).
wasmOpt('--low-memory-unused', '-Oz', '--converge');
// Then the names, in a run of their own (the pass prints its map once per run), and the
// producers and target-features sections dropped: build notes no browser reads (the second is
// how binaryen knows the module's features, so it goes last).
const printed = wasmOpt('--minify-imports-and-exports-and-modules', '--strip-producers',
  '--strip-target-features');
// The pass prints {"imports": [[module, name, new], ...], "exports": [[name, new], ...]}.
const map = JSON.parse(printed.slice(printed.indexOf('{')));

let glue = readFileSync(glueFile, 'utf8');
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const modules = new Set(map.imports.map(([module]) => module));
if (modules.size !== 1) throw new Error(`expected one import module, found ${[...modules].join(', ')}`);
const [module] = modules;
const wasmModule = readImportModule(wasmFile);
replaceAll(`"${module}":`, `"${wasmModule}":`);
for (const [, name, short] of map.imports) replaceAll(new RegExp(`\\b${escape(name)}(?=: function)`, 'g'), short);
// Some exports (wasm-bindgen's abort hooks) are not used by this glue, so no match is required.
for (const [name, short] of map.exports) glue = glue.replace(new RegExp(`\\bwasm\\.${escape(name)}\\b`, 'g'), `wasm.${short}`);
// Nothing may still use an old name: an import the glue no longer provides fails at instantiation,
// an export it still calls by its old name fails on first use.
for (const [, name] of map.imports) if (glue.includes(`${name}: function`)) throw new Error(`import ${name} left`);
const exported = new Set(map.exports.map(([, short]) => short));
for (const [, used] of glue.matchAll(/\bwasm\.([A-Za-z_$][\w$]*)/g)) {
  if (!exported.has(used)) throw new Error(`the glue uses wasm.${used}, which the module does not export`);
}
// `free()` (and `[Symbol.dispose]`, the same function) stops a running collector first, and a
// second call does nothing. A started collector holds itself (src/collector.rs `Armed`), so that
// the page dropping its last reference to it does not stop it; freeing it on purpose does, and
// sends what it had collected.
const frees = glue.match(/^\s*free\(\) \{$/gm) ?? [];
if (frees.length !== 1) throw new Error(`expected one free() in the glue, found ${frees.length}`);
// Freed already, it does nothing (wasm-bindgen's would throw "null pointer passed to rust").
glue = glue.replace(/^(\s*)free\(\) \{$/m, '$1free() {\n$1    if (this.__wbg_ptr === 0) return;\n$1    this.stop();');
writeFileSync(glueFile, glue);

// The types of the module's exports (`InitOutput`, what `init()` resolves to, and
// telltale_bg.wasm.d.ts) get the same new names, so that they describe the module that ships:
// `(await init()).memory` is now under a short name, and the types must say which. Not every
// export is declared (wasm-bindgen's abort hooks are not); every declared one must exist.
for (const [file, block] of [[`${dir}/telltale.d.ts`, /export interface InitOutput \{([^}]*)\}/],
  [`${dir}/telltale_bg.wasm.d.ts`, /([^]*)/]]) {
  let types = readFileSync(at(file), 'utf8');
  const [whole, body] = types.match(block) ?? [];
  if (body === undefined) throw new Error(`${file}: no export types found`);
  let renamed = body;
  for (const [name, short] of map.exports) {
    renamed = renamed.replace(new RegExp(`^(\\s*(?:readonly|export const) )${escape(name)}:`, 'm'), `$1${short}:`);
  }
  for (const [, name] of renamed.matchAll(/^\s*(?:readonly|export const) ([\w$]+):/gm)) {
    if (!exported.has(name)) throw new Error(`${file} declares ${name}, which the module does not export`);
  }
  writeFileSync(at(file), types.replace(whole, whole.replace(body, renamed)));
}

// Minify the glue and every snippet it imports (ES modules: exports keep their names).
const scripts = [`${dir}/telltale.js`, ...readdirSync(at(`${dir}/snippets/`), { recursive: true })
  .filter((f) => f.endsWith('.js')).map((f) => `${dir}/snippets/${f}`)];
for (const file of scripts) {
  const out = await minify(readFileSync(at(file), 'utf8'), {
    module: true,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
  });
  writeFileSync(at(file), out.code);
}

// The manifest: wasm-pack's fields for `--target web`. `files` lists what the glue loads (the
// .wasm, the snippets it imports) and the types; each must exist, or the package would install
// without it. `sideEffects` keeps bundlers from dropping the snippets, which the glue imports for
// their exports only.
const crate = JSON.parse(execFileSync('cargo', ['metadata', '--no-deps', '--format-version', '1', '--locked'],
  { encoding: 'utf8', maxBuffer: 1 << 24 })).packages.find((p) => p.name === 'telltale');
const files = ['telltale_bg.wasm', 'telltale.js', 'telltale.d.ts', 'telltale_bg.wasm.d.ts', 'snippets'];
for (const f of files) if (!existsSync(at(`${dir}/${f}`))) throw new Error(`${dir}/${f} is missing`);
writeFileSync(at(`${dir}/package.json`), `${JSON.stringify({
  name: crate.name,
  type: 'module',
  description: crate.description,
  version: crate.version,
  license: crate.license,
  files,
  main: 'telltale.js',
  types: 'telltale.d.ts',
  sideEffects: ['./snippets/*'],
}, null, 2)}\n`);

function replaceAll(pattern, replacement) {
  const before = glue;
  glue = glue.replaceAll(pattern, replacement);
  if (glue === before) throw new Error(`nothing in the glue matched ${pattern}`);
}

// The import module's new name, read from the module's import section (binaryen does not print it).
function readImportModule(file) {
  const bytes = readFileSync(file);
  let at = 8; // magic and version
  const leb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[at++];
      value |= (b & 0x7f) << shift;
      if (b < 0x80) return value >>> 0;
      shift += 7;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    if (id === 2) { // the import section: count, then (module, name, ...) per import
      leb();
      const length = leb();
      return bytes.subarray(at, at + length).toString('utf8');
    }
    at += size;
  }
  throw new Error('the module has no import section');
}
