// Calls the gateway's API with the token from this browser session; every refusal becomes an ApiError carrying the
// API's own {"error": {"code", "message", "details", "requestId"}}.
const TOKEN_KEY = 'arbitrage.console.token';
const PROJECT_KEY = 'arbitrage.console.project';

export const session = {
  get token() { return sessionStorage.getItem(TOKEN_KEY); },
  get project() { return sessionStorage.getItem(PROJECT_KEY) || 'default'; },
  signIn(token, project) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(PROJECT_KEY, project || 'default');
  },
  setProject(project) { sessionStorage.setItem(PROJECT_KEY, project); },
  signOut() { sessionStorage.removeItem(TOKEN_KEY); sessionStorage.removeItem(PROJECT_KEY); },
};

export class ApiError extends Error {
  constructor(status, code, message, details, requestId) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details ?? null;
    this.requestId = requestId ?? null;
  }
}

/** GET/POST/DELETE a gateway path (e.g. '/v1/workloads'); resolves to the parsed JSON body, or throws ApiError. */
export async function api(path, { method = 'GET', body, signal, token = session.token } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) {
    // The SpotInst-style face takes the same API token in its own header.
    if (path.startsWith('/v1/spot/')) headers['X-Auth-Token'] = token;
    else headers.Authorization = `Bearer ${token}`;
  }
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, cache: 'no-store' });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'NETWORK_ERROR', `The gateway did not answer (${e.message}).`);
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) {
    const error = json && json.error;
    throw new ApiError(response.status, error?.code ?? `HTTP_${response.status}`,
      error?.message ?? (text.slice(0, 300) || response.statusText || 'The gateway refused the request.'),
      error?.details, error?.requestId ?? response.headers.get('X-Request-Id'));
  }
  return json;
}

export const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};
