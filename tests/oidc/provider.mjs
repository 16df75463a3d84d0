// A real OpenID provider for the company sign-in tests: panva's oidc-provider (OpenID certified),
// configured like VSHN's providers are: a confidential client that must use PKCE (S256), ES256 and
// RS256 signing keys published in its JWKS, RP-initiated logout, groups and app roles as claims.
//
// Started by tests/e2e/test_company_sign_in.py:
//   PORT=...  CLIENT_ID=... CLIENT_SECRET=... REDIRECT_URI=... POST_LOGOUT_REDIRECT_URI=...
//   ACCOUNTS_FILE=accounts.json  node tests/oidc/provider.mjs
// ACCOUNTS_FILE maps a login name to its claims and is read at every sign-in, so a test can change
// an account (its email, its groups) between two sign-ins. "groups_in" says where the groups go:
// "id_token" (like Entra ID), "userinfo" (like a Keycloak mapper with "Add to ID token" off) or
// "both". The login form accepts any password (oidc-provider's development login page).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import Provider from "oidc-provider";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const port = Number(env("PORT"));
const issuer = `http://127.0.0.1:${port}`;
const accountsFile = env("ACCOUNTS_FILE");

function signingKey(type, options, alg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: "jwk" }), alg, use: "sig", kid: `${alg.toLowerCase()}-${randomBytes(4).toString("hex")}` };
}

function accounts() {
  return JSON.parse(readFileSync(accountsFile, "utf8"));
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env("CLIENT_ID"),
      client_secret: env("CLIENT_SECRET"),
      redirect_uris: [env("REDIRECT_URI")],
      post_logout_redirect_uris: [env("POST_LOGOUT_REDIRECT_URI")],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_post",
      id_token_signed_response_alg: process.env.ID_TOKEN_ALG || "ES256",
    },
  ],
  jwks: {
    keys: [
      signingKey("ec", { namedCurve: "P-256" }, "ES256"),
      signingKey("rsa", { modulusLength: 2048 }, "RS256"),
    ],
  },
  cookies: { keys: [randomBytes(32).toString("hex")] },
  // Every client must send a PKCE S256 challenge, as Keycloak clients and Entra ID often demand.
  pkce: { required: () => true },
  scopes: ["openid", "email", "profile", "groups", "roles"],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name", "preferred_username"],
    groups: ["groups"],
    roles: ["roles"],
  },
  // Scope claims also go into the ID token (what Entra ID and Keycloak's default mappers do).
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
  },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
  async findAccount(ctx, sub) {
    if (!(sub in accounts())) return undefined;
    return {
      accountId: sub,
      async claims(use) {
        const { groups_in: groupsIn = "both", ...claims } = accounts()[sub];
        const result = { ...claims, sub };
        if (groupsIn !== "both" && groupsIn !== use) {
          delete result.groups;
          delete result.roles;
        }
        return result;
      },
    };
  },
  // A first-party application: no consent page (the grant covers what the client asks for).
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope("openid email profile groups roles");
    await grant.save();
    return grant;
  },
});

provider.on("server_error", (ctx, error) => console.error("oidc-provider server_error", error));

provider.listen(port, "127.0.0.1", () => console.log(`oidc-provider listening on ${issuer}`));
