// The signed-in session. The id and access tokens live in this module's memory only; the
// refresh token is kept in sessionStorage so a reload in the same tab stays signed in (it is
// cleared when the tab closes and never shared with other tabs; localStorage would keep it on
// disk across sessions). Script injection could still read it: the CSP is what prevents that.
const REFRESH_KEY = "items.refreshToken";
const REFRESH_BEFORE_EXPIRY_S = 120;
const MIN_REFRESH_WAIT_S = 30;

export function claimsOf(jwt) {
  const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const padded = part + "=".repeat((4 - (part.length % 4)) % 4);
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))));
}

export function createSession(auth, { onChange = () => {} } = {}) {
  let idToken = null;
  let timer = null;
  let refreshing = null;

  // Counted from the token's own lifetime (exp - iat), from now, when it has just arrived: a
  // browser clock ahead of Cognito's would otherwise see every new token as about to expire and
  // refresh in a loop, and one behind would refresh after expiry.
  function schedule() {
    clearTimeout(timer);
    if (!idToken) return;
    const { exp, iat } = claimsOf(idToken);
    const wait = Math.max(MIN_REFRESH_WAIT_S, exp - iat - REFRESH_BEFORE_EXPIRY_S);
    timer = setTimeout(() => refresh().catch(() => {}), wait * 1000);
  }

  function store(result) {
    idToken = result.IdToken;
    if (result.RefreshToken) sessionStorage.setItem(REFRESH_KEY, result.RefreshToken);
    schedule();
    onChange(claimsOf(idToken));
  }

  async function refresh() {
    const token = sessionStorage.getItem(REFRESH_KEY);
    if (!token) throw new Error("no session");
    refreshing ??= auth.refresh(token).then(store).finally(() => { refreshing = null; });
    return refreshing;
  }

  return {
    async signIn(email, password) { store(await auth.signIn(email, password)); },
    async resume() {
      if (!sessionStorage.getItem(REFRESH_KEY)) return false;
      try { await refresh(); return true; } catch { this.clear(); return false; }
    },
    refresh,
    token: () => idToken,
    claims: () => (idToken ? claimsOf(idToken) : null),
    async signOut() {
      const token = sessionStorage.getItem(REFRESH_KEY);
      this.clear();
      if (token) await auth.revoke(token).catch(() => {});
    },
    clear() {
      idToken = null;
      clearTimeout(timer);
      sessionStorage.removeItem(REFRESH_KEY);
      onChange(null);
    },
  };
}

// `cognito:groups` in an id token is a list; the API receives it as "a,b" or "[a b]".
export function permissions(claims, config) {
  const groups = claims?.["cognito:groups"] || [];
  const known = groups.filter((g) => g in (config.groups || {}));
  if (!groups.length) return new Set(config.defaultGroup || []);
  return new Set(known.flatMap((g) => config.groups[g]));
}
