// A real OpenID Connect provider (panva/oidc-provider, certified by the OpenID Foundation) for the console's
// sign-in tests. It stands in for Microsoft Entra ID or Google Workspace: the console's ASP.NET Core handler talks to
// it over the real protocol (discovery, authorization code with PKCE, token endpoint, signed id token, JWKS).
// Only the people and their groups are made up, and the login page is the library's development one (any password).
//
// Usage: node server.mjs CONFIG.json
//   { "port": 0, "host": "localhost", "clientId": "...", "clientSecret": "...", "redirectUri": "http://...",
//     "accounts": { "login": { "email": "...", "email_verified": true, "groups": ["..."], "hd": "...", "name": "..." } } }
// Prints one line "issuer http://localhost:PORT" once it is listening; stops on SIGTERM or when stdin closes.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const server = createServer();
await new Promise((resolve) => server.listen(config.port ?? 0, '127.0.0.1', resolve));
const issuer = `http://${config.host ?? 'localhost'}:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.clientId,
    client_secret: config.clientSecret,
    redirect_uris: [config.redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    // What ASP.NET Core's handler sends: the secret in the form body.
    token_endpoint_auth_method: 'client_secret_post',
  }],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'hd', 'groups'],
  },
  // Entra ID and Google put e-mail, groups and hd in the id token itself; so does this provider.
  conformIdTokenClaims: false,
  cookies: { keys: ['alertpipeline-test-provider-only'] },
  async findAccount(ctx, sub) {
    const person = config.accounts[sub] ?? {};
    return { accountId: sub, async claims() { return { sub, ...person }; } };
  },
  // A first-party application the organisation has consented to (as a tenant administrator does for Entra):
  // no consent screen, as staff see none at their school.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) {
      return ctx.oidc.provider.Grant.find(grantId);
    }
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'hd', 'groups']);
    await grant.save();
    return grant;
  },
});
// The development-only warnings go to stderr; the tests read stdout.
server.on('request', provider.callback());

process.stdout.write(`issuer ${issuer}\n`);
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
