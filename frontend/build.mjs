// Bundle the query editor into server/static/build/ (git-ignored; `make frontend` runs this).
import { build } from "esbuild";

await build({
  entryPoints: ["src/editor.js"],
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "iife",
  target: ["es2020"],
  legalComments: "linked",
  outfile: "../server/static/build/editor.js",
  logLevel: "info",
});
