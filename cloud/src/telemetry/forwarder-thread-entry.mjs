// The forwarder thread's entry: the cloud runs through tsx (registered in its main thread only), so the
// thread registers it too before loading its TypeScript.
import { register } from "tsx/esm/api";

register();
await import("./forwarder-thread.ts");
