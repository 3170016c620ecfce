// ESLint's flat configuration: the book's browser scripts in one dialect, ES2020.
//
// convlib/web/js/*.js are one script cut into files by concern: convlib.web.player.page_script
// joins them, in the order of convlib.web.player.SCRIPTS, inside one function that defines
// `convlib` (window.convlib). A file uses what the files before it define: those names are
// declared in a /* global ... */ comment at its top, so that a misspelt one is still an error.
import js from "@eslint/js";

// What the scripts use of the browser.
const browser = {
  window: "readonly",
  document: "readonly",
  Node: "readonly",
  ResizeObserver: "readonly",
  MutationObserver: "readonly",
  setInterval: "readonly",
  clearInterval: "readonly",
  setTimeout: "readonly",
};

// One dialect: const and let, arrow functions for callbacks, template strings, strict equality.
const dialect = {
  ...js.configs.recommended.rules,
  "no-var": "error",
  "prefer-const": "error",
  "prefer-arrow-callback": "error",
  "prefer-template": "error",
  "object-shorthand": "error",
  "prefer-rest-params": "error",
  "prefer-spread": "error",
  eqeqeq: "error",
  "no-implicit-coercion": "error",
};

export default [
  { ignores: [".venv/", "_build/", "node_modules/"] },
  {
    files: ["convlib/web/js/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: { ...browser, convlib: "readonly" },
    },
    // Top-level functions and constants are shared with the files after; their use is checked
    // where they are used (no-undef there), not where they are defined.
    rules: { ...dialect, "no-unused-vars": ["error", { vars: "local" }] },
  },
  {
    files: ["_static/*.js"],
    languageOptions: { ecmaVersion: 2020, sourceType: "script", globals: browser },
    rules: dialect,
  },
  {
    files: ["tests/js/*.mjs", "eslint.config.mjs"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "module",
      globals: { process: "readonly", URL: "readonly" },
    },
    rules: dialect,
  },
];
