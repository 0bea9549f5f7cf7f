// The fresh Vite app's page script: trains a few steps in the page and leaves the result on window.
import { example, type ExampleResult } from './example';

declare global {
  interface Window {
    result?: { ok: true; value: ExampleResult } | { ok: false; error: string };
  }
}

const out = document.getElementById('log')!;
example((line) => (out.textContent += `${line}\n`)).then(
  (value) => (window.result = { ok: true, value }),
  (e: unknown) => (window.result = { ok: false, error: String((e as Error)?.stack ?? e) }),
);
