package rewrite

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"golang.org/x/tools/go/packages"
)

// The generator does not redo a package directory that has not changed since its
// last run into the same output directory, as go vet does not re-vet a package it
// has vetted. What it made of each directory (the instrumented copies of its files
// and the sites found in them) is recorded in cacheFile, with the key of everything
// it was made from; a directory whose key is unchanged, and whose copies are still
// in the output directory as they were written, is taken from there without being
// type-checked or scanned again.
//
// A directory's key covers, besides the generator itself (the executable's content)
// and the settings of the run (module, output directory, toolchain, build tags and
// environment, whether net/http is instrumented, the module's generated files):
//
//   - the name and content of every Go file of every package in the directory, test
//     variants included, so an edit, a new file or a changed build constraint counts;
//   - the same for every package of the module that those packages import, directly
//     or not, since detection is by type and a type can come from any of them;
//   - the module path and version of every other dependency (a module replaced by a
//     directory counts by its files' content, like the module's own packages), and
//     the toolchain's version for the standard library;
//   - the directory's service name and the reason it is left alone, if it is.
//
// So a change anywhere re-analyzes the directories it can affect, and only those.

// cacheFile is the name of the record, in the output directory.
const cacheFile = "cache.json"

// cacheFormat changes when the record's format or meaning does.
const cacheFormat = 1

// cache is the content of cacheFile.
type cache struct {
	Format int                   `json:"format"`
	Dirs   map[string]cacheEntry `json:"dirs"` // module-relative, slash-separated directory
}

// cacheEntry is what the generator made of one directory.
type cacheEntry struct {
	Key string `json:"key"`
	// Files are the output-relative paths of the directory's instrumented copies, each
	// with the SHA-256 of its content.
	Files map[string]string `json:"files,omitempty"`
	Sites []SiteInfo        `json:"sites,omitempty"`
	// Instrumented is the number of sites instrumented in the directory.
	Instrumented int `json:"instrumented,omitempty"`
}

// readCache returns the record of the last run into out; an absent or unreadable
// record, or one of another format, is an empty one (everything is redone).
func readCache(out string) *cache {
	c := &cache{Format: cacheFormat, Dirs: make(map[string]cacheEntry)}
	data, err := os.ReadFile(filepath.Join(out, cacheFile))
	if err != nil {
		return c
	}
	var old cache
	if json.Unmarshal(data, &old) != nil || old.Format != cacheFormat || old.Dirs == nil {
		return c
	}
	return &old
}

// reuse adds to the plan what the last run made of the directory rel, if its key is
// key and its copies are still in the output directory as written. It reports whether
// it did.
func (plan *Plan) reuse(old *cache, rel, key string) (cacheEntry, bool) {
	e, ok := old.Dirs[rel]
	if !ok || e.Key != key {
		return cacheEntry{}, false
	}
	files := make(map[string][]byte, len(e.Files))
	for out, sum := range e.Files {
		data, err := os.ReadFile(filepath.Join(plan.Out, filepath.FromSlash(out)))
		if err != nil || digest(data) != sum {
			return cacheEntry{}, false
		}
		files[out] = data
	}
	for out, data := range files {
		plan.Files[out] = data
		plan.Overlay[filepath.Join(plan.ModuleRoot, filepath.FromSlash(out))] = filepath.Join(plan.Out, filepath.FromSlash(out))
	}
	plan.Sites = append(plan.Sites, e.Sites...)
	return e, true
}

// record returns what the plan made of the directory rel, with key.
func (plan *Plan) record(rel, key string, instrumented int) cacheEntry {
	e := cacheEntry{Key: key, Files: make(map[string]string), Instrumented: instrumented}
	for orig, repl := range plan.Overlay {
		if !strings.HasSuffix(orig, ".go") || !strings.HasPrefix(orig, plan.ModuleRoot+string(filepath.Separator)) {
			continue
		}
		r, err := filepath.Rel(plan.ModuleRoot, filepath.Dir(orig))
		if err != nil || filepath.ToSlash(r) != rel {
			continue
		}
		out, err := filepath.Rel(plan.Out, repl)
		if err != nil {
			continue
		}
		out = filepath.ToSlash(out)
		e.Files[out] = digest(plan.Files[out])
	}
	for _, s := range plan.Sites {
		if pathDir(s.File) == rel {
			e.Sites = append(e.Sites, s)
		}
	}
	return e
}

// pathDir is path.Dir of a module-relative, slash-separated file name.
func pathDir(file string) string {
	if i := strings.LastIndexByte(file, '/'); i >= 0 {
		return file[:i]
	}
	return "."
}

// digest is the hex SHA-256 of data.
func digest(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// keyer computes the keys of the module's directories from a load of their packages
// with their dependencies (listMode).
type keyer struct {
	mod   *packages.Module
	run   string            // the key of the run's settings
	memo  map[string]string // package ID -> key of the package with its dependencies
	files map[string]string // file -> digest of its content
}

// newKeyer returns a keyer for mod, whose run's settings are the given strings.
func newKeyer(mod *packages.Module, settings ...string) (*keyer, error) {
	self, err := generatorDigest()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "filibuster-gen cache %d\n%s\n", cacheFormat, self)
	for _, s := range settings {
		fmt.Fprintf(h, "%q\n", s)
	}
	return &keyer{mod: mod, run: hex.EncodeToString(h.Sum(nil)), memo: make(map[string]string), files: make(map[string]string)}, nil
}

// dirKey returns the key of a directory whose packages (test variants included) are
// pkgs, with the directory's own settings.
func (k *keyer) dirKey(pkgs []*packages.Package, settings ...string) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", k.run)
	for _, s := range settings {
		fmt.Fprintf(h, "%q\n", s)
	}
	var ids []string
	for _, p := range pkgs {
		key, err := k.pkgKey(p)
		if err != nil {
			return "", err
		}
		ids = append(ids, key)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(h, "%s\n", id)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// pkgKey returns the key of p together with everything it imports.
func (k *keyer) pkgKey(p *packages.Package) (string, error) {
	if key, ok := k.memo[p.ID]; ok {
		return key, nil
	}
	h := sha256.New()
	fmt.Fprintf(h, "package %q\n", p.ID)
	if err := k.own(h, p); err != nil {
		return "", err
	}
	var imps []string
	for _, imp := range p.Imports {
		key, err := k.pkgKey(imp)
		if err != nil {
			return "", err
		}
		imps = append(imps, key)
	}
	sort.Strings(imps)
	for _, key := range imps {
		fmt.Fprintf(h, "import %s\n", key)
	}
	key := hex.EncodeToString(h.Sum(nil))
	k.memo[p.ID] = key
	return key, nil
}

// own writes to h what identifies p's own source: its module's version for a
// package of a versioned module, nothing more for the standard library (the run's
// toolchain version covers it), and otherwise its files' names and contents.
func (k *keyer) own(h hash.Hash, p *packages.Package) error {
	if m := p.Module; m != nil && m.Path != k.mod.Path {
		if m.Replace != nil && m.Replace.Version != "" {
			fmt.Fprintf(h, "module %s@%s => %s@%s\n", m.Path, m.Version, m.Replace.Path, m.Replace.Version)
			return nil
		}
		if m.Replace == nil && m.Version != "" {
			fmt.Fprintf(h, "module %s@%s\n", m.Path, m.Version)
			return nil
		}
	}
	if p.Module == nil && len(p.Errors) == 0 && isStd(p) {
		return nil
	}
	for _, f := range append(append([]string(nil), p.GoFiles...), p.OtherFiles...) {
		sum, ok := k.files[f]
		if !ok {
			data, err := os.ReadFile(f)
			if err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("reading source: %w", err)
			}
			sum = digest(data)
			k.files[f] = sum
		}
		fmt.Fprintf(h, "file %q %s\n", f, sum)
	}
	return nil
}

// isStd reports whether p, a package of no module, is in the standard library: its
// import path has no dot in its first element.
func isStd(p *packages.Package) bool {
	first, _, _ := strings.Cut(p.PkgPath, "/")
	return !strings.Contains(first, ".")
}

var (
	selfOnce   sync.Once
	selfDigest string
	selfErr    error
)

// generatorDigest returns the SHA-256 of the running executable, so that a new build
// of the generator redoes everything.
func generatorDigest() (string, error) {
	selfOnce.Do(func() {
		exe, err := os.Executable()
		if err != nil {
			selfErr = fmt.Errorf("finding the generator's executable: %w", err)
			return
		}
		data, err := os.ReadFile(exe)
		if err != nil {
			selfErr = fmt.Errorf("reading the generator's executable: %w", err)
			return
		}
		selfDigest = digest(data)
	})
	return selfDigest, selfErr
}
