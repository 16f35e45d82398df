// Drives web/ in headless Chromium (Debian's, through playwright-core: no browser download) for
// tests/emulator/test_emulator_web.py: one scenario per run, its findings printed as JSON.
import { chromium } from "playwright-core";

const [scenario, webUrl, gatewayUrl, executablePath, shots] = process.argv.slice(2);
const password = (user) => `Offline-${user}-Passw0rd!`; // offline/gateway/users.py's helper

const browser = await chromium.launch({
  executablePath,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
const context = await browser.newContext({ viewport: { width: 420, height: 860 } });
const consoleErrors = [];
context.on("weberror", (e) => consoleErrors.push(String(e.error())));
context.on("requestfailed", (r) => consoleErrors.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
context.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
context.setDefaultTimeout(20000);
const found = {};

async function open(page = null) {
  page ??= await context.newPage();
  await page.goto(`${webUrl}/`);
  await page.waitForSelector("body[data-ready]");
  return page;
}

async function signIn(page, email, pass) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(pass);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForSelector("#items:not([hidden])");
  // The first page has loaded, or failed with an error shown.
  await page.waitForFunction(() => document.querySelector("#item-list li") || document.getElementById("error").textContent);
}

async function helperUser(user, group) {
  const response = await fetch(`${gatewayUrl}/_offline/token`, {
    method: "POST",
    body: JSON.stringify(group ? { user, group } : { user }),
  });
  return (await response.json()).username;
}

async function shot(page, name) {
  if (shots) await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

async function createItem(page, name) {
  await page.getByRole("button", { name: "New item" }).click();
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Save" }).click();
  await page.waitForFunction(() => document.getElementById("message").textContent === "Saved.");
}

try {
  if (scenario === "signup-crud-conflict-upload") {
    const page = await open();
    await shot(page, "web-sign-in");
    const email = "sam@example.com";
    const pass = "Sam-Long-Passw0rd!";
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(pass);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForSelector("#confirm-form:not([hidden])");
    await page.getByLabel("Confirmation code").fill("000001");
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.waitForFunction(() => document.getElementById("error").textContent !== "");
    found.wrongCode = await page.textContent("#error");
    const outbox = await (await fetch(`${gatewayUrl}/_offline/outbox`)).json();
    await page.getByLabel("Confirmation code").fill(outbox[email]);
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.waitForSelector("#items:not([hidden])");
    found.who = await page.textContent("#who");
    await createItem(page, "first item");
    await createItem(page, "second item");
    await page.selectOption("#status-filter", "todo");
    await page.waitForFunction(() => document.querySelectorAll("#item-list li button").length === 2);
    found.listed = await page.$$eval("#item-list li span:first-child", (s) => s.map((e) => e.textContent));
    await shot(page, "web-items");
    // Conflict: the same user changes the item in another tab, then this tab saves.
    await page.getByRole("button", { name: "Open first item" }).click();
    await page.waitForSelector("#editor:not([hidden])");
    const other = await open();
    await signIn(other, email, pass);
    await other.getByRole("button", { name: "Open first item" }).click();
    await other.getByLabel("Name").fill("changed elsewhere");
    await other.getByRole("button", { name: "Save" }).click();
    await other.waitForFunction(() => document.getElementById("message").textContent === "Saved.");
    await page.getByLabel("Name").fill("my change");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForSelector("#conflict:not([hidden])");
    found.conflict = await page.textContent("#conflict-current");
    found.conflictError = await page.textContent("#error");
    await shot(page, "web-conflict");
    await page.getByRole("button", { name: "Edit the current version" }).click();
    await page.getByLabel("Name").fill("my change, again");
    await page.getByRole("button", { name: "Save" }).click();
    await page.waitForFunction(() => document.getElementById("message").textContent === "Saved.");
    found.saved = await page.inputValue("#item-name");
    // Upload: a small PNG through the presigned POST; one over the size limit is refused first.
    found.limits = await page.textContent("#upload-limits");
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
    await page.setInputFiles("#file", { name: "pic.png", mimeType: "image/png", buffer: png });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.waitForFunction(() => document.getElementById("message").textContent.startsWith("Uploaded"));
    found.uploaded = await page.textContent("#message");
    const limit = Number((await (await fetch(`${webUrl}/config.json`)).json()).uploadMaxBytes);
    await page.setInputFiles("#file", { name: "big.png", mimeType: "image/png", buffer: Buffer.alloc(limit + 1) });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.waitForFunction(() => document.getElementById("error").textContent.includes("limit"));
    found.tooBig = await page.textContent("#error");
    // Delete with If-Match.
    await page.getByRole("button", { name: "Delete" }).click();
    await page.waitForFunction(() => document.getElementById("message").textContent === "Deleted.");
    found.afterDelete = await page.$$eval("#item-list li span:first-child", (s) => s.map((e) => e.textContent));
  } else if (scenario === "reader") {
    const email = await helperUser("rita", "readers");
    const page = await open();
    await signIn(page, email, password("rita"));
    found.newItemDisabled = await page.isDisabled("#new-item");
    found.title = await page.getAttribute("#new-item", "title");
    found.listError = await page.textContent("#error");
    await shot(page, "web-reader");
  } else if (scenario === "signin") {
    const email = await helperUser("tom");
    const page = await open();
    await signIn(page, email, password("tom"));
    found.error = await page.textContent("#error");
    await page.evaluate(() => { document.title = "signed-in"; });
    // Keep the page open for the next step: the test moves the sandbox clock, then we reload
    // the list (API answers 401 to the expired token, the app refreshes once and retries).
    process.stdout.write("READY\n");
    await new Promise((resolve) => process.stdin.once("data", resolve));
    const seen = [];
    page.on("response", (r) => {
      if (r.url().includes("/items?")) seen.push(r.status());
      if (r.url().includes("/_aws/cognito-idp/")) seen.push(`cognito:${r.request().postData().includes("REFRESH_TOKEN_AUTH") ? "refresh" : "other"}`);
    });
    const listed = page.waitForResponse((r) => r.url().includes("/items?") && r.status() !== 401);
    await page.getByRole("button", { name: "First page" }).click();
    await listed;
    await page.waitForFunction(() => document.querySelector("#item-list li"));
    found.afterExpiry = { seen: [...seen], error: await page.textContent("#error") };
    found.stillSignedIn = await page.isVisible("#items");
    // 429: the test has tightened the stage's throttling; the app backs off and says so.
    process.stdout.write("READY\n");
    await new Promise((resolve) => process.stdin.once("data", resolve));
    const messages = [];
    page.on("console", () => {});
    await page.exposeFunction("note", (m) => messages.push(m));
    await page.evaluate(() => new MutationObserver(() => window.note(document.getElementById("message").textContent))
      .observe(document.getElementById("message"), { childList: true, subtree: true, characterData: true }));
    for (let i = 0; i < 4; i += 1) await page.getByRole("button", { name: "First page" }).click();
    await page.waitForTimeout(4000);
    found.busyMessages = messages.filter((m) => m.includes("429"));
    found.finalError = await page.textContent("#error");
    await shot(page, "web-busy");
  } else if (scenario === "admin-only") {
    // config.json says selfSignUp: false: no way to sign up, a note instead; sign-in stays.
    const page = await open();
    found.signUpVisible = await page.isVisible("#sign-up");
    found.note = (await page.isVisible("#admin-only")) ? await page.textContent("#admin-only") : null;
    found.signInVisible = await page.isVisible("#sign-in");
  } else if (scenario === "other-origin") {
    const email = await helperUser("uma");
    const page = await open();
    await signIn(page, email, password("uma"));
    await page.waitForFunction(() => document.getElementById("error").textContent !== "");
    found.error = await page.textContent("#error");
    found.items = await page.$$eval("#item-list li", (l) => l.length);
  }
  console.log(JSON.stringify({ ok: true, found }));
} catch (error) {
  const pages = await Promise.all(context.pages().map(async (p) => ({
    error: await p.textContent("#error").catch(() => null),
    message: await p.textContent("#message").catch(() => null),
  })));
  console.log(JSON.stringify({ ok: false, error: String(error).split("\n")[0], pages, consoleErrors, found }));
} finally {
  await browser.close();
}
