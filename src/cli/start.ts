/**
 * `npm start`: for now, a demonstration of the Sphinx codec (keys for 3 mix nodes and a
 * gateway, a packet unwrapped hop by hop, a SURB reply). It will become the localnet bring-up.
 */
import { randomBytes } from 'node:crypto';
import { runSphinxDemo } from '../sphinx/demo.js';

const random = (n: number) => new Uint8Array(randomBytes(n));
const { delivered, reply } = runSphinxDemo({ random, log: (line) => console.log(line) });
if (!delivered || !reply) {
  console.error('sphinx demo: message or reply was not delivered');
  process.exit(1);
}
