package report

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
)

// page is what the template renders.
type page struct {
	*Report
	X          *coordinator.Report
	Services   []string
	FaultKinds []string
	Executions []execution
	Coverage   []coverage
	Unlisted   []coverage // sites seen that the manifest does not list
	HasFailed  bool
}

type execution struct {
	coordinator.ExecutionReport
	Class    string // "passed", "failed" or "not-tested"
	Services string // " a b " for the service filter
	Kinds    string // "|k1|k2|" for the fault filter
	Summary  string
	Coaching []coaching
}

// coaching is the check a resilient caller makes against one fault.
type coaching struct {
	Fault string
	Code  string
}

// coverage is one row of the call-site coverage table.
type coverage struct {
	Site, Kind, Callee, Service, Func string
	State                             string // what the exploration did there
	Class                             string // "ok", "warn", "bad" or "na"
	Calls, FaultFree                  int
	Injected, NeverInjected           []string
}

// Render writes the report's page.
func Render(w io.Writer, r *Report) error {
	if r.Exploration == nil {
		return fmt.Errorf("report: no exploration")
	}
	if err := pageTemplate.Execute(w, newPage(r)); err != nil {
		return fmt.Errorf("report: rendering %s: %w", HTMLFile, err)
	}
	return nil
}

func newPage(r *Report) *page {
	x := r.Exploration
	p := &page{Report: r, X: x}
	services, kinds := map[string]bool{}, map[string]bool{}
	for _, e := range x.Executions {
		v := execution{ExecutionReport: e, Class: strings.NewReplacer(", ", "-", " ", "-").Replace(e.Result)}
		svc := map[string]bool{}
		for _, c := range e.Calls {
			for _, s := range []string{c.Source, c.Target} {
				if s != "" {
					svc[s], services[s] = true, true
				}
			}
		}
		v.Services = " " + strings.Join(sortedKeys(svc), " ") + " "
		var descs []string
		v.Kinds = "|"
		for _, f := range e.Faults {
			kinds[f.Kind] = true
			v.Kinds += f.Kind + "|"
			d := f.Description
			if !f.Reached {
				d += " (NEVER LANDED)"
			}
			descs = append(descs, d)
			if e.Result == "failed" && f.Reached {
				v.Coaching = append(v.Coaching, coaching{Fault: f.Description, Code: snippet(f)})
			}
		}
		if len(descs) == 0 {
			descs = []string{"no faults"}
		}
		v.Summary = strings.Join(descs, "; ")
		p.HasFailed = p.HasFailed || e.Result == "failed"
		p.Executions = append(p.Executions, v)
	}
	p.Services, p.FaultKinds = sortedKeys(services), sortedKeys(kinds)
	p.Coverage, p.Unlisted = coverageRows(r)
	return p
}

// coverageRows returns a row for every site of the manifest, and one for every site
// seen that the manifest does not list.
func coverageRows(r *Report) (listed, unlisted []coverage) {
	x := r.Exploration
	seen := make(map[string]coordinator.SiteReport, len(x.Sites))
	for _, s := range x.Sites {
		seen[s.Site] = s
	}
	// Handlers and servers are reported per service, not per site.
	received, receivedFree := map[string]int{}, map[string]int{}
	for _, e := range x.Executions {
		for _, c := range e.Calls {
			if c.Received && c.Target != "" {
				received[c.Target]++
				if len(e.Faults) == 0 {
					receivedFree[c.Target]++
				}
			}
		}
	}
	used := make(map[string]bool)
	sites := append([]Site(nil), r.Manifest...)
	sort.SliceStable(sites, func(i, j int) bool {
		if sites[i].File != sites[j].File {
			return sites[i].File < sites[j].File
		}
		return sites[i].Line < sites[j].Line
	})
	for _, m := range sites {
		key := m.File + ":" + strconv.Itoa(m.Line)
		row := coverage{Site: key, Kind: m.Kind, Callee: m.Callee, Service: m.Service, Func: m.Func}
		s, ok := seen[key]
		switch {
		case !m.Instrumented:
			row.State, row.Class = "not instrumented", "na"
			if m.Reason != "" {
				row.State += ": " + m.Reason
			}
		case m.Kind == "handler" || m.Kind == "server":
			row.Class = "na"
			row.State = "requests are reported per service, not per handler"
			if m.Service != "" {
				row.Calls, row.FaultFree = received[m.Service], receivedFree[m.Service]
				row.State = fmt.Sprintf("%s received instrumented calls (counted per service, not per handler)", m.Service)
				if row.Calls == 0 {
					row.State = "no instrumented call reached " + m.Service + " (the functional test's own requests are not reported)"
				}
			}
		case !ok:
			row.State, row.Class = "never reached by the functional test", "bad"
		}
		if ok {
			used[key] = true
			fill(&row, s)
		}
		listed = append(listed, row)
	}
	for _, s := range x.Sites {
		if used[s.Site] {
			continue
		}
		row := coverage{Site: s.Site, Kind: "unlisted", Service: strings.Join(s.Sources, ", ")}
		fill(&row, s)
		unlisted = append(unlisted, row)
	}
	return listed, unlisted
}

// fill sets a row's counts and state from what the exploration saw at its site.
func fill(row *coverage, s coordinator.SiteReport) {
	row.Calls, row.FaultFree = s.Calls, s.FaultFreeCalls
	row.Injected, row.NeverInjected = s.Injected, s.NeverInjected
	if row.Service == "" {
		row.Service = strings.Join(s.Sources, ", ")
	}
	if row.Callee == "" {
		row.Callee = strings.Join(s.Targets, ", ")
	}
	switch {
	case s.FaultFreeCalls == 0:
		row.State, row.Class = "reached only under faults, not by the fault-free run", "warn"
	case len(s.NeverInjected) > 0:
		row.State, row.Class = "exercised by the fault-free run; some faults never injected", "warn"
	default:
		row.State, row.Class = "exercised by the fault-free run; every fault of the analysis injected", "ok"
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

var pageTemplate = template.Must(template.New(HTMLFile).Funcs(template.FuncMap{
	"join":  strings.Join,
	"onOff": onOff,
	"seconds": func(s float64) string {
		if s < 1 {
			return fmt.Sprintf("%.0f ms", s*1000)
		}
		return fmt.Sprintf("%.2f s", s)
	},
	"inc":   func(i int) int { return i + 1 },
	"class": strings.NewReplacer(", ", "-", " ", "-").Replace,
}).Parse(pageHTML))
