// Builds web/dist/: app.<hash>.js and app.<hash>.css (esbuild), index.html with the
// Content-Security-Policy filled in, config.js and icon.svg. No CDN, nothing fetched.
//
//   npm ci && npm run build
//
// Build-time settings (all optional; scripts/serve_web.py can override them when serving):
//   XIAOAN_SERVER_URL    Rasa server, e.g. http://10.0.0.5:5005 ; "self" = same origin as
//                        the page (reverse proxy) ; empty = same host as the page, port 5005
//   XIAOAN_SOCKET_PATH   socket.io path (default /socket.io)
//   XIAOAN_INIT_PAYLOAD  sent once when a new conversation starts (default /greet; "" = none)
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildCsp } from "./csp.mjs";

const root = path.dirname(fileURLToPath(import.meta.url));
const src = path.join(root, "src");
const dist = path.join(root, "dist");
const target = ["es2017", "chrome61", "firefox60", "ios15"];

const env = process.env;
const config = {
  serverUrl: env.XIAOAN_SERVER_URL ?? "",
  socketPath: env.XIAOAN_SOCKET_PATH || "/socket.io",
  initPayload: env.XIAOAN_INIT_PAYLOAD ?? "/greet",
};

fs.rmSync(dist, { recursive: true, force: true });
fs.mkdirSync(dist, { recursive: true });

async function bundle(entry, loader) {
  const result = await esbuild.build({
    entryPoints: [path.join(src, entry)],
    bundle: true,
    minify: true,
    format: loader === "js" ? "iife" : undefined,
    target,
    write: false,
    legalComments: "none",
    logLevel: "warning",
    outdir: dist,
  });
  const code = result.outputFiles[0].contents;
  const hash = createHash("sha256").update(code).digest("hex").slice(0, 10);
  const name = `app.${hash}.${loader}`;
  fs.writeFileSync(path.join(dist, name), code);
  return name;
}

const jsName = await bundle("main.js", "js");
const cssName = await bundle("style.css", "css");

const csp = buildCsp(config.serverUrl);
const html = fs
  .readFileSync(path.join(src, "index.html"), "utf8")
  .replace("__CSP__", csp)
  .replace("__APP_JS__", jsName)
  .replace("__APP_CSS__", cssName);
fs.writeFileSync(path.join(dist, "index.html"), html);
fs.writeFileSync(path.join(dist, "config.js"), `window.XIAOAN_CONFIG = ${JSON.stringify(config)};\n`);
fs.copyFileSync(path.join(src, "icon.svg"), path.join(dist, "icon.svg"));

console.log(`web/dist built: ${jsName}, ${cssName}, index.html, config.js, icon.svg`);
console.log(`  serverUrl=${JSON.stringify(config.serverUrl)} (empty = same host, port 5005)`);
