// The reviewer API (docs/server.md, "The API"), called with the reviewer key, which the
// dashboard keeps in sessionStorage for as long as the tab lives.

import { api } from '../shared/api.js';

const KEY = 'telltale-dashboard.key';

export const key = () => sessionStorage.getItem(KEY);
export const setKey = (k) => sessionStorage.setItem(KEY, k);
export const forgetKey = () => sessionStorage.removeItem(KEY);

const call = (path, opts = {}) => api(path, { ...opts, token: key() });
const seg = encodeURIComponent;

/** `status`: 'open' or 'resolved'; `after`: a page's `next` (or nothing: the newest) ->
 * `{sessions: [ReviewItem], next}`, newest first. */
export const reviewQueue = (status, after) =>
  call(`/v1/review?status=${seg(status)}${after ? `&after=${seg(after)}` : ''}`);
export const session = (id) => call(`/v1/sessions/${seg(id)}`);
export const resolve = (id, verdict, note) =>
  call(`/v1/review/${seg(id)}`, { method: 'POST', body: { verdict, note } });
/** `after`: a page's `next` (or nothing: the first page) -> `{users: [UserItem], next}`. */
export const users = (after) => call(after ? `/v1/users?after=${seg(after)}` : '/v1/users');
export const user = (id) => call(`/v1/users/${seg(id)}`);
export const resetUser = (id) => call(`/v1/users/${seg(id)}/reset`, { method: 'POST' });
export const eraseUser = (id) => call(`/v1/users/${seg(id)}`, { method: 'DELETE' });
