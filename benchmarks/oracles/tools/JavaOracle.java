// Java oracle: the JDK's own parser (javac's tree API, parse only: no classpath, no
// attribution). Reads the repo root as its argument and one line per file on stdin
// ("S\tpath" for a sampled file, "F\tpath" for any other), prints JSON on stdout:
// {"files": {path: {"package", "imports": [[name, static, wildcard]], "types": [top-level
// type names], "idents": [...], "symbols": [...] (sampled files), "error"}}}.
//
// Symbols: types (class, interface, enum, record, @interface; nested ones under their type),
// methods, constructors (named as their class), fields, enum constants and annotation
// elements; nothing inside a method body or an anonymous class. Visibility as the language
// has it (interface and annotation members public unless private; enum constants public).
// Signatures: the source from the declaration's first modifier that is no annotation to its
// body (a field: to its initializer), comments left out. Docs: javac's own doc comment of the
// declaration (DocTrees.getDocComment), up to its first block tag. Identifiers: every
// IdentifierTree and MemberSelectTree name outside the package clause (code only: javac's
// trees hold no comments or string contents).

import com.sun.source.tree.*;
import com.sun.source.util.*;
import java.io.*;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import javax.lang.model.element.Modifier;
import javax.tools.*;

public class JavaOracle {
  static final StringBuilder out = new StringBuilder();

  static String q(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\n': b.append("\\n"); break;
        case '\r': b.append("\\r"); break;
        case '\t': b.append("\\t"); break;
        default:
          if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
          else b.append(c);
      }
    }
    return b.append('"').toString();
  }

  static String list(Collection<String> xs) {
    StringJoiner j = new StringJoiner(",", "[", "]");
    for (String x : xs) j.add(q(x));
    return j.toString();
  }

  /** Source text with comments blanked (strings and char literals kept). */
  static String noComments(String s) {
    StringBuilder b = new StringBuilder();
    int i = 0, n = s.length();
    while (i < n) {
      char c = s.charAt(i);
      if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
        while (i < n && s.charAt(i) != '\n') i++;
        b.append(' ');
      } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
        int e = s.indexOf("*/", i + 2);
        i = e < 0 ? n : e + 2;
        b.append(' ');
      } else if (c == '"' || c == '\'') {
        int j = i + 1;
        if (c == '"' && s.startsWith("\"\"\"", i)) {
          int e = s.indexOf("\"\"\"", i + 3);
          j = e < 0 ? n : e + 3;
        } else {
          while (j < n && s.charAt(j) != c && s.charAt(j) != '\n') j += s.charAt(j) == '\\' ? 2 : 1;
          j = Math.min(n, j + 1);
        }
        b.append(s, i, j);
        i = j;
      } else {
        b.append(c);
        i++;
      }
    }
    return b.toString();
  }

  public static void main(String[] args) throws Exception {
    Path root = Paths.get(args[0]);
    List<String> files = new ArrayList<>();
    Set<String> sample = new HashSet<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.length() < 3) continue;
      String rel = line.substring(2);
      files.add(rel);
      if (line.charAt(0) == 'S') sample.add(rel);
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    out.append("{\"files\":{");
    boolean first = true;
    for (String rel : files) {
      String text;
      try {
        text = new String(Files.readAllBytes(root.resolve(rel)), StandardCharsets.UTF_8);
      } catch (IOException e) {
        continue;
      }
      if (!first) out.append(',');
      first = false;
      out.append(q(rel)).append(':');
      try {
        one(javac, rel, text, sample.contains(rel));
      } catch (Throwable e) {
        out.append("{\"error\":").append(q(String.valueOf(e))).append('}');
      }
    }
    out.append("}}");
    PrintStream ps = new PrintStream(new FileOutputStream(FileDescriptor.out), true, "UTF-8");
    ps.print(out);
    ps.flush();
  }

  static void one(JavaCompiler javac, String rel, String text, boolean sampled) throws Exception {
    JavaFileObject src =
        new SimpleJavaFileObject(URI.create("string:///" + rel.replace(' ', '_')), JavaFileObject.Kind.SOURCE) {
          @Override
          public CharSequence getCharContent(boolean ignore) {
            return text;
          }
        };
    DiagnosticCollector<JavaFileObject> diags = new DiagnosticCollector<>();
    JavacTask task =
        (JavacTask) javac.getTask(null, null, diags, List.of("-proc:none", "--enable-preview", "--release", "17"), null, List.of(src));
    DocTrees docs = DocTrees.instance(task);
    CompilationUnitTree cu = task.parse().iterator().next();
    SourcePositions pos = docs.getSourcePositions();
    String pkg = cu.getPackageName() == null ? "" : cu.getPackageName().toString();
    List<String> imports = new ArrayList<>();
    for (ImportTree imp : cu.getImports()) {
      String name = imp.getQualifiedIdentifier().toString();
      boolean wild = name.endsWith(".*");
      imports.add("[" + q(wild ? name.substring(0, name.length() - 2) : name) + "," + imp.isStatic() + "," + wild + "]");
    }
    List<String> types = new ArrayList<>();
    for (Tree t : cu.getTypeDecls()) if (t instanceof ClassTree) types.add(((ClassTree) t).getSimpleName().toString());
    Set<String> idents = new TreeSet<>();
    new TreeScanner<Void, Void>() {
      @Override
      public Void visitIdentifier(IdentifierTree t, Void v) {
        idents.add(t.getName().toString());
        return null;
      }

      @Override
      public Void visitMemberSelect(MemberSelectTree t, Void v) {
        idents.add(t.getIdentifier().toString());
        return super.visitMemberSelect(t, v);
      }

      @Override
      public Void visitImport(ImportTree t, Void v) {
        String name = t.getQualifiedIdentifier().toString();
        idents.add(name.substring(name.lastIndexOf('.') + 1));
        return null;
      }

      @Override
      public Void visitCompilationUnit(CompilationUnitTree t, Void v) {
        scan(t.getImports(), v);
        scan(t.getTypeDecls(), v);
        return null;
      }
    }.scan(cu, null);
    StringBuilder syms = new StringBuilder("[");
    if (sampled) {
      for (Tree t : cu.getTypeDecls())
        if (t instanceof ClassTree) type(cu, docs, pos, text, (ClassTree) t, "", null, syms);
    }
    syms.append(']');
    StringBuilder errs = new StringBuilder();
    for (Diagnostic<? extends JavaFileObject> d : diags.getDiagnostics())
      if (d.getKind() == Diagnostic.Kind.ERROR && errs.length() < 300) errs.append(d.getLineNumber()).append(": ").append(d.getMessage(null)).append("; ");
    out.append("{\"package\":").append(q(pkg)).append(",\"imports\":[").append(String.join(",", imports))
        .append("],\"types\":").append(list(types)).append(",\"idents\":").append(list(idents))
        .append(",\"symbols\":").append(syms).append(",\"parse_errors\":").append(q(errs.toString())).append('}');
  }

  static String kindOf(Tree t) {
    switch (t.getKind()) {
      case INTERFACE: return "interface";
      case ENUM: return "enum";
      case ANNOTATION_TYPE: return "annotation";
      case RECORD: return "record";
      default: return "class";
    }
  }

  static String visibility(ModifiersTree m, ClassTree owner) {
    Set<Modifier> f = m.getFlags();
    if (f.contains(Modifier.PRIVATE)) return "private";
    if (owner != null && (owner.getKind() == Tree.Kind.INTERFACE || owner.getKind() == Tree.Kind.ANNOTATION_TYPE)) return "public";
    if (f.contains(Modifier.PUBLIC)) return "public";
    if (f.contains(Modifier.PROTECTED)) return "protected";
    return "package";
  }

  /** Where a declaration's signature starts: its first modifier that is no annotation. */
  static long start(CompilationUnitTree cu, SourcePositions pos, String text, Tree t, ModifiersTree m) {
    long s = pos.getStartPosition(cu, t);
    if (m != null && !m.getAnnotations().isEmpty()) {
      long end = 0;
      for (AnnotationTree a : m.getAnnotations()) end = Math.max(end, pos.getEndPosition(cu, a));
      s = Math.max(s, end);
    }
    while (s < text.length() && Character.isWhitespace(text.charAt((int) s))) s++;
    return s;
  }

  static String clip(String text, long a, long b) {
    if (a < 0 || b < a || b > text.length()) return "";
    return noComments(text.substring((int) a, (int) b)).replaceAll("\\s+", " ").trim();
  }

  static String doc(DocTrees docs, CompilationUnitTree cu, Tree t) {
    String d = docs.getDocComment(TreePath.getPath(cu, t));
    if (d == null) return "";
    StringBuilder b = new StringBuilder();
    for (String line : d.split("\n", -1)) {
      if (line.trim().startsWith("@")) break;
      b.append(line).append('\n');
    }
    return b.toString().trim();
  }

  static void sym(StringBuilder syms, String name, String parent, String kind, long line, String vis, List<String> forms, String doc) {
    if (syms.length() > 1) syms.append(',');
    syms.append("{\"name\":").append(q(name)).append(",\"parent\":").append(q(parent)).append(",\"kind\":").append(q(kind))
        .append(",\"line\":").append(line).append(",\"visibility\":").append(q(vis)).append(",\"signature\":").append(list(forms))
        .append(",\"doc\":").append(q(doc)).append('}');
  }

  static void type(CompilationUnitTree cu, DocTrees docs, SourcePositions pos, String text, ClassTree c, String parent, ClassTree owner, StringBuilder syms) {
    LineMap lines = cu.getLineMap();
    String name = c.getSimpleName().toString();
    long s = start(cu, pos, text, c, c.getModifiers());
    // the head ends at the body's brace: the first '{' after the name outside parentheses
    long end = pos.getEndPosition(cu, c);
    int depth = 0;
    String code = noComments(text.substring((int) s, (int) end));
    int brace = -1;
    for (int i = 0; i < code.length(); i++) {
      char ch = code.charAt(i);
      if (ch == '(') depth++;
      else if (ch == ')') depth--;
      else if (ch == '{' && depth == 0) { brace = i; break; }
    }
    String head = brace < 0 ? clip(text, s, end) : code.substring(0, brace).replaceAll("\\s+", " ").trim();
    sym(syms, name, parent, kindOf(c), lines.getLineNumber(pos.getStartPosition(cu, c)), visibility(c.getModifiers(), owner), List.of(head), doc(docs, cu, c));
    for (Tree m : c.getMembers()) {
      long line = lines.getLineNumber(pos.getStartPosition(cu, m));
      if (m instanceof ClassTree) {
        type(cu, docs, pos, text, (ClassTree) m, name, c, syms);
      } else if (m instanceof MethodTree) {
        MethodTree mt = (MethodTree) m;
        long ms = start(cu, pos, text, mt, mt.getModifiers());
        if (pos.getStartPosition(cu, mt) < 0 || pos.getEndPosition(cu, mt) < 0) continue; // generated
        long me = mt.getBody() != null ? pos.getStartPosition(cu, mt.getBody()) : pos.getEndPosition(cu, mt);
        if (mt.getDefaultValue() != null && mt.getBody() == null) me = pos.getEndPosition(cu, mt);
        String mname = mt.getName().toString().equals("<init>") ? name : mt.getName().toString();
        String vis = visibility(mt.getModifiers(), c);
        List<String> forms = new ArrayList<>(List.of(clip(text, ms, me)));
        if (mt.getDefaultValue() != null) // an annotation element's default, like a field's value
          forms.add(clip(text, ms, pos.getStartPosition(cu, mt.getDefaultValue())).replaceAll("\\s*default$", ""));
        sym(syms, mname, name, mt.getName().toString().equals("<init>") ? "constructor" : "method", line, vis, forms, doc(docs, cu, mt));
      } else if (m instanceof VariableTree) {
        VariableTree v = (VariableTree) m;
        if (c.getKind() == Tree.Kind.ENUM && isEnumConstant(v, text, cu, pos)) {
          String body = clip(text, pos.getStartPosition(cu, v), pos.getEndPosition(cu, v));
          int b = body.indexOf('{');
          sym(syms, v.getName().toString(), name, "enumConstant", line, "public", List.of(v.getName().toString(), b < 0 ? body : body.substring(0, b).trim()), doc(docs, cu, v));
          continue;
        }
        long vs = start(cu, pos, text, v, v.getModifiers());
        long ve = pos.getEndPosition(cu, v);
        String whole = clip(text, vs, ve);
        List<String> forms = new ArrayList<>();
        if (v.getInitializer() != null) {
          // up to the '=' before the initializer
          long is = pos.getStartPosition(cu, v.getInitializer());
          String before = noComments(text.substring((int) vs, (int) is));
          int eq = before.lastIndexOf('=');
          forms.add((eq < 0 ? before : before.substring(0, eq)).replaceAll("\\s+", " ").trim());
        }
        forms.add(whole);
        sym(syms, v.getName().toString(), name, "field", line, visibility(v.getModifiers(), c), forms, doc(docs, cu, v));
      }
    }
  }

  static boolean isEnumConstant(VariableTree v, String text, CompilationUnitTree cu, SourcePositions pos) {
    // javac gives an enum constant a type of its own name: its source starts with its name
    long vs = pos.getStartPosition(cu, v);
    String name = v.getName().toString();
    if (vs < 0 || !text.startsWith(name, (int) vs)) return false;
    int after = (int) vs + name.length();
    return after >= text.length() || !Character.isJavaIdentifierPart(text.charAt(after));
  }
}
