declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}

// wgsl_reflect's package.json points Node's "main" at a CommonJS file inside a "type": "module" package, which
// Node refuses to load; its ES module build is the file to import, and it carries the same types.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
