import { work } from './work.mjs';
const handler = function (msg, finished) {
  finished({ ok: work(msg.ms) });
};
export { handler };
