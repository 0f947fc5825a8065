import htm from "htm";
import { h } from "preact";

/** JSX-like templates without a build step: html`<${Component} prop=${value} />`. */
export const html = htm.bind(h);
