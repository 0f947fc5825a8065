import { instantsIn } from "../lib/format.js";
import { html } from "../lib/html.js";

/** A message from the cloud with its instants in local time (the exact UTC instant on hover). */
export function messageText(text) {
  return instantsIn(text).map((part) =>
    typeof part === "string" ? part : html`<time datetime=${part.iso} title=${part.iso}>${part.local}</time>`,
  );
}
