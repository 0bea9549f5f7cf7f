/**
 * Recording a step instead of running it. While a Recorder is attached, the runtime runs nothing: every
 * dispatch, copy and upload is appended to `commands`, and every buffer a tensor asks for is a virtual one, an
 * object that stands for a buffer without memory behind it. src/graph/ turns a recording into a plan: it gives
 * the virtual buffers real memory (sharing it between those whose lifetimes don't overlap) and replays the
 * commands as often as asked. Real buffers met in a recording (parameters, optimiser state, uniforms) are
 * bound as they are.
 */

/** What a tensor made while recording holds instead of a GPUBuffer; nothing but the plan ever binds it. */
export interface VirtualBuffer {
  readonly virtualId: number;
  readonly size: number;
  readonly label: string;
}

export function isVirtual(buffer: GPUBuffer | VirtualBuffer): buffer is VirtualBuffer {
  return (buffer as Partial<VirtualBuffer>).virtualId !== undefined;
}

export type Recorded =
  | {
      kind: 'dispatch';
      label: string;
      pipeline: GPUComputePipeline;
      layout: GPUBindGroupLayout;
      entries: Array<{ binding: number; buffer: GPUBuffer }>;
      workgroups: [number, number, number];
    }
  | { kind: 'copy'; src: GPUBuffer; dst: GPUBuffer; bytes: number; srcOffset: number; dstOffset: number }
  | { kind: 'clear'; dst: GPUBuffer; bytes: number; offset: number }
  | {
      kind: 'upload';
      dst: GPUBuffer;
      offset: number;
      /** the bytes written when the step was recorded */
      data: Uint8Array;
      /** values that change every step (a learning rate, a seed): called before each later replay */
      refresh: (() => ArrayBufferView) | null;
    };

/** Something holding a buffer that may be virtual now and real later: a tensor's storage. */
export interface BufferHolder {
  buffer: GPUBuffer;
}

export class Recorder {
  readonly commands: Recorded[] = [];
  /** virtual buffers in the order they were made, and the holders that received them */
  readonly made: VirtualBuffer[] = [];
  readonly holders = new Map<VirtualBuffer, BufferHolder[]>();
  /** virtual buffers given back while recording: the command count at that moment */
  readonly released = new Map<VirtualBuffer, number>();
  /** real buffers given back to the pool while recording (their later reuse would clash with a replay) */
  readonly realReleased = new Set<GPUBuffer>();
  /** virtual buffers made (+1) and given back (-1) in order, to tell what an eager pool would have held */
  readonly events: Array<[1 | -1, VirtualBuffer]> = [];
  private nextId = 1;

  acquire(size: number, label: string): GPUBuffer {
    const v: VirtualBuffer = { virtualId: this.nextId++, size, label };
    this.made.push(v);
    this.events.push([1, v]);
    return v as unknown as GPUBuffer;
  }

  /** Notes who holds a virtual buffer, so that survivors of the step can be given real memory afterwards. */
  hold(buffer: GPUBuffer, holder: BufferHolder): void {
    if (!isVirtual(buffer)) return;
    const list = this.holders.get(buffer) ?? [];
    list.push(holder);
    this.holders.set(buffer, list);
  }

  release(buffer: GPUBuffer): void {
    if (isVirtual(buffer)) {
      this.released.set(buffer, this.commands.length);
      this.events.push([-1, buffer]);
    } else {
      this.realReleased.add(buffer);
    }
  }

  record(command: Recorded): void {
    this.commands.push(command);
  }
}

/** Thrown by what cannot happen inside a recorded step (reading values back). */
export function notWhileRecording(what: string): Error {
  return new Error(`webgpu-cnn: ${what} while a step is being compiled; a compiled step must not read values back (return them instead)`);
}
