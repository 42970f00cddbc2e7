// TypeScript/JavaScript oracle: the TypeScript compiler API (parser, JSDoc, module resolution
// with each file's nearest tsconfig/jsconfig). Reads {"root", "files", "sample"} on stdin.
"use strict";
const fs = require("fs");
const path = require("path");
const ts = require("typescript");

const req = JSON.parse(fs.readFileSync(0, "utf8"));
const root = req.root;
const sample = new Set(req.sample);
const out = {};
const configs = new Map();

function optionsFor(file) {
  let dir = path.dirname(file);
  while (dir.startsWith(root)) {
    for (const name of ["tsconfig.json", "jsconfig.json"]) {
      const p = path.join(dir, name);
      if (fs.existsSync(p)) {
        if (!configs.has(p)) {
          const read = ts.readConfigFile(p, ts.sys.readFile);
          const parsed = ts.parseJsonConfigFileContent(read.config || {}, ts.sys, dir);
          configs.set(p, { allowJs: true, ...parsed.options });
        }
        return configs.get(p);
      }
    }
    if (dir === root) break;
    dir = path.dirname(dir);
  }
  return { allowJs: true, moduleResolution: ts.ModuleResolutionKind.Node10 };
}

// workspace packages (name -> folder), which resolve only once installed
const workspaces = {};
(function walk(dir, depth) {
  if (depth > 6) return;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p, depth + 1);
    else if (entry.name === "package.json") {
      try {
        const name = JSON.parse(fs.readFileSync(p, "utf8")).name;
        if (name) workspaces[name] = path.relative(root, dir);
      } catch (e) {}
    }
  }
})(root, 0);

function mods(node) {
  return ts.canHaveModifiers(node) ? ts.getModifiers(node) || [] : [];
}
function has(node, kind) {
  return mods(node).some((m) => m.kind === kind);
}
function docOf(node) {
  const docs = node.jsDoc;
  if (!docs || !docs.length) return "";
  const d = docs[docs.length - 1];
  return ts.getTextOfJSDocComment(d.comment) || "";
}

for (const rel of req.files) {
  const file = path.join(root, rel);
  const text = fs.readFileSync(file, "utf8");
  const entry = { symbols: [], edges: {}, unknown: [], idents: [] };
  out[rel] = entry;
  let sf;
  try {
    sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  } catch (e) {
    entry.error = String(e);
    continue;
  }
  const exported = new Set();
  const idents = new Set();
  const specs = []; // [specifier, names]
  function collect(node) {
    if (ts.isIdentifier(node)) idents.add(node.text);
    if (ts.isPrivateIdentifier && ts.isPrivateIdentifier(node)) idents.add(node.text);
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const names = [];
      const clause = node.importClause;
      if (clause) {
        if (clause.name) names.push(clause.name.text);
        const b = clause.namedBindings;
        if (b && ts.isNamedImports(b)) b.elements.forEach((e) => names.push((e.propertyName || e.name).text));
      }
      if (ts.isExportDeclaration(node) && node.exportClause && ts.isNamedExports(node.exportClause))
        node.exportClause.elements.forEach((e) => names.push((e.propertyName || e.name).text));
      specs.push([node.moduleSpecifier.text, names]);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) specs.push([e.text, [node.name.text]]);
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      if ((ts.isIdentifier(callee) && callee.text === "require") || callee.kind === ts.SyntaxKind.ImportKeyword) {
        const names = [];
        const parent = node.parent;
        if (parent && ts.isVariableDeclaration(parent) && ts.isObjectBindingPattern(parent.name))
          parent.name.elements.forEach((e) => names.push((e.propertyName || e.name).getText(sf)));
        if (parent && ts.isPropertyAccessExpression(parent)) names.push(parent.name.text);
        specs.push([node.arguments[0].text, names]);
      }
    } else if (ts.isExportDeclaration(node) && !node.moduleSpecifier && node.exportClause && ts.isNamedExports(node.exportClause)) {
      node.exportClause.elements.forEach((e) => exported.add((e.propertyName || e.name).text));
    } else if (ts.isExportAssignment(node) && ts.isIdentifier(node.expression)) {
      exported.add(node.expression.text);
    } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.EqualsToken) {
      const left = node.left.getText(sf);
      const m = /^(?:module\.)?exports\.(\w+)$/.exec(left);
      if (m) exported.add(m[1]);
      if (left === "module.exports" && ts.isIdentifier(node.right)) exported.add(node.right.text);
    }
    ts.forEachChild(node, collect);
  }
  collect(sf);
  entry.idents = [...idents];
  const options = optionsFor(file);
  for (const [spec, names] of specs) {
    const res = ts.resolveModuleName(spec, file, options, ts.sys).resolvedModule;
    let target = res && res.resolvedFileName;
    if (target && res.isExternalLibraryImport) target = null;
    if (target) {
      const r = path.relative(root, path.resolve(target));
      if (!r.startsWith("..") && !r.includes("node_modules/") && r !== rel) {
        entry.edges[r] = [...new Set([...(entry.edges[r] || []), ...names])];
      }
      continue;
    }
    const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
    if (workspaces[pkg] !== undefined) entry.unknown.push(workspaces[pkg] + "/");
    else if (spec.startsWith(".")) entry.unknown.push(spec);
  }
  if (!sample.has(rel)) continue;
  const line = (node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const textUpTo = (node, end) => text.slice(node.getStart(sf), end).trim();
  const strip = (s) => s.replace(/^(export\s+default\s+|export\s+|declare\s+)+/, "");
  function forms(head) {
    return [head, strip(head)];
  }
  function vis(node, name) {
    const isExp = has(node, ts.SyntaxKind.ExportKeyword) || exported.has(name);
    return isExp ? "public" : "private";
  }
  function memberVis(m) {
    if (has(m, ts.SyntaxKind.PrivateKeyword) || (m.name && ts.isPrivateIdentifier(m.name))) return "private";
    if (has(m, ts.SyntaxKind.ProtectedKeyword)) return "protected";
    return "public";
  }
  function add(name, parent, kind, node, visibility, head, doc) {
    entry.symbols.push({ name, parent, kind, line: line(node), visibility, signature: forms(head), doc });
  }
  function members(parentName, node) {
    for (const m of node.members || []) {
      if (!m.name && !ts.isConstructorDeclaration(m) && !ts.isCallSignatureDeclaration(m) && !ts.isIndexSignatureDeclaration(m)) continue;
      if (ts.isClassStaticBlockDeclaration && ts.isClassStaticBlockDeclaration(m)) continue;
      const name = ts.isConstructorDeclaration(m) ? "constructor" : m.name ? m.name.getText(sf) : null;
      if (!name) continue;
      const end = m.body ? m.body.getStart(sf) : m.initializer ? m.initializer.getStart(sf) : m.end;
      let head = textUpTo(m, end).replace(/[=;{]\s*$/, "").trim();
      const kind = ts.isMethodDeclaration(m) || ts.isMethodSignature(m) || ts.isConstructorDeclaration(m) ? "method" : ts.isEnumMember(m) ? "enumerator" : "field";
      entry.symbols.push({ name: name.replace(/^#/, ""), parent: parentName, kind, line: line(m), visibility: ts.isEnumMember(m) ? "public" : memberVis(m), signature: [head, m.getText(sf).trim(), name], doc: docOf(m) });
    }
  }
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name) {
      const end = st.body ? st.body.getStart(sf) : st.end;
      add(st.name.text, "", "function", st, vis(st, st.name.text), textUpTo(st, end).replace(/;$/, ""), docOf(st));
    } else if ((ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st)) && st.name) {
      const open = text.indexOf("{", (st.heritageClauses && st.heritageClauses.length ? st.heritageClauses[st.heritageClauses.length - 1].end : (st.typeParameters ? st.typeParameters.end : st.name.end)));
      add(st.name.text, "", ts.isClassDeclaration(st) ? "class" : "interface", st, vis(st, st.name.text), textUpTo(st, open), docOf(st));
      members(st.name.text, st);
    } else if (ts.isTypeAliasDeclaration(st)) {
      add(st.name.text, "", "type", st, vis(st, st.name.text), textUpTo(st, st.end).replace(/;$/, ""), docOf(st));
      entry.symbols[entry.symbols.length - 1].signature.push(textUpTo(st, st.type.getStart(sf)).replace(/=$/, "").trim());
      if (ts.isTypeLiteralNode(st.type)) members(st.name.text, st.type);
    } else if (ts.isEnumDeclaration(st)) {
      add(st.name.text, "", "enum", st, vis(st, st.name.text), textUpTo(st, text.indexOf("{", st.name.end)), docOf(st));
      members(st.name.text, st);
    } else if (ts.isVariableStatement(st)) {
      const kw = st.declarationList.flags & ts.NodeFlags.Const ? "const" : st.declarationList.flags & ts.NodeFlags.Let ? "let" : "var";
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue;
        const name = d.name.text;
        const typ = d.type ? `: ${d.type.getText(sf)}` : "";
        const whole = d.initializer ? textUpTo(st, d.initializer.getStart(sf)).replace(/=\s*$/, "").trim() : textUpTo(st, st.end);
        const sig = [`${kw} ${name}${typ}`, `${kw} ${name}`, whole, `export ${kw} ${name}${typ}`, `export ${kw} ${name}`];
        const init = d.initializer;
        if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
          const params = `(${init.parameters.map((p) => p.getText(sf)).join(", ")})`;
          const ret = init.type ? `: ${init.type.getText(sf)}` : "";
          sig.push(`${kw} ${name} = ${params}${ret}`, `${kw} ${name}${params}${ret}`, `function ${name}${params}${ret}`);
        }
        if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) sig.push(textUpTo(st, init.body.getStart(sf)));
        if (init && ts.isAsExpression(init)) sig.push(`${kw} ${name}: ${init.type.getText(sf)}`);
        const isRequire = init && ts.isCallExpression(init) && init.expression.getText(sf) === "require";
        // a module's own unexported variables are not its API: claims are judged, absence is not
        const recall = vis(st, name) === "public" && !isRequire;
        entry.symbols.push({ name, parent: "", kind: "variable", line: line(d), visibility: vis(st, name), signature: sig.flatMap(forms), doc: docOf(st), recall });
      }
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier) {
      // re-exports: names this file provides (judged as claims, not counted for recall)
      if (!st.exportClause) entry.symbols.push({ name: "*", parent: "", kind: "reexport", line: line(st), recall: false });
      else if (ts.isNamedExports(st.exportClause))
        st.exportClause.elements.forEach((e) => entry.symbols.push({ name: e.name.text, parent: "", kind: "reexport", line: line(st), recall: false }));
    } else if (ts.isModuleDeclaration(st) && st.name) {
      add(st.name.getText(sf), "", "namespace", st, vis(st, st.name.getText(sf)), textUpTo(st, st.body ? st.body.getStart(sf) : st.end), docOf(st));
    }
  }
}
process.stdout.write(JSON.stringify({ files: out }));
