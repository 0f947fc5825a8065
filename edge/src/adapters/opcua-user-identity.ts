import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { OpcuaUserIdentity } from "@tally/protocols";
import type { UserIdentityInfo } from "node-opcua";

/** The identity's secret could not be read: a configuration problem, not the server's refusal. */
export class IdentitySecretError extends Error {
  override readonly name = "IdentitySecretError";
}

/**
 * The user identity node-opcua presents for a shelf, read when a session is
 * opened: a password file or a certificate replaced since the last attempt
 * counts without restarting the edge.
 */
export async function resolveUserIdentity(
  identity: OpcuaUserIdentity,
  env: Readonly<Record<string, string | undefined>>,
): Promise<UserIdentityInfo> {
  // Loaded here, not at the module's top: importing the edge must not load node-opcua (decision 0189).
  const { UserTokenType } = await import("node-opcua");
  switch (identity.type) {
    case "anonymous":
      return { type: UserTokenType.Anonymous };
    case "userName": {
      let password: string | undefined;
      if (identity.passwordEnv !== undefined) {
        password = env[identity.passwordEnv];
        if (password === undefined || password === "") {
          throw new IdentitySecretError(
            `environment variable ${identity.passwordEnv} (the password of ${identity.userName}) is not set`,
          );
        }
      } else if (identity.passwordFile !== undefined) {
        // A secrets file usually ends with a newline that is not part of the password.
        password = (await readSecret(identity.passwordFile, "password file")).toString("utf8").replace(/\r?\n$/, "");
      }
      if (password === undefined) throw new IdentitySecretError(`no password source for ${identity.userName}`);
      return { type: UserTokenType.UserName, userName: identity.userName, password };
    }
    case "certificate": {
      const certificate = await readSecret(identity.certificateFile, "user certificate");
      const privateKey = (await readSecret(identity.privateKeyFile, "user private key")).toString("utf8");
      let der: Buffer;
      try {
        der = new X509Certificate(certificate).raw;
      } catch (cause) {
        throw new IdentitySecretError(`user certificate ${identity.certificateFile} is not a PEM or DER certificate`, {
          cause,
        });
      }
      if (!privateKey.includes("PRIVATE KEY")) {
        throw new IdentitySecretError(`user private key ${identity.privateKeyFile} is not a PEM private key`);
      }
      return { type: UserTokenType.Certificate, certificateData: der, privateKey };
    }
  }
}

async function readSecret(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (cause) {
    throw new IdentitySecretError(
      `cannot read the ${what} ${path}: ${(cause as NodeJS.ErrnoException).code ?? "error"}`,
      {
        cause,
      },
    );
  }
}
