/**
 * Building pipelines ahead: `fn` is recorded with nothing run and nothing kept (gpu/recorder.ts), and each kernel
 * it launches only starts building its pipeline with createComputePipelineAsync. Awaiting this before a first
 * step moves shader compilation off the step, so a page stays responsive while the compiler works.
 */
import { runtime } from '../gpu/runtime';

export async function warmPipelines(fn: () => void): Promise<void> {
  const rt = runtime();
  rt.startRecording();
  rt.warming = true;
  try {
    fn();
  } finally {
    rt.warming = false;
    rt.stopRecording();
  }
  await rt.pipelines.warmed();
}
