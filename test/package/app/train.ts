// The fresh Node project's program: node train.js (after tsc).
import { example } from './example.js';

const result = await example((line) => console.log(line));
console.log(`RESULT ${JSON.stringify(result)}`);
