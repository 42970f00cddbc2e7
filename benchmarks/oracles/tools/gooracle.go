// Go's oracle: go/parser (with comments) for declarations and go/ast's doc comments as
// go/doc reads them; imports resolved through the nearest go.mod's module path, and an
// edge to each file of the imported package (or of the file's own package) that declares a
// name the file uses (pkg.Name selectors, or plain identifiers within a package).
//
// Reads {"root", "files", "sample"} on stdin; prints {"files": {rel: {...}}} on stdout.
package main

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

type request struct {
	Root   string   `json:"root"`
	Files  []string `json:"files"`
	Sample []string `json:"sample"`
}

type symbol struct {
	Name       string   `json:"name"`
	Parent     string   `json:"parent"`
	Kind       string   `json:"kind"`
	Line       int      `json:"line"`
	Visibility string   `json:"visibility"`
	Signature  []string `json:"signature"`
	Doc        string   `json:"doc"`
}

type fileOut struct {
	Symbols []symbol            `json:"symbols"`
	Edges   map[string][]string `json:"edges"`
	Unknown []string            `json:"unknown"`
	Idents  []string            `json:"idents"`
	FileDoc *string             `json:"file_doc"`
	Error   string              `json:"error"`
}

type parsed struct {
	rel  string
	file *ast.File
	src  []byte
	fset *token.FileSet
	decl map[string]bool // top-level names
}

func vis(name string) string {
	if ast.IsExported(name) {
		return "public"
	}
	return "package"
}

func text(p *parsed, from, to token.Pos) string {
	a, b := p.fset.Position(from).Offset, p.fset.Position(to).Offset
	if a < 0 || b > len(p.src) || a > b {
		return ""
	}
	return string(p.src[a:b])
}

func docOf(groups ...*ast.CommentGroup) string {
	for _, g := range groups {
		if g != nil {
			return g.Text()
		}
	}
	return ""
}

func recvName(expr ast.Expr) string {
	switch t := expr.(type) {
	case *ast.StarExpr:
		return recvName(t.X)
	case *ast.IndexExpr:
		return recvName(t.X)
	case *ast.IndexListExpr:
		return recvName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}

func typeName(expr ast.Expr) string {
	switch t := expr.(type) {
	case *ast.StarExpr:
		return typeName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	case *ast.IndexExpr:
		return typeName(t.X)
	case *ast.IndexListExpr:
		return typeName(t.X)
	case *ast.Ident:
		return t.Name
	}
	return ""
}

func symbols(p *parsed) []symbol {
	var out []symbol
	line := func(pos token.Pos) int { return p.fset.Position(pos).Line }
	fields := func(parent string, list *ast.FieldList, kind string, iface bool) {
		if list == nil {
			return
		}
		for _, f := range list.List {
			doc := docOf(f.Doc, f.Comment)
			if f.Doc == nil {
				doc = "" // a trailing comment is not go/doc's doc of a field
				if f.Comment != nil {
					doc = f.Comment.Text()
				}
			}
			whole := text(p, f.Pos(), f.End())
			withTag := whole
			if f.Tag != nil {
				whole = text(p, f.Pos(), f.Tag.Pos())
			}
			typ := text(p, f.Type.Pos(), f.Type.End())
			if len(f.Names) == 0 {
				name := typeName(f.Type)
				out = append(out, symbol{name, parent, "embedded", line(f.Pos()), vis(name),
					[]string{whole, typ}, doc})
				continue
			}
			for _, n := range f.Names {
				forms := []string{whole, n.Name + " " + typ, withTag}
				if f.Tag != nil {
					forms = append(forms, n.Name+" "+typ+" "+f.Tag.Value)
				}
				if iface {
					forms = append(forms, n.Name+strings.TrimPrefix(typ, "func"))
				}
				out = append(out, symbol{n.Name, parent, kind, line(n.Pos()), vis(n.Name), forms, doc})
			}
		}
	}
	for _, d := range p.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			end := d.End()
			if d.Body != nil {
				end = d.Body.Lbrace
			}
			sig := text(p, d.Pos(), end)
			parent, kind := "", "function"
			if d.Recv != nil && len(d.Recv.List) > 0 {
				parent, kind = recvName(d.Recv.List[0].Type), "method"
			}
			out = append(out, symbol{d.Name.Name, parent, kind, line(d.Name.Pos()),
				vis(d.Name.Name), []string{sig}, docOf(d.Doc)})
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					doc := docOf(s.Doc)
					if doc == "" && len(d.Specs) == 1 {
						doc = docOf(d.Doc)
					}
					head := text(p, s.Pos(), s.End())
					kind := "type"
					switch t := s.Type.(type) {
					case *ast.StructType:
						head, kind = text(p, s.Pos(), t.Fields.Opening), "struct"
						fields(s.Name.Name, t.Fields, "field", false)
					case *ast.InterfaceType:
						head, kind = text(p, s.Pos(), t.Methods.Opening), "interface"
						fields(s.Name.Name, t.Methods, "method", true)
					}
					head = strings.TrimSpace(head)
					forms := []string{"type " + head}
					if kind == "struct" && !strings.HasSuffix(head, "struct") {
						forms = append(forms, "type "+head+" struct")
					}
					out = append(out, symbol{s.Name.Name, "", kind, line(s.Name.Pos()),
						vis(s.Name.Name), forms, doc})
				case *ast.ValueSpec:
					doc := docOf(s.Doc)
					if doc == "" && len(d.Specs) == 1 {
						doc = docOf(d.Doc)
					}
					kind := "variable"
					if d.Tok == token.CONST {
						kind = "const"
					}
					whole := text(p, s.Pos(), s.End())
					for _, n := range s.Names {
						forms := []string{n.Name, whole, d.Tok.String() + " " + whole}
						if s.Type != nil {
							typ := text(p, s.Type.Pos(), s.Type.End())
							forms = append(forms, n.Name+" "+typ, d.Tok.String()+" "+n.Name+" "+typ)
						}
						for _, v := range s.Values {
							val := text(p, v.Pos(), v.End())
							forms = append(forms, n.Name+" = "+val, d.Tok.String()+" "+n.Name+" = "+val)
						}
						if n.Name != "_" {
							out = append(out, symbol{n.Name, "", kind, line(n.Pos()), vis(n.Name), forms, doc})
						}
					}
				}
			}
		}
	}
	return out
}

type module struct {
	path     string
	replaces map[string]string // module path -> local dir (repo-relative)
}

// modules: each go.mod's folder (repo-relative) with its module path and local replaces.
func modules(root string) map[string]module {
	out := map[string]module{}
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || info.Name() != "go.mod" {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(p))
		rel = filepath.ToSlash(rel)
		m := module{replaces: map[string]string{}}
		inReplace := false
		for _, raw := range strings.Split(string(data), "\n") {
			line := strings.TrimSpace(raw)
			if strings.HasPrefix(line, "module ") {
				m.path = strings.Trim(strings.TrimSpace(line[7:]), "\"")
			}
			if line == "replace (" {
				inReplace = true
				continue
			}
			if inReplace && line == ")" {
				inReplace = false
			}
			if strings.HasPrefix(line, "replace ") || inReplace {
				parts := strings.SplitN(strings.TrimPrefix(line, "replace "), "=>", 2)
				if len(parts) == 2 {
					target := strings.TrimSpace(parts[1])
					if strings.HasPrefix(target, ".") {
						from := strings.Fields(parts[0])
						if len(from) > 0 {
							m.replaces[from[0]] = path.Clean(path.Join(rel, strings.Fields(target)[0]))
						}
					}
				}
			}
		}
		out[rel] = m
		return nil
	})
	return out
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		panic(err)
	}
	sample := map[string]bool{}
	for _, s := range req.Sample {
		sample[s] = true
	}
	mods := modules(req.Root)
	files := map[string]*parsed{}
	byDir := map[string][]*parsed{} // dir + package name -> files
	out := map[string]*fileOut{}
	for _, rel := range req.Files {
		src, err := os.ReadFile(filepath.Join(req.Root, rel))
		fo := &fileOut{Edges: map[string][]string{}}
		out[rel] = fo
		if err != nil {
			fo.Error = err.Error()
			continue
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
		if err != nil && f == nil {
			fo.Error = err.Error()
			continue
		}
		p := &parsed{rel, f, src, fset, map[string]bool{}}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					p.decl[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						p.decl[s.Name.Name] = true
					case *ast.ValueSpec:
						for _, n := range s.Names {
							p.decl[n.Name] = true
						}
					}
				}
			}
		}
		files[rel] = p
		key := path.Dir(rel) + "|" + f.Name.Name
		byDir[key] = append(byDir[key], p)
	}
	// Go's rule: an import resolves through the importer's own module (its nearest go.mod):
	// a path inside that module, or one its go.mod replaces with a local folder.
	importDir := func(rel, ipath string) (string, bool) {
		dir := path.Dir(rel)
		for {
			if m, ok := mods[dir]; ok {
				if ipath == m.path || strings.HasPrefix(ipath, m.path+"/") {
					return path.Clean(path.Join(dir, strings.TrimPrefix(ipath, m.path))), true
				}
				for from, local := range m.replaces {
					if ipath == from || strings.HasPrefix(ipath, from+"/") {
						return path.Clean(path.Join(local, strings.TrimPrefix(ipath, from))), true
					}
				}
				return "", false
			}
			if dir == "." || dir == "/" || dir == "" {
				return "", false
			}
			dir = path.Dir(dir)
		}
	}
	for rel, p := range files {
		fo := out[rel]
		uses := map[string]bool{}
		selectors := map[string]map[string]bool{} // import name -> names
		ast.Inspect(p.file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok {
					if selectors[x.Name] == nil {
						selectors[x.Name] = map[string]bool{}
					}
					selectors[x.Name][n.Sel.Name] = true
				}
			case *ast.Ident:
				uses[n.Name] = true
			}
			return true
		})
		for name := range uses {
			fo.Idents = append(fo.Idents, name)
		}
		// same package: identifiers another file of it declares at top level
		for _, other := range byDir[path.Dir(rel)+"|"+p.file.Name.Name] {
			if other == p {
				continue
			}
			var names []string
			for name := range uses {
				if other.decl[name] && !p.decl[name] {
					names = append(names, name)
				}
			}
			if len(names) > 0 {
				sort.Strings(names)
				fo.Edges[other.rel] = names
			}
		}
		for _, imp := range p.file.Imports {
			ipath, _ := strconv.Unquote(imp.Path.Value)
			dir, ok := importDir(rel, ipath)
			if !ok {
				continue
			}
			local := path.Base(ipath)
			var pkgFiles []*parsed
			for key, list := range byDir {
				if strings.HasPrefix(key, dir+"|") && !strings.HasSuffix(key, "_test") {
					pkgFiles = append(pkgFiles, list...)
				}
			}
			if len(pkgFiles) == 0 {
				fo.Unknown = append(fo.Unknown, ipath)
				continue
			}
			if imp.Name != nil {
				local = imp.Name.Name
			} else {
				local = pkgFiles[0].file.Name.Name
			}
			for _, other := range pkgFiles {
				var names []string
				for name := range selectors[local] {
					if other.decl[name] {
						names = append(names, name)
					}
				}
				if imp.Name != nil && imp.Name.Name == "." {
					for name := range uses {
						if other.decl[name] {
							names = append(names, name)
						}
					}
				}
				if len(names) > 0 && other.rel != rel {
					sort.Strings(names)
					fo.Edges[other.rel] = names
				}
			}
		}
		if sample[rel] {
			fo.Symbols = symbols(p)
			doc := ""
			if p.file.Doc != nil {
				doc = p.file.Doc.Text()
			}
			fo.FileDoc = &doc
		}
	}
	json.NewEncoder(os.Stdout).Encode(map[string]interface{}{"files": out})
}
