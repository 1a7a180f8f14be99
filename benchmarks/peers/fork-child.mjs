import { work } from './work.mjs';
process.on('message', (m) => {
  work(m.ms);
  process.send({ id: m.id });
});
