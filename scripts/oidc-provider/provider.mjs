// The OpenID provider certgate-gate's login tests run against: npm's oidc-provider on a
// loopback http issuer, with one test client and a few accounts.
//
//   node provider.mjs --port PORT --redirect-uri URI [--redirect-uri URI ...]
//                     [--client-id ID] [--client-secret SECRET] [--issuer URL]
//
// Prints `oidc-provider listening on ISSUER` once it serves. Each start makes a new RSA
// signing key (a new `kid`): restarting on the same port is a key rotation.
//
// `GET /test/tamper?mode=MODE` makes the token endpoint answer a crafted ID token from
// then on (`none`: alg none, unsigned; `signature`: a broken signature; `aud`, `iss`,
// `expired`, `nonce`: that claim changed and signed again with the provider's key);
// `mode=` ends it. Only for the gate's refusal tests.
//
// Logins go through /interaction/UID: a small form (login name, "Sign in") for a
// browser; `GET /interaction/UID?login=NAME` signs in and consents at once, for tests
// that drive the flow with curl. Accounts: sam (sam@example.com, groups finance),
// alex (alex@example.com, groups staff), unverified (email_verified false).

import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const many = (name) => args.flatMap((a, i) => (a === `--${name}` ? [args[i + 1]] : []));

const port = Number(option('port', '0'));
const redirectUris = many('redirect-uri');
const clientId = option('client-id', 'certgate-test');
const clientSecret = option('client-secret', 'certgate-test-secret');

const ACCOUNTS = {
  sam: { email: 'sam@example.com', email_verified: true, groups: ['finance'], name: 'Sam' },
  alex: { email: 'alex@example.com', email_verified: true, groups: ['staff'], name: 'Alex' },
  unverified: { email: 'nope@example.com', email_verified: false, groups: [], name: 'Nope' },
};

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = privateKey.export({ format: 'jwk' });
jwk.kid = crypto.randomBytes(8).toString('hex');
jwk.use = 'sig';
jwk.alg = 'RS256';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// The ID token of a token response, crafted as `mode` says.
function craft(idToken, mode) {
  const [h, c, sig] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  const claims = JSON.parse(Buffer.from(c, 'base64url'));
  if (mode === 'none') {
    return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${c}.`;
  }
  if (mode === 'signature') {
    const bytes = Buffer.from(sig, 'base64url');
    bytes[0] ^= 1;
    return `${h}.${c}.${b64url(bytes)}`;
  }
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'aud') claims.aud = 'someone-else';
  if (mode === 'iss') claims.iss = 'http://issuer.invalid';
  if (mode === 'nonce') claims.nonce = 'another-nonce';
  if (mode === 'expired') {
    claims.iat = now - 7200;
    claims.exp = now - 3600;
  }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), privateKey))}`;
}

// Rewrites the token endpoint's JSON answer on its way out.
function tamperWith(res, mode) {
  const end = res.end.bind(res);
  res.end = (body, ...rest) => {
    try {
      const json = JSON.parse(String(body));
      if (json.id_token) json.id_token = craft(json.id_token, mode);
      const text = JSON.stringify(json);
      if (!res.headersSent) res.setHeader('content-length', Buffer.byteLength(text));
      return end(text);
    } catch {
      return end(body, ...rest);
    }
  };
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function main() {
  const server = http.createServer();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const issuer = option('issuer', `http://127.0.0.1:${server.address().port}`);
  const provider = new Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'groups'],
    },
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    pkce: { methods: ['S256'], required: () => true },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ sub: id, ...account }) };
    },
  });

  async function interaction(req, res) {
    const url = new URL(req.url, issuer);
    try {
      const details = await provider.interactionDetails(req, res);
      const login = url.searchParams.get('login');
      if (!login) {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end(`<!doctype html><html><head><title>Sign in to the test provider</title></head>
<body><h1>Sign in</h1><form method="get" action="/interaction/${escapeHtml(details.uid)}">
<input id="login" name="login" value="" autofocus>
<button id="sign-in" type="submit">Sign in</button></form></body></html>`);
        return;
      }
      if (!ACCOUNTS[login]) {
        res.statusCode = 400;
        res.end('no such account\n');
        return;
      }
      const grant = new provider.Grant({ accountId: login, clientId: details.params.client_id });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, {
        login: { accountId: login },
        consent: { grantId },
      }, { mergeWithLastSubmission: false });
    } catch (e) {
      res.statusCode = 400;
      res.end(`interaction failed: ${e.message}\n`);
    }
  }

  const callback = provider.callback();
  let tamper = '';
  server.on('request', (req, res) => {
    if (req.url.startsWith('/test/tamper')) {
      tamper = new URL(req.url, issuer).searchParams.get('mode') || '';
      res.end(`tamper: ${tamper || 'off'}\n`);
      return;
    }
    if (tamper && req.method === 'POST' && req.url.startsWith('/token')) {
      tamperWith(res, tamper);
    }
    if (req.url.startsWith('/interaction/')) {
      interaction(req, res);
    } else {
      callback(req, res);
    }
  });
  process.stdout.write(`oidc-provider listening on ${issuer}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
