package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/filibuster-go/filibuster-gen/runtime/coordinator"
	"github.com/filibuster-go/filibuster-gen/runtime/report"
)

var screenshots = flag.String("screenshots", "", "write the report pages' screenshots to `dir` (docs/ keeps them)")

// chromium returns the path of a Chromium binary. When there is none the test fails
// on CI (CI=true; .ci/run installs Debian's chromium) and is skipped elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install -y chromium); the report's browser test needs it")
	}
	t.Skip("chromium is not installed (apt-get install -y chromium)")
	return ""
}

// headless runs Chromium headless on url with args and returns its standard output.
func headless(t *testing.T, bin, url string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), url)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.Bytes())
	}
	return out
}

// harnessHTML loads index.html in a frame and writes, into #out as JSON, what the
// browser rendered: each execution's result, colours and injected calls, the
// coverage table's sites, how long the page took to open, and what the "failed only"
// filter leaves shown.
const harnessHTML = `<!DOCTYPE html><html><body><pre id="out">not loaded</pre><script>
var start = performance.now(), f = document.createElement("iframe");
f.style.width = "1200px"; f.style.height = "800px";
f.onload = function () {
	var out = {openMs: performance.now() - start, executions: [], coverage: []};
	try {
		var d = f.contentDocument, w = f.contentWindow;
		out.result = d.getElementById("result").textContent;
		var xs = d.querySelectorAll("details.execution");
		for (var i = 0; i < xs.length; i++) {
			var x = xs[i], inj = [], tds = x.querySelectorAll("td.injected");
			for (var j = 0; j < tds.length; j++) {
				inj.push({site: tds[j].parentNode.querySelector("td.site").textContent, text: tds[j].textContent});
			}
			out.executions.push({id: x.id, result: x.dataset.result, open: x.open,
				border: w.getComputedStyle(x).borderLeftColor,
				badge: w.getComputedStyle(x.querySelector("summary .badge")).backgroundColor, injected: inj});
		}
		var rows = d.querySelectorAll("#coverage tr.site");
		for (var i = 0; i < rows.length; i++) {
			out.coverage.push({site: rows[i].dataset.site, state: rows[i].cells[4].textContent});
		}
		var sel = d.getElementById("f-result");
		sel.value = "failed";
		sel.dispatchEvent(new Event("change"));
		out.shownFailed = 0;
		for (var i = 0; i < xs.length; i++) {
			if (w.getComputedStyle(xs[i]).display !== "none") out.shownFailed++;
		}
	} catch (e) {
		out.error = String(e);
	}
	document.getElementById("out").textContent = JSON.stringify(out);
};
f.src = "index.html";
document.body.appendChild(f);
</script></body></html>`

// rendered is what harnessHTML reports.
type rendered struct {
	OpenMs     float64 `json:"openMs"`
	Error      string  `json:"error"`
	Result     string  `json:"result"`
	Executions []struct {
		ID, Result, Border, Badge string
		Open                      bool
		Injected                  []struct{ Site, Text string }
	} `json:"executions"`
	Coverage    []struct{ Site, State string } `json:"coverage"`
	ShownFailed int                            `json:"shownFailed"`
}

// render loads the report in dir in Chromium, from disk, and returns what it showed.
func render(t *testing.T, bin, dir string) *rendered {
	t.Helper()
	harness := filepath.Join(dir, "harness.html")
	if err := os.WriteFile(harness, []byte(harnessHTML), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := headless(t, bin, "file://"+harness, "--allow-file-access-from-files", "--dump-dom")
	m := regexp.MustCompile(`(?s)<pre id="out">(.*?)</pre>`).FindSubmatch(dom)
	if m == nil {
		t.Fatalf("the harness wrote nothing:\n%s", dom)
	}
	var r rendered
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &r); err != nil {
		t.Fatalf("the harness's output: %v\n%s", err, m[1])
	}
	if r.Error != "" {
		t.Fatalf("the page did not render as expected: %s", r.Error)
	}
	return &r
}

// Colours of the page's CSS, as getComputedStyle reports them.
const (
	red   = "rgb(198, 40, 40)"
	green = "rgb(46, 125, 50)"
)

// exploreReport explores an example with dynamic reduction and writes its report
// folder as filibuster-gen run does.
func exploreReport(t *testing.T, name string) (string, *report.Report) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	app, err := Prepare(ctx, BuildOptions{Dir: filepath.Join("..", "examples", name), WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	manifest, err := app.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	ce := filepath.Join(t.TempDir(), "counterexample.json")
	s, err := app.Explore(ctx, ExploreOptions{DynamicReduction: true, CounterexampleFile: ce})
	if err != nil {
		t.Fatal(err)
	}
	r := &report.Report{Application: name, Manifest: manifest, Exploration: s.Report}
	if s.Failed {
		r.ReplayCommand = "filibuster-gen run examples/" + name + " --counterexample-file " + ce
	}
	dir := filepath.Join(t.TempDir(), name)
	if err := report.Write(dir, r); err != nil {
		t.Fatal(err)
	}
	return dir, r
}

// checkCoverage checks that the coverage table lists every site of the manifest.
func checkCoverage(t *testing.T, got *rendered, r *report.Report) {
	t.Helper()
	listed := make(map[string]bool)
	for _, c := range got.Coverage {
		listed[c.Site] = true
	}
	for _, s := range r.Manifest {
		if site := s.File + ":" + strconv.Itoa(s.Line); !listed[site] {
			t.Errorf("the coverage table does not list %s (%s)", site, s.Kind)
		}
	}
	if len(got.Coverage) != len(r.Manifest) {
		t.Errorf("the coverage table has %d rows, the manifest %d sites", len(got.Coverage), len(r.Manifest))
	}
}

// screenshot saves a screenshot of the report in dir as name, in -screenshots or a
// temporary directory, and checks that it is a PNG.
func screenshot(t *testing.T, bin, dir, name string) {
	t.Helper()
	out := *screenshots
	if out == "" {
		out = t.TempDir()
	}
	path, err := filepath.Abs(filepath.Join(out, name))
	if err != nil {
		t.Fatal(err)
	}
	headless(t, bin, "file://"+filepath.Join(dir, report.HTMLFile), "--hide-scrollbars", "--window-size=1100,820", "--screenshot="+path)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Fatalf("%s is not a PNG", path)
	}
	t.Logf("screenshot %s: %d bytes", path, len(data))
}

// TestReportInBrowser loads the reports of cinema-2-broken's and cinema-3's
// explorations from disk in headless Chromium and checks what it renders: the
// failing execution is red and open, its call table shows the injected 404 on the
// call site of users' call to bookings, the passing ones are green, the "failed only"
// filter leaves the failing one, and the coverage table lists every site of the
// generator's manifest. A report of 1000 executions must open in under 2 s.
func TestReportInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs two applications")
	}
	bin := chromium(t)

	dir, r := exploreReport(t, "cinema-2-broken")
	got := render(t, bin, dir)
	if got.Result != "failed" {
		t.Errorf("the page's result is %q, want failed", got.Result)
	}
	var failing []failingFault
	for _, x := range r.Exploration.Executions {
		if x.Result == "failed" {
			for _, f := range x.Faults {
				failing = append(failing, failingFault{x.Number, f})
			}
		}
	}
	if len(failing) != 1 || failing[0].Fault.Kind != "status 404" || failing[0].Fault.Service != "bookings" {
		t.Fatalf("failing faults %+v; want one, status 404 on bookings", failing)
	}
	usersToBookings := ""
	for _, s := range r.Manifest {
		if s.Kind == "client" && s.Service == "users" {
			usersToBookings = s.File + ":" + strconv.Itoa(s.Line)
		}
	}
	if usersToBookings == "" || failing[0].Fault.Site != usersToBookings {
		t.Errorf("the failing fault is at %q; users' call site in the manifest is %q", failing[0].Fault.Site, usersToBookings)
	}
	if len(got.Executions) != len(r.Exploration.Executions) {
		t.Fatalf("%d executions rendered, %d in the report", len(got.Executions), len(r.Exploration.Executions))
	}
	for _, x := range got.Executions {
		if x.ID != fmt.Sprintf("x-%d", failing[0].Number) {
			if x.Result != "passed" || x.Border != green || x.Badge != green {
				t.Errorf("%s: %s, border %s, badge %s; want passed in green", x.ID, x.Result, x.Border, x.Badge)
			}
			continue
		}
		if x.Result != "failed" || x.Border != red || x.Badge != red || !x.Open {
			t.Errorf("%s: %s, border %s, badge %s, open %t; want failed in red, open", x.ID, x.Result, x.Border, x.Badge, x.Open)
		}
		if len(x.Injected) != 1 || x.Injected[0].Site != usersToBookings || x.Injected[0].Text != "injected status 404" {
			t.Errorf("%s: injected calls %+v; want status 404 at %s", x.ID, x.Injected, usersToBookings)
		}
	}
	if got.ShownFailed != 1 {
		t.Errorf("the failed-only filter shows %d executions, want 1", got.ShownFailed)
	}
	checkCoverage(t, got, r)
	screenshot(t, bin, dir, "report-cinema-2-broken.png")

	dir, r = exploreReport(t, "cinema-3")
	got = render(t, bin, dir)
	if got.Result != "passed" || len(got.Executions) != 37 || got.ShownFailed != 0 {
		t.Errorf("cinema-3: result %q, %d executions, %d shown failed; want passed, 37, 0", got.Result, len(got.Executions), got.ShownFailed)
	}
	for _, x := range got.Executions {
		if x.Result != "passed" || x.Border != green {
			t.Errorf("cinema-3 %s: %s, border %s; want passed in green", x.ID, x.Result, x.Border)
		}
	}
	checkCoverage(t, got, r)
	screenshot(t, bin, dir, "report-cinema-3.png")

	// A thousand executions: cinema-3's, repeated.
	big := *r
	x := *r.Exploration
	x.Executions = nil
	for len(x.Executions) < 1000 {
		e := r.Exploration.Executions[len(x.Executions)%len(r.Exploration.Executions)]
		e.Number = len(x.Executions) + 1
		x.Executions = append(x.Executions, e)
	}
	x.Summary.Ran = len(x.Executions)
	big.Exploration = &x
	dir = filepath.Join(t.TempDir(), "big")
	if err := report.Write(dir, &big); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(filepath.Join(dir, report.HTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	got = render(t, bin, dir)
	t.Logf("a report of %d executions: index.html %d bytes, opened in %.0f ms", len(got.Executions), info.Size(), got.OpenMs)
	if len(got.Executions) != 1000 || got.OpenMs >= 2000 {
		t.Errorf("a report of 1000 executions: %d rendered in %.0f ms; want 1000 in under 2000 ms", len(got.Executions), got.OpenMs)
	}
}

// failingFault is a fault of a failing execution.
type failingFault struct {
	Number int
	Fault  coordinator.FaultReport
}
