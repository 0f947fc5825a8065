export * from "./device-messages.js";
export * from "./envelope.js";
export * from "./epc/sgtin96.js";
export * from "./errors.js";
export * from "./events.js";
export * from "./gs1/check-digit.js";
export * from "./site-layout.js";
export * from "./topics.js";
