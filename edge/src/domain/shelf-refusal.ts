/** Why the edge is not monitoring an OPC-UA shelf, as a domain value. */
export type ShelfRefusalCode =
  /** No answer: connection refused, host unreachable, timed out. */
  | "UNREACHABLE"
  /** The server offers no endpoint with the configured security mode and policy. */
  | "ENDPOINT_MISSING"
  /** The server's certificate is not in the edge's trusted folder (it was put in rejected/). */
  | "SERVER_CERTIFICATE_UNTRUSTED"
  /** The server refused the secure channel: it does not trust the edge's certificate, or the checks failed. */
  | "SECURITY_REJECTED"
  /** The server refused the user identity (user name, password, user certificate). */
  | "IDENTITY_REJECTED"
  /** The session could not be created or activated for another reason. */
  | "SESSION_FAILED"
  /** A working connection or session was lost (server restart, network). */
  | "CONNECTION_LOST"
  /** The identity's secret (password variable or file, certificate or key file) cannot be read. */
  | "SECRET_UNAVAILABLE"
  /** Security mode None or an anonymous user outside development mode: never attempted. */
  | "INSECURE";

export interface ShelfRefusal {
  code: ShelfRefusalCode;
  /** What went wrong, from the library or the edge's own check. */
  reason: string;
  /** What an operator does about it. */
  fix: string;
  /** True when it may go away without anyone acting (startup order, restarts): worth a grace period. */
  transient: boolean;
}

/** Where the edge was when it failed. */
export type ShelfStage = "connect" | "session" | "subscribe" | "lost";

const STATUS = /\b(Bad[A-Za-z]+)\b/;

/**
 * Turns what node-opcua reports on a failed connect, session or subscription
 * into a refusal with a fix. node-opcua reports most refusals as an Error
 * whose message carries the OPC-UA status name (IEC 62541-4 §7.34), so the
 * status name is what is matched, never the wording around it.
 */
export function classifyShelfFailure(stage: ShelfStage, message: string, where: { pkiDir: string }): ShelfRefusal {
  const status = STATUS.exec(message)?.[1];
  // node-opcua wraps the cause on further lines ("… (in findEndpoint)\n (err =…)"): keep it, on one line.
  const reason = message.replace(/\s+/g, " ").trim().slice(0, 600);
  if (stage === "lost") {
    return {
      code: "CONNECTION_LOST",
      reason,
      fix: "none needed if the server comes back; check it if not",
      transient: true,
    };
  }
  if (/server Certificate verification failed/i.test(message)) {
    return {
      code: "SERVER_CERTIFICATE_UNTRUSTED",
      reason,
      fix: `review the server's certificate in ${where.pkiDir}/rejected and trust it: npx tally opcua certs, then npx tally opcua trust <thumbprint>`,
      transient: false,
    };
  }
  if (/Cannot find an Endpoint matching/i.test(message)) {
    return {
      code: "ENDPOINT_MISSING",
      reason,
      fix: "the server offers no endpoint with this security mode and policy: change the shelf's security in the site file or the server's endpoints",
      transient: false,
    };
  }
  if (
    status === "BadIdentityTokenRejected" ||
    status === "BadIdentityTokenInvalid" ||
    status === "BadUserAccessDenied" ||
    status === "BadUserSignatureInvalid"
  ) {
    return {
      code: "IDENTITY_REJECTED",
      reason,
      fix: "check the shelf's identity in the site file: the user name and the password in its passwordEnv or passwordFile, or the user certificate the server trusts",
      transient: false,
    };
  }
  if (
    status?.startsWith("BadCertificate") === true ||
    status === "BadSecurityChecksFailed" ||
    status === "BadSecurityPolicyRejected"
  ) {
    return {
      code: "SECURITY_REJECTED",
      reason,
      fix: `the server refused the secure channel: make it trust the edge's certificate (${where.pkiDir}/own/certs/client_certificate.pem) and check the security policy`,
      transient: false,
    };
  }
  if (stage === "session" || stage === "subscribe") {
    return { code: "SESSION_FAILED", reason, fix: "check the server's session limits and logs", transient: false };
  }
  return {
    code: "UNREACHABLE",
    reason,
    fix: "check that the shelf's server runs and listens on its endpointUrl, and the network between",
    transient: true,
  };
}
