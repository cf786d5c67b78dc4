package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// site is the part of an entry of the generator's .filibuster/manifest.json the
// harness reports on.
type site struct {
	File         string `json:"file"`
	Line         int    `json:"line"`
	Callee       string `json:"callee"`
	Kind         string `json:"kind"` // client, library, handler or server
	Instrumented bool   `json:"instrumented"`
	Reason       string `json:"reason"`
}

// readManifest reads the generator's manifest, a JSON array of sites.
func readManifest(path string) ([]site, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	var sites []site
	if err := json.Unmarshal(data, &sites); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", path, err)
	}
	return sites, nil
}

// report is everything the harness found out about one module.
type report struct {
	Module      module
	Elapsed     time.Duration // everything: download, vet, generator and the three test runs
	Err         error         // the module could not be run to the end
	BaseVet     *vetResult
	Base        *suiteResult
	GenTime     time.Duration
	GenFallback string // set when the generator ran on the buildable packages only
	Sites       []site
	Linked      int // packages (test variants included) that import the runtime
	ManifestErr error
	Vet         *vetResult
	Inert       *suiteResult
	Race        *suiteResult // inert, under -race
	BaseRace    *suiteResult // uninstrumented under -race, on the packages Race regressed in
	Coord       *suiteResult
	CoordErr    error
	Reported    reported // what the coordinator was told during Coord
}

// instrumented returns how many sites the generator instrumented.
func (r *report) instrumented() int {
	n := 0
	for _, s := range r.Sites {
		if s.Instrumented {
			n++
		}
	}
	return n
}

// vetNew returns the vet diagnostics the instrumented copy has and the original has not.
func (r *report) vetNew() []string {
	if r.Vet == nil || r.Vet.Err == nil {
		return nil
	}
	lines := r.Vet.newLines(r.BaseVet)
	if len(lines) == 0 && r.BaseVet.Err == nil {
		return []string{fmt.Sprintf("go vet: %v", r.Vet.Err)}
	}
	return lines
}

// run is one instrumented test run of a report.
type run struct {
	name string
	res  *suiteResult
}

// runs returns the instrumented test runs, in the order of the table's columns.
func (r *report) runs() []run {
	return []run{{"inert", r.Inert}, {"inert -race", r.Race}, {"coordinator", r.Coord}}
}

// regressions returns the tests of res that passed uninstrumented and not in res, and,
// for the -race run, those left out because they fail uninstrumented under -race too.
func (r *report) regressions(res *suiteResult) (regs, racy []regression) {
	regs = compare(r.Module, r.Base, res)
	if res == r.Race && r.BaseRace != nil {
		regs, racy = splitByBase(regs, r.BaseRace)
	}
	return regs, racy
}

// mode returns a short verdict on one instrumented test run.
func (r *report) mode(res *suiteResult) string {
	switch {
	case res == nil:
		return "not run"
	case res.Err != nil:
		return "error"
	}
	regs, racy := r.regressions(res)
	var v string
	if len(regs) > 0 {
		v = fmt.Sprintf("FAIL (%d)", len(regs))
	} else {
		pass, _, _ := res.counts()
		v = fmt.Sprintf("ok (%d)", pass)
	}
	if len(racy) > 0 {
		v += fmt.Sprintf(" +%d racy", len(racy))
	}
	return v
}

// nothingReported reports whether the coordinator run went through, with outgoing
// call sites instrumented, yet no call was reported to the coordinator: the
// instrumentation was never exercised, so its run proves nothing. Handlers alone do not
// count: in a library's own test suite no instrumented caller ever calls them, so they
// have nothing to report.
func (r *report) nothingReported() bool {
	return r.Coord != nil && r.Coord.Err == nil && r.instrumentedCalls() > 0 && r.Reported.Creates == 0
}

// instrumentedCalls returns how many outgoing call sites (client and library) the
// generator instrumented.
func (r *report) instrumentedCalls() int {
	n := 0
	for _, s := range r.Sites {
		if s.Instrumented && (s.Kind == "client" || s.Kind == "library") {
			n++
		}
	}
	return n
}

// passed reports whether the module passed every check.
func (r *report) passed() bool {
	if r.Err != nil || r.ManifestErr != nil || r.CoordErr != nil || len(r.vetNew()) > 0 || r.nothingReported() {
		return false
	}
	for _, m := range r.runs() {
		if m.res == nil || m.res.Err != nil {
			return false
		}
		if regs, _ := r.regressions(m.res); len(regs) > 0 {
			return false
		}
	}
	return true
}

// verdict returns the result column: ok, FAIL, or NOTHING REPORTED.
func (r *report) verdict() string {
	switch {
	case r.passed():
		return "ok"
	case r.nothingReported():
		return "NOTHING REPORTED"
	default:
		return "FAIL"
	}
}

// maxListed is how many failing tests of one run print lists without -v.
const maxListed = 20

// print writes the module's details: sites, generator time, and every failure.
func (r *report) print(w io.Writer, verbose bool) {
	if r.Base != nil && r.Base.Err == nil {
		_, fail, _ := r.Base.counts()
		if fail > 0 {
			fmt.Fprintf(w, "    %d tests fail uninstrumented and are left out of the comparison\n", fail)
		}
		if n := r.Base.packageFailures(); n > 0 {
			fmt.Fprintf(w, "    %d packages fail (or do not build) uninstrumented\n", n)
		}
	}
	for name, reason := range r.Module.Exclude {
		fmt.Fprintf(w, "    excluded %s: %s\n", name, reason)
	}
	if r.ManifestErr != nil {
		fmt.Fprintf(w, "    manifest: %v\n", r.ManifestErr)
	}
	for _, line := range r.vetNew() {
		fmt.Fprintf(w, "    vet (instrumented only): %s\n", line)
	}
	for _, m := range r.runs() {
		if m.res == nil || m.res.Err != nil {
			continue // its summary line has said why
		}
		regs, racy := r.regressions(m.res)
		printRegressions(w, m.name, regs, verbose)
		printRegressions(w, m.name+" (fails uninstrumented -race too, not counted)", racy, verbose)
		if verbose && m.res.Stderr != "" {
			fmt.Fprintf(w, "    %s: go test stderr:\n%s\n", m.name, indent(lastLines(m.res.Stderr, 30), "        "))
		}
	}
	if r.CoordErr != nil {
		fmt.Fprintf(w, "    coordinator: %v\n", r.CoordErr)
	}
	if r.nothingReported() {
		fmt.Fprintf(w, "    coordinator: NOTHING REPORTED: %d sites instrumented, yet no call (PUT /filibuster/create) "+
			"and no request_received update reached the coordinator\n", r.instrumented())
	}
	if r.Err != nil {
		fmt.Fprintf(w, "    error: %v\n", r.Err)
	}
	fmt.Fprintf(w, "--- %s %s (%v)\n", r.verdict(), r.Module, r.Elapsed.Round(time.Second))
}

// printRegressions lists the tests of one run that did not pass, at most maxListed
// unless verbose, with their output if verbose.
func printRegressions(w io.Writer, name string, regs []regression, verbose bool) {
	for i, reg := range regs {
		if i == maxListed && !verbose {
			fmt.Fprintf(w, "    %s: ... and %d more (-v lists all)\n", name, len(regs)-i)
			break
		}
		fmt.Fprintf(w, "    %s: %s: %s\n", name, reg.Name, reg.Got)
		switch {
		case verbose && reg.Output != "":
			fmt.Fprintf(w, "%s\n", indent(lastLines(reg.Output, 30), "        "))
		case strings.HasSuffix(reg.Name, " "+packageKey) && reg.Output != "":
			// A whole package failing is most often a crash or a timeout: say which.
			fmt.Fprintf(w, "%s\n", indent(lastLines(reg.Output, 8), "        "))
		}
	}
}

// printSites writes what the generator found and did.
func (r *report) printSites(w io.Writer) {
	fmt.Fprintf(w, "    generator:      %v; %s; runtime imported by %d packages\n",
		r.GenTime.Round(time.Millisecond), siteSummary(r.Sites), r.Linked)
	for _, line := range skipReasons(r.Sites) {
		fmt.Fprintf(w, "      skipped %s\n", line)
	}
}

// siteSummary counts the call sites (calls into client libraries included) and
// handlers (and servers) found and instrumented.
func siteSummary(sites []site) string {
	var calls, callsIn, handlers, handlersIn int
	for _, s := range sites {
		if s.Kind == "client" || s.Kind == "library" {
			calls++
			if s.Instrumented {
				callsIn++
			}
			continue
		}
		handlers++
		if s.Instrumented {
			handlersIn++
		}
	}
	return fmt.Sprintf("call sites %d/%d instrumented, handlers %d/%d instrumented",
		callsIn, calls, handlersIn, handlers)
}

// skipReasons returns one line per reason sites were skipped, with the count and the
// first site, most frequent first.
func skipReasons(sites []site) []string {
	count := make(map[string]int)
	first := make(map[string]site)
	for _, s := range sites {
		if s.Instrumented {
			continue
		}
		if count[s.Reason] == 0 {
			first[s.Reason] = s
		}
		count[s.Reason]++
	}
	reasons := make([]string, 0, len(count))
	for reason := range count {
		reasons = append(reasons, reason)
	}
	sort.Slice(reasons, func(i, j int) bool {
		if count[reasons[i]] != count[reasons[j]] {
			return count[reasons[i]] > count[reasons[j]]
		}
		return reasons[i] < reasons[j]
	})
	var out []string
	for _, reason := range reasons {
		s := first[reason]
		out = append(out, fmt.Sprintf("%d× %s (e.g. %s at %s:%d)", count[reason], reason, s.Callee, s.File, s.Line))
	}
	return out
}

// printTable writes one row per module.
func printTable(w io.Writer, reports []*report) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "module\tsites (instr/found)\tgen\tbaseline\tsuite\tvet\tinert\tinert -race\tcoordinator\treported (calls/received)\ttotal\tresult")
	for _, r := range reports {
		sites, gen, base, elapsed, vet, reported := "-", "-", "-", "-", "-", "-"
		if r.Sites != nil {
			sites = fmt.Sprintf("%d/%d", r.instrumented(), len(r.Sites))
		}
		if r.GenTime > 0 {
			gen = r.GenTime.Round(time.Millisecond).String()
			if r.GenFallback != "" {
				gen += " (partial)"
			}
		}
		if r.Base != nil && r.Base.Err == nil {
			pass, fail, skip := r.Base.counts()
			base = fmt.Sprintf("%d pass, %d fail, %d skip", pass, fail, skip)
			elapsed = r.Base.Elapsed.Round(time.Second).String()
		}
		if r.Vet != nil {
			vet = "ok"
			if len(r.vetNew()) > 0 {
				vet = "FAIL"
			}
		}
		if r.Coord != nil {
			reported = fmt.Sprintf("%d/%d", r.Reported.Creates, r.Reported.Received)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Module, sites, gen, base, elapsed, vet,
			r.mode(r.Inert), r.mode(r.Race), r.mode(r.Coord), reported, r.Elapsed.Round(time.Second), r.verdict())
	}
	tw.Flush()
}

// indent prefixes every line of s.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
