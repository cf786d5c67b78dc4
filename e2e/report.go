package e2e

import (
	"path"
	"path/filepath"

	"github.com/filibuster-go/filibuster-gen/runtime/report"
)

// Manifest returns the generator's manifest of a prepared application, every call
// site and handler it found, each with the service whose package holds it. It must be
// called before Close, which may remove the work directory.
func (a *App) Manifest() ([]report.Site, error) {
	sites, err := report.ReadManifest(filepath.Join(a.WorkDir, "generated", "manifest.json"))
	if err != nil {
		return nil, err
	}
	dirs := make(map[string]string) // module-relative package directory -> service
	for _, s := range a.Config.Services {
		if s.Package == "" {
			continue
		}
		if rel, err := a.packageDir(s.Package); err == nil {
			dirs[rel] = s.Name
		}
	}
	for i := range sites {
		sites[i].Service = dirs[path.Dir(sites[i].File)]
	}
	return sites, nil
}
