/**
 * A throwaway PKI for TLS tests, made with the `openssl` command line: a CA,
 * a server certificate for 127.0.0.1 and localhost, and client certificates
 * whose subject CN names a device. Every value is a PEM file path in `dir`.
 */
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  /** A client certificate signed by the CA with subject `CN=<cn>` (made once per name). */
  client(cn: string): Promise<{ cert: string; key: string }>;
}

async function openssl(args: string[]): Promise<void> {
  await run("openssl", args, { timeout: 30_000 });
}

/** Makes a key and a certificate signed by the CA (`extFile`: extensions such as subjectAltName). */
async function signed(dir: string, name: string, subject: string, ca: { cert: string; key: string }, ext: string) {
  const key = join(dir, `${name}.key`);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.crt`);
  const extFile = join(dir, `${name}.ext`);
  await writeFile(extFile, ext);
  await openssl(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-subj", subject, "-out", csr]);
  await openssl([
    "x509",
    "-req",
    "-in",
    csr,
    "-CA",
    ca.cert,
    "-CAkey",
    ca.key,
    "-CAcreateserial",
    "-days",
    "2",
    "-sha256",
    "-extfile",
    extFile,
    "-out",
    cert,
  ]);
  return { cert, key };
}

export async function makeTestPki(dir: string): Promise<TestPki> {
  const ca = { cert: join(dir, "ca.crt"), key: join(dir, "ca.key") };
  await openssl([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    ca.key,
    "-out",
    ca.cert,
    "-days",
    "2",
    "-subj",
    "/CN=Tally test CA",
  ]);
  const server = await signed(
    dir,
    "server",
    "/CN=localhost",
    ca,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n",
  );
  const clients = new Map<string, Promise<{ cert: string; key: string }>>();
  return {
    caCert: ca.cert,
    serverCert: server.cert,
    serverKey: server.key,
    client: (cn) => {
      let made = clients.get(cn);
      if (made === undefined) {
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(cn)) throw new RangeError(`not a device id for a certificate: ${cn}`);
        made = signed(dir, `client-${cn}`, `/CN=${cn}`, ca, "extendedKeyUsage=clientAuth\n");
        clients.set(cn, made);
      }
      return made;
    },
  };
}
