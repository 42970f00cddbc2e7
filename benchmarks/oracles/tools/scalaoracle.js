// Scala oracle: scalameta's own parser (npm `scalameta-parsers`, a JS build of scalameta's
// parser), run with node from the oracle home. Reads {"root", "files", "sample"} on stdin and
// prints {"files": {path: {"packages", "imports", "declared", "objects", "idents", "symbols",
// "error"}}} ("objects": each package object's package, in full, and its members' names).
//
// Each file is parsed with the Scala 2.13 dialect, then Scala 3 if that fails. Symbols:
// classes, traits, objects (package objects too), enums and their cases, defs, vals and vars
// (each name of a pattern), types, givens, and the parameters a class makes members (`val`/
// `var` ones, a case class's first list); nothing inside a def's body or a value. Visibility:
// `private` (and `private[this]`) private, `private[x]` package, `protected[...]` protected,
// else public. Signatures: the source from the first modifier that is no annotation to the
// body (a def's or val's `=`, a template's `{` or `:`), comments left out. Identifiers: every
// Term.Name and Type.Name outside the package clauses (code only: no comments or literals).
"use strict";
const fs = require("fs");
const path = require("path");
const sm = require("scalameta-parsers");

const req = JSON.parse(fs.readFileSync(0, "utf8"));
const sample = new Set(req.sample);
const out = {};

function noComments(s) {
  let r = "";
  let i = 0;
  while (i < s.length) {
    if (s.startsWith("//", i)) {
      while (i < s.length && s[i] !== "\n") i++;
      r += " ";
    } else if (s.startsWith("/*", i)) {
      const e = s.indexOf("*/", i + 2);
      i = e < 0 ? s.length : e + 2;
      r += " ";
    } else if (s[i] === '"') {
      let j = i + 1;
      if (s.startsWith('"""', i)) {
        const e = s.indexOf('"""', i + 3);
        j = e < 0 ? s.length : e + 3;
      } else {
        while (j < s.length && s[j] !== '"' && s[j] !== "\n") j += s[j] === "\\" ? 2 : 1;
        j = Math.min(s.length, j + 1);
      }
      r += s.slice(i, j);
      i = j;
    } else {
      r += s[i];
      i++;
    }
  }
  return r;
}

function flat(s) {
  return noComments(s).replace(/\s+/g, " ").trim();
}

function refName(ref) {
  if (!ref) return "";
  if (ref.type === "Term.Name") return ref.value;
  if (ref.type === "Term.Select") return refName(ref.qual) + "." + ref.name.value;
  return "";
}

function visibility(mods) {
  for (const m of mods || []) {
    if (m.type === "Mod.Private") {
      const w = m.within;
      if (!w || w.type === "Name.Anonymous" || w.type === "Term.This") return "private";
      return "package";
    }
    if (m.type === "Mod.Protected") return "protected";
  }
  return "public";
}

function sigStart(node, text) {
  let start = node.pos.start;
  for (const m of node.mods || []) if (m.type === "Mod.Annot") start = Math.max(start, m.pos.end);
  while (start < text.length && /\s/.test(text[start])) start++;
  return start;
}

function lineOf(text, offset) {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function bodyOf(templ) {
  if (!templ) return [];
  if (templ.body && templ.body.stats) return templ.body.stats;
  return templ.stats || [];
}

const TYPE_KIND = {
  "Defn.Class": "class",
  "Defn.Trait": "trait",
  "Defn.Object": "object",
  "Pkg.Object": "object",
  "Defn.Enum": "enum",
};

function parse(text) {
  let tree = sm.parseSource(text, { dialect: "Scala213" });
  if (tree.error) {
    const three = sm.parseSource(text, { dialect: "Scala3" });
    if (!three.error) tree = three;
  }
  return tree;
}

for (const rel of req.files) {
  const text = fs.readFileSync(path.join(req.root, rel), "utf8");
  const entry = { packages: [], imports: [], declared: [], objects: [], idents: [], symbols: [] };
  out[rel] = entry;
  let tree;
  try {
    tree = parse(text);
  } catch (e) {
    entry.error = String(e);
    continue;
  }
  if (tree.error) {
    entry.error = `${tree.error} (line ${tree.lineNumber + 1})`;
    continue;
  }
  const idents = new Set();
  const symbols = [];
  const declared = new Set();

  function sym(node, name, parent, kind, forms, vis) {
    const lineStart = text.lastIndexOf("\n", node.pos.start - 1) + 1;
    symbols.push({
      name,
      parent,
      kind,
      line: lineOf(text, node.pos.start),
      inline: text.slice(lineStart, node.pos.start).trim() !== "",
      visibility: vis,
      signature: forms.filter((f) => f),
    });
  }

  function head(node, end) {
    return flat(text.slice(sigStart(node, text), end));
  }

  function template(node, parent, kind) {
    const name = node.name.value;
    const templ = node.templ;
    let end = node.pos.end;
    const b = templ && templ.body;
    if (b && b.pos && b.pos.end > b.pos.start) end = b.pos.start; // the body's `{` (or `:`)
    sym(node, name, parent, kind, [head(node, end).replace(/[\s:{]+$/, "")], visibility(node.mods));
    if (node.ctor && node.ctor.paramClauses) {
      const isCase = (node.mods || []).some((m) => m.type === "Mod.Case");
      node.ctor.paramClauses.forEach((clause, i) => {
        for (const p of clause.values || []) {
          const mods = p.mods || [];
          const member = mods.some((m) => m.type === "Mod.ValParam" || m.type === "Mod.VarParam");
          if (!member && !(isCase && i === 0)) continue;
          const whole = head(p, p.pos.end);
          const forms = [whole];
          if (p.default) forms.push(head(p, p.default.pos.start).replace(/\s*=$/, ""));
          sym(p, p.name.value, name, "field", forms, isCase && !member ? "public" : visibility(mods));
        }
      });
    }
    for (const stat of bodyOf(templ)) member(stat, name);
  }

  function member(stat, parent) {
    const t = stat.type;
    if (TYPE_KIND[t]) {
      template(stat, parent, TYPE_KIND[t]);
    } else if (t === "Defn.Def" || t === "Defn.Macro") {
      const end = stat.body ? stat.body.pos.start : stat.pos.end;
      sym(stat, stat.name.value, parent, parent ? "method" : "function", [head(stat, end).replace(/\s*=(\s*macro)?$/, "")], visibility(stat.mods));
    } else if (t === "Decl.Def") {
      sym(stat, stat.name.value, parent, parent ? "method" : "function", [head(stat, stat.pos.end)], visibility(stat.mods));
    } else if (t === "Defn.Val" || t === "Defn.Var" || t === "Decl.Val" || t === "Decl.Var") {
      const value = stat.rhs || stat.body; // a Defn.Var's value is its `body`
      const end = value ? value.pos.start : stat.pos.end;
      const form = head(stat, end).replace(/\s*=$/, "");
      const names = [];
      (function pats(p) {
        if (!p) return;
        if (p.type === "Pat.Var") names.push(p.name.value);
        else if (p.type === "Term.Name") names.push(p.value);
        for (const k of ["args", "values", "pats", "rhs", "lhs"]) {
          const v = p[k];
          if (Array.isArray(v)) v.forEach(pats);
          else if (v && typeof v === "object" && v.type) pats(v);
        }
        if (p.type === "Pat.Typed") pats(p.lhs);
        if (p.type === "Pat.Bind") pats(p.lhs), pats(p.rhs);
      })({ type: "x", values: stat.pats });
      const kind = t.endsWith("Var") ? "variable" : "const";
      for (const n of names) sym(stat, n, parent, kind, [form], visibility(stat.mods));
    } else if (t === "Defn.Type" || t === "Decl.Type") {
      const end = t === "Defn.Type" && stat.body ? stat.body.pos.start : stat.pos.end;
      sym(stat, stat.name.value, parent, "type", [head(stat, end).replace(/\s*=$/, ""), head(stat, stat.pos.end)], visibility(stat.mods));
    } else if (t === "Defn.EnumCase") {
      sym(stat, stat.name.value, parent, "const", [head(stat, stat.pos.end)], visibility(stat.mods));
    } else if (t === "Defn.RepeatedEnumCase") {
      for (const c of stat.cases) sym(c, c.value, parent, "const", [c.value, head(stat, stat.pos.end)], visibility(stat.mods));
    } else if (t === "Defn.Given" || t === "Defn.GivenAlias" || t === "Decl.Given") {
      const name = stat.name && stat.name.value;
      if (name) sym(stat, name, parent, "const", [head(stat, stat.pos.end)], visibility(stat.mods));
    } else if (t === "Defn.ExtensionGroup") {
      const body = stat.body;
      const stats = body && body.type === "Term.Block" ? body.stats : body ? [body] : [];
      for (const s of stats) member(s, parent);
    }
  }

  function top(stats, pkgs) {
    for (const stat of stats) {
      if (stat.type === "Pkg") {
        const name = refName(stat.ref);
        const full = pkgs.length ? pkgs[pkgs.length - 1] + "." + name : name;
        entry.packages.push(full);
        top(stat.body ? stat.body.stats : stat.stats || [], [...pkgs, full]);
      } else if (stat.type === "Import") {
        // (read with the nested ones below)
      } else {
        // (a package object's name is its package's, no member of the enclosing one)
        if (stat.type !== "Pkg.Object" && stat.name && stat.name.value) declared.add(stat.name.value);
        if (stat.type === "Pkg.Object") {
          // a package object's members belong to the package it names: the enclosing
          // package's member of its name (`package x; package object os` → `x.os`)
          const enclosing = pkgs.length ? pkgs[pkgs.length - 1] + "." : "";
          const members = [];
          for (const s of bodyOf(stat.templ)) {
            if (s.name && s.name.value) members.push(s.name.value);
            if (s.type === "Defn.Val" || s.type === "Defn.Var") {
              for (const p of s.pats || []) if (p.type === "Pat.Var") members.push(p.name.value);
            }
          }
          entry.objects.push([enclosing + stat.name.value, members]);
        }
        if (stat.type === "Defn.Val" || stat.type === "Defn.Var") {
          for (const p of stat.pats || []) if (p.type === "Pat.Var") declared.add(p.name.value);
        }
        if (sample.has(rel)) member(stat, "");
      }
    }
  }

  // identifiers: every name; references: the names not selected from something (`x.f`'s f
  // is x's member), and the dotted paths of names (`os.walk`)
  const refs = new Set();
  const qualified = new Set();
  function dotted(node) {
    if (node.type === "Term.Name" || node.type === "Type.Name") return node.value;
    if ((node.type === "Term.Select" || node.type === "Type.Select") && node.qual) {
      const q = dotted(node.qual);
      return q === null ? null : q + "." + node.name.value;
    }
    return null;
  }
  (function walk(node, inPkgRef, selected) {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) {
      node.forEach((n) => walk(n, inPkgRef, false));
      return;
    }
    if (node.type === "Import") {
      // every import, a class's or a block's too: its names are the file's to resolve
      for (const imp of node.importers) {
        const base = refName(imp.ref);
        for (const e of imp.importees) {
          if (e.type === "Importee.Wildcard" || e.type === "Importee.GivenAll") entry.imports.push([base, false, true]);
          else if (e.type === "Importee.Name") entry.imports.push([base + "." + e.name.value, false, false]);
          else if (e.type === "Importee.Rename") entry.imports.push([base + "." + e.name.value + "=>" + e.rename.value, false, false]);
        }
      }
    }
    const named = node.type === "Term.Name" || node.type === "Type.Name" || node.type === "Name.Indeterminate";
    if (!inPkgRef && named && node.value) {
      idents.add(node.value);
      if (!selected) refs.add(node.value);
    }
    if (!inPkgRef && (node.type === "Term.Select" || node.type === "Type.Select")) {
      const d = dotted(node);
      if (d) qualified.add(d);
    }
    for (const [k, v] of Object.entries(node)) {
      if (k === "pos") continue;
      const isSelected = (node.type === "Term.Select" || node.type === "Type.Select") && k === "name";
      if (v && typeof v === "object") walk(v, inPkgRef || (node.type === "Pkg" && k === "ref"), isSelected);
    }
  })(tree, false, false);

  top(tree.stats || [], []);
  if (!entry.packages.length) entry.packages.push("");
  entry.declared = [...declared];
  entry.idents = [...idents];
  entry.refs = [...refs];
  entry.qualified = [...qualified];
  entry.symbols = symbols;
}
process.stdout.write(JSON.stringify({ files: out }));
