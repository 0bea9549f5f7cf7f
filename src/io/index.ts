export { saveSafetensors, loadSafetensors, parseSafetensors, serializeSafetensors, type SafetensorsEntry } from './safetensors';
