import { z } from "zod";

/**
 * OPC-UA message security mode (IEC 62541-4 §7.15): `None` sends in clear,
 * `Sign` signs every message, `SignAndEncrypt` signs and encrypts.
 */
export const OpcuaSecurityMode = z.enum(["None", "Sign", "SignAndEncrypt"]);
export type OpcuaSecurityMode = z.infer<typeof OpcuaSecurityMode>;

/**
 * OPC-UA security policies the edge accepts: the ones node-opcua implements
 * that IEC 62541-7 (1.05) does not deprecate. Basic128Rsa15 and Basic256 are
 * deprecated (SHA-1) and refused, as are node-opcua's non-standard ones.
 */
export const OpcuaSecurityPolicy = z.enum(["None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"]);
export type OpcuaSecurityPolicy = z.infer<typeof OpcuaSecurityPolicy>;

const EnvName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "an environment variable name (letters, digits, '_')");
const FilePath = z.string().min(1).max(1000);

/**
 * Who the edge is on the shelf's server: anonymous, a user name whose
 * password comes from an environment variable (`passwordEnv`) or a secrets
 * file (`passwordFile`, its content trimmed), or an X.509 certificate with
 * its private key (PEM files). The password itself never appears in a site file.
 */
export const OpcuaUserIdentity = z.discriminatedUnion("type", [
  z.object({ type: z.literal("anonymous") }).strict(),
  z
    .object({
      type: z.literal("userName"),
      userName: z.string().min(1).max(200),
      passwordEnv: EnvName.optional(),
      passwordFile: FilePath.optional(),
      password: z
        .undefined({ error: "never put a password in the site file: name passwordEnv or passwordFile" })
        .optional(),
    })
    .strict()
    .refine((i) => (i.passwordEnv === undefined) !== (i.passwordFile === undefined), {
      message: "a userName identity needs exactly one of passwordEnv or passwordFile",
      path: ["passwordEnv"],
    }),
  z.object({ type: z.literal("certificate"), certificateFile: FilePath, privateKeyFile: FilePath }).strict(),
]);
export type OpcuaUserIdentity = z.infer<typeof OpcuaUserIdentity>;

/**
 * How the edge secures its session with an OPC-UA shelf. Without it a shelf is
 * None/None/anonymous, which the edge connects only in development mode.
 */
export const OpcuaShelfSecurity = z
  .object({
    mode: OpcuaSecurityMode,
    policy: OpcuaSecurityPolicy,
    identity: OpcuaUserIdentity.default({ type: "anonymous" }),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.mode === "None" && s.policy !== "None") {
      ctx.addIssue({
        code: "custom",
        path: ["policy"],
        message: `security mode None sends in clear, so its policy must be None (got ${s.policy}); use mode SignAndEncrypt to use ${s.policy}`,
      });
    }
    if (s.mode !== "None" && s.policy === "None") {
      ctx.addIssue({
        code: "custom",
        path: ["policy"],
        message: `security mode ${s.mode} needs a policy other than None, e.g. Basic256Sha256`,
      });
    }
  });
export type OpcuaShelfSecurity = z.infer<typeof OpcuaShelfSecurity>;

/** What a shelf without a `security` block gets: no security, anonymous (development only). */
export const OPCUA_NO_SECURITY: OpcuaShelfSecurity = { mode: "None", policy: "None", identity: { type: "anonymous" } };
