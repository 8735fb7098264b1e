// One way to call the Telltale server from a page: JSON in, JSON out, the caller's secret as a
// bearer token, and the server's stable error body (`{error, message, field}`) kept on failure.

/** A request the server refused (or that never reached it: `status` 0). */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || (status ? `the server answered ${status}` : 'the server could not be reached'));
    this.status = status;
    /** The server's stable error code (`enrolling`, `unauthorized`, ...), when it sent one. */
    this.code = body?.error ?? null;
    this.body = body;
  }
}

/**
 * `request('/v1/profile', {token})` -> `{status, ok, data, headers}`; never throws for an
 * answer, only for no answer (`ApiError` with status 0). `data` is the parsed JSON or null.
 */
export async function request(path, { method = 'GET', token, body } = {}) {
  const headers = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
      // A redirect (a login proxy whose session ran out) is not the server's answer.
      redirect: 'error',
    });
  } catch {
    throw new ApiError(0, null);
  }
  const text = await res.text().catch(() => '');
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  return { status: res.status, ok: res.ok, data, headers: res.headers };
}

/** Like `request`, but answers the data and throws an `ApiError` for any non-2xx answer. */
export async function api(path, opts) {
  const r = await request(path, opts);
  if (!r.ok) throw new ApiError(r.status, r.data);
  return r.data;
}
