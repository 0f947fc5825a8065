import { render } from "preact";
import { html } from "./lib/html.js";
import { App } from "./views/app.js";

const root = document.getElementById("app");
if (root !== null) {
  root.textContent = "";
  render(html`<${App} />`, root);
}
