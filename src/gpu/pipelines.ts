/**
 * Shader modules, bind-group layouts and compute pipelines, each built once and cached by data:
 * modules by shader name, pipelines by (shader, entry point, override constants).
 * Layouts are explicit, built from what wgsl_reflect reads in the shader (never `layout: 'auto'`).
 */
import { reflectEntry, type EntryInfo } from './reflect';
import { SHADERS, shaderSource, sourceLocation, type ShaderPiece, type ShaderSource } from './shaders';

export type Constants = Readonly<Record<string, number | boolean>>;

export interface Pipeline {
  label: string;
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
  info: EntryInfo;
  /** a small integer naming the layout, for bind-group cache keys */
  layoutId: number;
}

interface ModuleEntry {
  source: ShaderSource;
  module: GPUShaderModule;
  /** settles once the compiler has spoken; rejects with a located message when the shader does not compile */
  compiled: Promise<void>;
}

/** file:line:col: message, for each error of a module, with lines mapped back to the .wgsl pieces. */
export function formatCompileErrors(src: ShaderSource, messages: readonly GPUCompilationMessage[]): string {
  return messages
    .filter((m) => m.type === 'error')
    .map((m) => {
      const at = sourceLocation(src, m.lineNum);
      return `${at.file}:${at.line}:${m.linePos}: ${m.message}`;
    })
    .join('\n');
}

export class PipelineCache {
  private modules = new Map<string, ModuleEntry>();
  private layouts = new Map<string, Map<string, { layout: GPUBindGroupLayout; pipelineLayout: GPUPipelineLayout; info: EntryInfo; id: number }>>();
  private pipelines = new Map<string, Map<string, Map<string, Pipeline>>>();
  private nextLayoutId = 1;
  /** pipelines being built in the background by warm(), by shader, entry and constants */
  private warming = new Map<string, Promise<unknown>>();
  /** pipelines created so far: a test checks that repeated calls do not add to it */
  pipelinesCreated = 0;

  constructor(
    private device: GPUDevice,
    private onCompileError: (message: string) => void,
  ) {}

  /**
   * The compiled module of a manifest shader, or of `pieces` registered under a name of their own (tests use
   * this for deliberately broken shaders).
   */
  module(name: string, pieces?: readonly ShaderPiece[]): ModuleEntry {
    let entry = this.modules.get(name);
    if (entry) return entry;
    const parts = pieces ?? (SHADERS as Record<string, { pieces: readonly ShaderPiece[] } | undefined>)[name]?.pieces;
    if (!parts) throw new Error(`webgpu-cnn: unknown shader "${name}"`);
    const source = shaderSource(name, parts);
    const module = this.device.createShaderModule({ code: source.code, label: name });
    const compiled = module.getCompilationInfo().then((info) => {
      const text = formatCompileErrors(source, info.messages);
      if (text) {
        const message = `webgpu-cnn: WGSL compile error in shader "${name}":\n${text}`;
        this.onCompileError(message);
        throw new Error(message);
      }
    });
    compiled.catch(() => {}); // reported through onCompileError; keep Node from flagging it unhandled
    entry = { source, module, compiled };
    this.modules.set(name, entry);
    return entry;
  }

  pipeline(shader: string, entry: string, constants: Constants = {}): Pipeline {
    const byEntry = this.pipelines.get(shader)?.get(entry);
    const key = canonicalConstants(constants);
    const hit = byEntry?.get(key);
    if (hit) return hit;

    const { descriptor, layout, info, id } = this.describe(shader, entry, constants, key);
    const pipeline = this.device.createComputePipeline(descriptor);
    return this.store(shader, entry, key, { label: descriptor.label!, pipeline, layout, info, layoutId: id });
  }

  /**
   * Starts building a pipeline in the background (createComputePipelineAsync), so that a later pipeline() call
   * finds it ready instead of compiling while the page waits. `warmed()` resolves when all have been built.
   */
  warm(shader: string, entry: string, constants: Constants = {}): void {
    const key = canonicalConstants(constants);
    const id = `${shader}\n${entry}\n${key}`;
    if (this.pipelines.get(shader)?.get(entry)?.has(key) || this.warming.has(id)) return;
    const { descriptor, layout, info, id: layoutId } = this.describe(shader, entry, constants, key);
    const ready = this.device.createComputePipelineAsync(descriptor).then((pipeline) => {
      this.warming.delete(id);
      if (!this.pipelines.get(shader)?.get(entry)?.has(key)) this.store(shader, entry, key, { label: descriptor.label!, pipeline, layout, info, layoutId });
    });
    this.warming.set(id, ready.catch(() => this.warming.delete(id))); // a failure resurfaces at the synchronous build
  }

  /** Resolves once every pipeline started by warm() is built. */
  async warmed(): Promise<void> {
    await Promise.all([...this.warming.values()]);
  }

  private describe(shader: string, entry: string, constants: Constants, key: string) {
    const mod = this.module(shader);
    const { layout, pipelineLayout, info, id } = this.entryLayout(shader, entry, mod.source.code);
    const descriptor: GPUComputePipelineDescriptor = {
      label: key ? `${shader}.${entry}(${key})` : `${shader}.${entry}`,
      layout: pipelineLayout,
      compute: { module: mod.module, entryPoint: entry, constants: numeric(constants) },
    };
    return { descriptor, layout, info, id };
  }

  private store(shader: string, entry: string, key: string, kernel: Pipeline): Pipeline {
    this.pipelinesCreated++;
    let shaderMap = this.pipelines.get(shader);
    if (!shaderMap) this.pipelines.set(shader, (shaderMap = new Map()));
    let entryMap = shaderMap.get(entry);
    if (!entryMap) shaderMap.set(entry, (entryMap = new Map()));
    entryMap.set(key, kernel);
    return kernel;
  }

  /** Resolves once every module built so far has compiled, rejecting with the first compile error. */
  async settled(): Promise<void> {
    await Promise.all([...this.modules.values()].map((m) => m.compiled));
  }

  private entryLayout(shader: string, entry: string, code: string) {
    let byEntry = this.layouts.get(shader);
    if (!byEntry) this.layouts.set(shader, (byEntry = new Map()));
    let found = byEntry.get(entry);
    if (!found) {
      const info = reflectEntry(code, entry, shader);
      const layout = this.device.createBindGroupLayout({
        label: `${shader}.${entry}`,
        entries: info.bindings.map((b) => ({
          binding: b.binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: b.kind },
        })),
      });
      const pipelineLayout = this.device.createPipelineLayout({ label: `${shader}.${entry}`, bindGroupLayouts: [layout] });
      found = { layout, pipelineLayout, info, id: this.nextLayoutId++ };
      byEntry.set(entry, found);
    }
    return found;
  }
}

/** WebGPU takes override values as numbers; a WGSL bool override reads any non-zero number as true. */
function numeric(constants: Constants): Record<string, number> {
  return Object.fromEntries(Object.entries(constants).map(([k, v]) => [k, Number(v)]));
}

/** The override constants as a canonical string: sorted names, so { a, b } and { b, a } share a pipeline. */
function canonicalConstants(constants: Constants): string {
  return Object.keys(constants)
    .sort()
    .map((k) => `${k}=${Number(constants[k])}`)
    .join(',');
}
