import { work } from './work.mjs';
export default ({ ms }) => work(ms);
