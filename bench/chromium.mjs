// How the browser tests and the benchmark start Debian's Chromium: headless, WebGPU on (SwiftShader when there
// is no GPU), and nothing that reaches for the network, which this machine's closed network would refuse.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox', // needed as root; harmless otherwise
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
