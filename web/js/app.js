// The single-page app: config.json (from the stack's outputs) -> session -> API -> screens.
import { createApi, upload, ApiError } from "./api.js";
import { cognito, CognitoError } from "./cognito.js";
import { createSession, permissions } from "./session.js";

const $ = (id) => document.getElementById(id);
const state = { config: null, api: null, session: null, cursors: [null], page: 0, item: null, etag: null, can: new Set() };

function say(text) { $("message").textContent = text; }
function fail(error) {
  const text = error instanceof ApiError && error.field ? `${error.message} (${error.field})` : error.message;
  $("error").textContent = text;
}
function clearNotes() { $("message").textContent = ""; $("error").textContent = ""; }

function render(claims) {
  const signedIn = Boolean(claims);
  $("auth").hidden = signedIn;
  $("items").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
  $("who").textContent = signedIn ? `Signed in as ${claims.email}` : "";
  state.can = signedIn ? permissions(claims, state.config) : new Set();
  // Controls a role lacks are disabled, and say why.
  for (const [id, permission] of [["new-item", "write"], ["save", "write"], ["delete", "write"], ["send-file", "upload"], ["file", "upload"]]) {
    const control = $(id);
    control.disabled = !state.can.has(permission);
    control.title = control.disabled ? `Your role does not have the ${permission} permission.` : "";
  }
}

async function load(page = 0) {
  clearNotes();
  try {
    const { data } = await state.api.list($("status-filter").value, state.cursors[page]);
    state.page = page;
    state.cursors[page + 1] = data.nextCursor;
    const list = $("item-list");
    list.replaceChildren();
    for (const item of data.items) {
      const li = document.createElement("li");
      const name = document.createElement("span");
      name.textContent = item.name;
      const status = document.createElement("span");
      status.className = "status";
      status.textContent = item.status;
      const open = document.createElement("button");
      open.type = "button";
      open.textContent = "Open";
      open.setAttribute("aria-label", `Open ${item.name}`);
      open.addEventListener("click", () => edit(item.id));
      li.append(name, status, open);
      list.append(li);
    }
    if (!data.items.length) list.innerHTML = "<li>No items.</li>";
    $("next-page").disabled = !data.nextCursor;
  } catch (error) { fail(error); }
}

function showEditor(item, etag) {
  state.item = item;
  state.etag = etag;
  $("editor").hidden = false;
  $("conflict").hidden = true;
  $("item-name").value = item?.name || "";
  $("item-description").value = item?.description || "";
  $("item-status").value = item?.status || "todo";
  $("delete").disabled = !item || !state.can.has("write");
  $("upload").hidden = !item;
  $("item-name").focus();
}

async function edit(id) {
  clearNotes();
  try {
    const { data, etag } = await state.api.get(id);
    showEditor(data, etag);
  } catch (error) { fail(error); }
}

function fields() {
  return { name: $("item-name").value, description: $("item-description").value, status: $("item-status").value, tags: state.item?.tags || [] };
}

function showConflict(error) {
  const current = error.body?.current;
  if (error.status !== 409 || !current) return false;
  $("conflict").hidden = false;
  $("conflict-current").textContent = `${current.name} (${current.status}), version ${current.version}`;
  $("use-current").onclick = () => showEditor(current, `"${current.version}"`);
  fail(error);
  return true;
}

async function save(event) {
  event.preventDefault();
  clearNotes();
  try {
    const result = state.item
      ? await state.api.replace(state.item.id, fields(), state.etag)
      : await state.api.create(fields());
    showEditor(result.data, result.etag);
    say("Saved.");
    await load(state.page);
    say("Saved.");
  } catch (error) { if (!showConflict(error)) fail(error); }
}

async function remove() {
  clearNotes();
  try {
    await state.api.remove(state.item.id, state.etag);
    $("editor").hidden = true;
    await load(state.page);
    say("Deleted.");
  } catch (error) { if (!showConflict(error)) fail(error); }
}

async function sendFile() {
  clearNotes();
  const file = $("file").files[0];
  const types = state.config.uploadContentTypes || [];
  if (!file) return fail(new Error("Choose a file first."));
  if (types.length && !types.includes(file.type)) return fail(new Error(`${file.type || "This type"} is not allowed; allowed: ${types.join(", ")}.`));
  if (file.size > state.config.uploadMaxBytes) return fail(new Error(`The file is ${file.size} bytes; the limit is ${state.config.uploadMaxBytes}.`));
  try {
    const { data } = await state.api.uploadUrl(state.item.id, file.type);
    $("upload-progress").hidden = false;
    await upload(data, file, (percent) => { $("upload-progress").value = percent; });
    say(`Uploaded ${file.name}.`);
  } catch (error) { fail(error); }
}

async function start() {
  state.config = await (await fetch("config.json", { cache: "no-store" })).json();
  const c = state.config;
  $("upload-limits").textContent = `Up to ${c.uploadMaxBytes} bytes; ${(c.uploadContentTypes || []).join(", ")}.`;
  const auth = cognito(c.cognitoEndpoint, c.clientId);
  // An admin-only pool refuses SignUp: no sign-up button, and a note saying who creates accounts.
  const selfSignUp = c.selfSignUp !== false;
  $("sign-up").hidden = !selfSignUp;
  $("sign-up").disabled = !selfSignUp;
  $("admin-only").hidden = selfSignUp;
  state.session = createSession(auth, { onChange: render });
  state.api = createApi(c.apiUrl, state.session, { onWait: (s) => say(`The service is busy (429); retrying in ${s} s.`) });

  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearNotes();
    try {
      await state.session.signIn($("email").value, $("password").value);
      await load(0);
    } catch (error) {
      if (error instanceof CognitoError && error.type === "UserNotConfirmedException") {
        $("confirm-form").hidden = false;
      }
      fail(error);
    }
  });
  $("sign-up").addEventListener("click", async () => {
    clearNotes();
    if (!$("sign-in-form").reportValidity()) return;
    try {
      await auth.signUp($("email").value, $("password").value);
      $("confirm-form").hidden = false;
      say("Account created: enter the code from your email.");
    } catch (error) { fail(error); }
  });
  $("confirm-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    clearNotes();
    try {
      await auth.confirm($("email").value, $("code").value);
      $("confirm-form").hidden = true;
      await state.session.signIn($("email").value, $("password").value);
      await load(0);
    } catch (error) { fail(error); }
  });
  $("sign-out").addEventListener("click", () => state.session.signOut());
  $("status-filter").addEventListener("change", () => { state.cursors = [null]; load(0); });
  $("first-page").addEventListener("click", () => load(0));
  $("next-page").addEventListener("click", () => load(state.page + 1));
  $("new-item").addEventListener("click", () => showEditor(null, null));
  $("editor").addEventListener("submit", save);
  $("delete").addEventListener("click", remove);
  $("cancel").addEventListener("click", () => { $("editor").hidden = true; });
  $("send-file").addEventListener("click", sendFile);
  render(null);
  if (await state.session.resume()) await load(0);
  document.body.dataset.ready = "true";
}

start().catch((error) => { fail(error); document.body.dataset.ready = "error"; });
