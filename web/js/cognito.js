// Cognito's user-pool API, called as AWS documents it: POST to the regional endpoint with
// X-Amz-Target and a JSON body, no SDK. `endpoint` comes from config.json (the sandbox's
// local endpoint, or https://cognito-idp.<region>.amazonaws.com/ on AWS).

export class CognitoError extends Error {
  constructor(type, message) {
    super(message || type);
    this.type = type;
  }
}

export function cognito(endpoint, clientId) {
  async function call(operation, params) {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${operation}`,
      },
      body: JSON.stringify({ ClientId: clientId, ...params }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const type = String(body.__type || "Error").split("#").pop();
      throw new CognitoError(type, body.message || body.Message);
    }
    return body;
  }
  return {
    signUp: (email, password) =>
      call("SignUp", {
        Username: email,
        Password: password,
        UserAttributes: [{ Name: "email", Value: email }],
      }),
    confirm: (email, code) => call("ConfirmSignUp", { Username: email, ConfirmationCode: code }),
    signIn: async (email, password) =>
      (await call("InitiateAuth", {
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: email, PASSWORD: password },
      })).AuthenticationResult,
    refresh: async (refreshToken) =>
      (await call("InitiateAuth", {
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      })).AuthenticationResult,
    revoke: (refreshToken) => call("RevokeToken", { Token: refreshToken }),
  };
}
