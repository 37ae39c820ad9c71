// oidc-provider.mjs — a real, certified OpenID provider (npm "oidc-provider") for the tests, on 127.0.0.1.
//   node oidc-provider.mjs PORT ACCOUNTS.json REDIRECT_URI CLIENT_SECRET
// ACCOUNTS.json: {"<sub>": {"preferred_username": "...", "email": "...", "name": "...", "groups": [...]}, ...},
// read again at every sign-in, so a test changes someone's groups by rewriting the file.
// Sign-in is the library's development form: any login, any password; the login is the sub.
import Provider from 'oidc-provider';
import { readFileSync } from 'node:fs';

const [port, accountsFile, redirectUri, clientSecret] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const accounts = () => JSON.parse(readFileSync(accountsFile, 'utf8'));

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'holdpoint',
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email', 'groups'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
    groups: ['groups'],
  },
  conformIdTokenClaims: false,          // the claims in the ID token itself: Holdpoint reads them there
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['holdpoint-tests-only-cookie-key'] },
  async findAccount(ctx, sub) {
    const a = accounts()[sub];
    if (!a) return undefined;
    return { accountId: sub, async claims() { return { sub, email_verified: true, ...a }; } };
  },
});
provider.proxy = false;
const server = provider.listen(Number(port), '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
