/** Prisma's schema engine (migrations, diffs) as WebAssembly, driven through our pg adapter. */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import type { SchemaEngine } from "@prisma/schema-engine-wasm";
import { createMigrationAdapterFactory } from "./adapter-patches.ts";

export type { SchemaEngine };

type Glue = typeof import("@prisma/schema-engine-wasm/schema_engine_bg");

/** The engine hit a Rust panic (a bug, in the engine or in our adapter patches). */
export class SchemaEnginePanic extends Error {
  override readonly name = "SchemaEnginePanic";
}

let glue: Promise<Glue> | undefined;
/** Set by the first panic: the wasm instance is unusable from then on. */
let panic: string | undefined;
const onPanic = new Set<(error: SchemaEnginePanic) => void>();

/**
 * Instantiates the engine's .wasm once per process. The package's own entry point does
 * `import * as wasm from "./schema_engine_bg.wasm"`, which Node 20 cannot load, so we do what
 * that line would: instantiate the module against its JS glue and start it.
 */
function loadGlue(): Promise<Glue> {
  glue ??= (async () => {
    const entry = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm");
    const bytes = new Uint8Array(await readFile(path.join(path.dirname(entry), "schema_engine_bg.wasm")));
    const bindings = await import("@prisma/schema-engine-wasm/schema_engine_bg");
    const { instance } = await WebAssembly.instantiate(bytes, {
      "./schema_engine_bg.js": guardImports(bindings),
    });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  glue.catch(() => {
    glue = undefined;
  });
  return glue;
}

type PanicRegistry = { set_message(message: string): void };

/**
 * The engine hands a panic's message to `globalThis.PRISMA_WASM_PANIC_REGISTRY`, then traps.
 * That global also belongs to Prisma Client's own wasm (which replaces it when loaded), so we
 * swap in our registry only for the duration of the engine's report. We record the message and
 * fail the operations in flight with it; the trap itself is swallowed below instead of escaping
 * from a microtask and killing the process.
 */
function reportPanic(original: (...args: unknown[]) => unknown) {
  return (...args: unknown[]) => {
    const holder = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: PanicRegistry };
    const previous = holder.PRISMA_WASM_PANIC_REGISTRY;
    holder.PRISMA_WASM_PANIC_REGISTRY = {
      set_message(message: string) {
        panic ??= message.replace(/\s+/g, " ").trim();
      },
    };
    try {
      original(...args);
    } finally {
      holder.PRISMA_WASM_PANIC_REGISTRY = previous;
    }
    const error = new SchemaEnginePanic(`the schema engine crashed: ${panic}`);
    for (const fail of onPanic) fail(error);
  };
}

/** The glue as the wasm imports it, with four functions adjusted (their names carry a hash). */
function guardImports(bindings: Glue): WebAssembly.ModuleImports {
  const imports: WebAssembly.ModuleImports = { ...(bindings as unknown as WebAssembly.ModuleImports) };
  for (const [name, original] of Object.entries(bindings)) {
    if (typeof original !== "function") continue;
    if (name.startsWith("__wbg_set_message_")) {
      imports[name] = reportPanic(original as (...args: unknown[]) => unknown);
    } else if (name.startsWith("__wbg_setTimeout_")) {
      // The engine arms a 10 s timer around its work and never clears it, which kept every
      // script alive for 10 s after its last query. Unref'd, it still fires in a long-lived
      // process; while the engine works, its pool's open connections keep the process alive.
      imports[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
    } else if (
      name.startsWith("__wbg_queueMicrotask_") &&
      original.length === 1 &&
      /queueMicrotask\(arg0\)/.test(String(original))
    ) {
      // Its futures run from microtasks: that is where a panic's trap surfaces.
      imports[name] = (task: () => void) =>
        queueMicrotask(() => {
          try {
            task();
          } catch (error) {
            if (!panic) throw error;
          }
        });
    } else if (name.startsWith("__wbg_then_")) {
      imports[name] = (...args: unknown[]) => {
        const derived = (original as (...a: unknown[]) => Promise<unknown>)(...args);
        derived.catch((error: unknown) => {
          if (!panic) throw error;
        });
        return derived;
      };
    }
  }
  return imports;
}

export interface OpenSchemaEngineOptions {
  databaseUrl: string;
  /** Prisma schema files as [path, content]; only diffs against the schema need them. */
  datamodels?: [string, string][];
  /** Receives the engine's log lines (JSON). */
  log?: (line: string) => void;
}

/**
 * Runs `work` with a schema engine on `databaseUrl`, then frees the engine and closes every
 * connection and shadow database it opened, so nothing keeps the process alive afterwards.
 * Rejects with `SchemaEnginePanic` if the engine panics (then also for every later call in this
 * process: the wasm instance cannot be trusted any more).
 */
export async function withSchemaEngine<T>(
  options: OpenSchemaEngineOptions,
  work: (engine: SchemaEngine) => Promise<T>,
): Promise<T> {
  if (panic) throw new SchemaEnginePanic(`the schema engine crashed earlier in this process: ${panic}`);
  const bindings = await loadGlue();
  const adapters = createMigrationAdapterFactory(options.databaseUrl);
  let failPanicked: (error: SchemaEnginePanic) => void = () => {};
  const panicked = new Promise<never>((_, reject) => {
    failPanicked = reject;
  });
  onPanic.add(failPanicked);
  let engine: SchemaEngine | undefined;
  try {
    engine = await Promise.race([
      bindings.SchemaEngine.new(
        { datamodels: options.datamodels },
        (line: string) => options.log?.(line),
        bindMigrationAwareSqlAdapterFactory(adapters.factory),
      ),
      panicked,
    ]);
    const running = engine;
    return await Promise.race([work(running), panicked]);
  } catch (error) {
    // A trap thrown synchronously reaches us as a bare "unreachable": report the panic instead.
    if (panic && !(error instanceof SchemaEnginePanic))
      throw new SchemaEnginePanic(`the schema engine crashed: ${panic}`);
    throw error;
  } finally {
    onPanic.delete(failPanicked);
    if (!panic) engine?.free();
    await adapters.close();
  }
}
