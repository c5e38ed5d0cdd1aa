// V8 code cache for the AWS SDK's CommonJS modules, so an AWS command does not compile some 2 MB
// of SDK JavaScript on every run (measured: loading the nine clients 170 ms of CPU without, 115 ms
// with). Node 22.1+ has this built in (module.enableCompileCache, which caches in the OS temp
// folder); Node 20 has only vm.Script's cachedData, used here with caches `npm run build` made
// (scripts/bundle-cli.mjs): nothing is written at run time.
// - A cache is found by the SHA-1 of the module's source: V8 checks only the source's length, so
//   a same-length edit of node_modules must not pick up another source's code.
// - V8 rejects a cache made by another V8 version or with other V8 flags; the module is then
//   compiled as usual. Any error reading a cache does the same.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

const SDK_FILE = /[\\/]node_modules[\\/]@(aws-sdk|smithy|aws)[\\/]/;

/** Node 22.1+: its own compile cache. Node 20: compiles SDK modules from the caches in `dir`. */
export function useCodeCache(dir) {
  if (typeof Module.enableCompileCache === 'function') {
    try {
      Module.enableCompileCache();
    } catch {
      // A cache is an optimisation: without one every module still compiles.
    }
    return;
  }
  hook((filename, content, key) => {
    try {
      return readFileSync(join(dir, `${key}.bin`));
    } catch {
      return undefined;
    }
  });
}

/** Build time: compiles from source and writes each SDK module's cache into `dir` at exit. */
export function produceCodeCache(dir) {
  const made = [];
  hook(
    () => undefined,
    (script, key) => made.push([script, key]),
  );
  return () => {
    for (const [script, key] of made) writeFileSync(join(dir, `${key}.bin`), script.createCachedData());
    return made.length;
  };
}

function hook(cachedFor, compiled) {
  const original = Module.prototype._compile;
  const dynamicImport = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
  Module.prototype._compile = function compile(content, filename) {
    // Only the SDK's own files; a module with import() needs a loader vm.Script gets only on newer Nodes.
    if (!SDK_FILE.test(filename) || (dynamicImport === undefined && content.includes('import('))) {
      return original.call(this, content, filename);
    }
    const key = createHash('sha1').update(content).digest('hex');
    const cachedData = cachedFor(filename, content, key);
    let script;
    try {
      script = new vm.Script(Module.wrap(content), {
        filename,
        ...(cachedData ? { cachedData } : {}),
        ...(dynamicImport !== undefined ? { importModuleDynamically: dynamicImport } : {}),
      });
    } catch {
      // A syntax error: let Node compile it and report it as it always does.
      return original.call(this, content, filename);
    }
    compiled?.(script, key);
    const wrapper = script.runInThisContext({ displayErrors: true });
    const mod = this;
    const require = (id) => mod.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    return wrapper.call(mod.exports, mod.exports, require, mod, filename, dirname(filename));
  };
}
