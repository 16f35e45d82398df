// The items API. Every error is shown from the API's own body ({"error": {"message"}} from the
// function, {"message"} from API Gateway); a 401 refreshes the session once and retries; a 429
// waits with exponential backoff and jitter (at most 3 retries) and says so.

export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error;
    super(error?.message || body?.message || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.field = error?.field || null;
    this.code = error?.code || null;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function createApi(baseUrl, session, { onWait = () => {}, retries = 3, baseDelayMs = 500 } = {}) {
  async function send(method, path, { body, ifMatch, idempotencyKey } = {}) {
    const headers = { Authorization: `Bearer ${session.token()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (ifMatch) headers["If-Match"] = ifMatch;
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    return fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function request(method, path, options = {}) {
    const sentWith = session.token();
    let response = await send(method, path, options);
    if (response.status === 401) {
      // A request that was in flight while another one refreshed the session carries the old
      // token: retry it with the new one instead of refreshing a second time.
      if (session.token() === sentWith) await session.refresh();
      response = await send(method, path, options);
    }
    for (let attempt = 0; response.status === 429 && attempt < retries; attempt += 1) {
      const delay = baseDelayMs * 2 ** attempt * (0.5 + Math.random() / 2);
      onWait(Math.ceil(delay / 1000));
      await sleep(delay);
      response = await send(method, path, options);
    }
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, data);
    return { data, etag: response.headers.get("ETag") };
  }

  return {
    list: (status, cursor) => {
      const query = new URLSearchParams({ limit: "10" });
      if (status) query.set("status", status);
      if (cursor) query.set("cursor", cursor);
      return request("GET", `/items?${query}`);
    },
    get: (id) => request("GET", `/items/${id}`),
    create: (fields) =>
      request("POST", "/items", { body: fields, idempotencyKey: crypto.randomUUID() }),
    replace: (id, fields, etag) => request("PUT", `/items/${id}`, { body: fields, ifMatch: etag }),
    remove: (id, etag) => request("DELETE", `/items/${id}`, { ifMatch: etag }),
    uploadUrl: (id, contentType) =>
      request("POST", `/items/${id}/upload-url`, { body: { contentType } }),
  };
}

// The presigned POST, with progress (fetch has no upload progress; XMLHttpRequest does).
export function upload(presigned, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(presigned.fields)) form.append(name, value);
    form.append("file", file); // S3 ignores every field after the file
    const xhr = new XMLHttpRequest();
    xhr.open("POST", presigned.url);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(Math.round((100 * e.loaded) / e.total));
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      const code = /<Code>([^<]+)<\/Code>/.exec(xhr.responseText)?.[1] || `HTTP ${xhr.status}`;
      const message = /<Message>([^<]+)<\/Message>/.exec(xhr.responseText)?.[1] || "";
      reject(new Error(`The upload was refused: ${code}${message ? ` (${message})` : ""}`));
    };
    xhr.onerror = () => reject(new Error("The upload could not reach storage (network or CORS)."));
    xhr.send(form);
  });
}
