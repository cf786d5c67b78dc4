package report

// pageHTML is the report page: plain HTML and CSS, and a little script for the
// filters and the clocks toggle. The page is complete without the script.
const pageHTML = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Application}}: filibuster report</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #222; background: #fafafa; }
header, main { padding: 0 1.5em; }
header { background: #fff; border-bottom: 1px solid #ddd; padding-bottom: .5em; }
h1 { font-size: 1.4em; margin: .6em 0 .3em; }
h2 { font-size: 1.15em; margin: 1.4em 0 .4em; }
table { border-collapse: collapse; margin: .3em 0 .8em; background: #fff; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
code, pre, .mono { font-family: ui-monospace, monospace; font-size: 12.5px; }
pre { background: #f4f4f4; border: 1px solid #ddd; padding: .5em; overflow-x: auto; white-space: pre-wrap; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 3px; font-weight: bold; color: #fff; }
.r-passed, .c-ok { background: #2e7d32; }
.r-failed, .r-error, .r-nothing-tested, .c-bad { background: #c62828; }
.r-not-tested, .r-incomplete, .r-passed-unreached-allowed, .c-warn { background: #ef6c00; }
.r-running, .r-pruned, .c-na, .r-not-run { background: #757575; }
details.execution { background: #fff; border: 1px solid #ddd; border-left: 6px solid #2e7d32; margin: .25em 0; }
details.execution.failed { border-left-color: #c62828; background: #fff5f5; }
details.execution.not-tested { border-left-color: #ef6c00; background: #fff8f0; }
details.execution > summary { cursor: pointer; padding: .2em .5em; }
details.execution > div { padding: 0 .8em .5em; }
td.injected { background: #ffe0e0; font-weight: bold; }
td.unlanded { background: #ffe8cc; font-weight: bold; }
.clocks { display: none; }
body.show-clocks .clocks { display: table-cell; }
.filters { background: #fff; border: 1px solid #ddd; padding: .4em .6em; margin: .4em 0; }
.filters label { margin-right: 1em; }
.error { color: #c62828; font-weight: bold; }
.hidden { display: none; }
</style>
</head>
<body>
<header>
<h1>{{.Application}}: {{if .Error}}<span id="result" class="badge r-error">error</span>{{else}}<span id="result" class="badge r-{{class .X.Summary.Result}}">{{.X.Summary.Result}}</span>{{end}}</h1>
{{with .Error}}<p class="error" id="error">The exploration ended with an error: {{.}}</p>{{end}}
<table id="summary">
<tr><th>test executions ran</th><td>{{.X.Summary.Ran}}</td>
<th>passed (every planned fault injected)</th><td>{{.X.Summary.Passed}}</td>
<th>failed</th><td>{{.X.Summary.Failed}}</td>
<th>not tested (a fault never landed)</th><td>{{.X.Summary.NotTested}}</td></tr>
<tr><th>pruned by dynamic reduction</th><td>{{.X.Summary.Pruned}}</td>
<th>scheduled, not run</th><td>{{.X.Summary.NotRun}}</td>
<th>faults that never landed</th><td>{{.X.Summary.Unlanded}}</td>
<th>nondeterministic</th><td>{{.X.Summary.Diverged}}</td></tr>
<tr><th>time</th><td>{{seconds .X.Summary.ElapsedSeconds}}</td>
<th>dynamic reduction</th><td>{{onOff .X.Settings.DynamicReduction}}</td>
<th>functional test</th><td colspan="3" class="mono">{{.X.Settings.FunctionalTest}}</td></tr>
{{with .Command}}<tr><th>command</th><td colspan="7" class="mono">{{.}}</td></tr>{{end}}
{{with .X.Settings.Replay}}<tr><th>replayed</th><td colspan="7" class="mono">{{.}}</td></tr>{{end}}
{{if or .X.Settings.MaxTests .X.Settings.OnlyInitial .X.Settings.BreadthFirst .X.Settings.SuppressCombinations .X.Settings.AllowUnreached}}<tr><th>settings</th><td colspan="7">
{{- with .X.Settings.MaxTests}}at most {{.}} executions; {{end}}
{{- if .X.Settings.OnlyInitial}}fault-free execution only; {{end}}
{{- if .X.Settings.BreadthFirst}}breadth first; {{end}}
{{- if .X.Settings.SuppressCombinations}}one fault per execution; {{end}}
{{- if .X.Settings.AllowUnreached}}faults that never land allowed; {{end}}</td></tr>{{end}}
</table>
<p><a href="#executions-h">executions</a> · <a href="#coverage-h">call-site coverage</a>{{if .X.Pruned}} · <a href="#pruned">pruned executions</a>{{end}}</p>
{{if .X.Summary.NotRun}}<p>{{.X.Summary.NotRun}} scheduled executions were not run: the exploration stopped first. They are not tested.</p>{{end}}
</header>
<main>
{{if .HasFailed}}<h2>Failing execution</h2>
{{range .Executions}}{{if eq .Result "failed"}}
<div class="failure" id="failure-{{.Number}}">
<p>Execution <a href="#x-{{.Number}}">{{.Number}}</a> failed: {{.Summary}}.</p>
{{with $.ReplayCommand}}<p>Replay it with:</p><pre class="replay">{{.}}</pre>
{{else}}{{with $.X.Settings.CounterexampleFile}}<p>Its counterexample was written to <code>{{.}}</code>.</p>{{end}}{{end}}
{{range .Coaching}}<p>A resilient caller checks for {{.Fault}}:</p><pre class="coaching">{{.Code}}</pre>{{end}}
</div>{{end}}{{end}}{{end}}

<h2 id="executions-h">Executions</h2>
<div class="filters">
<label>show <select id="f-result"><option value="">all</option><option value="failed">failed only</option><option value="not-tested">not tested only</option><option value="passed">passed only</option></select></label>
<label>service <select id="f-service"><option value="">any</option>{{range .Services}}<option>{{.}}</option>{{end}}</select></label>
<label>fault <select id="f-fault"><option value="">any</option>{{range .FaultKinds}}<option>{{.}}</option>{{end}}</select></label>
<label><input type="checkbox" id="f-clocks"> execution indexes and clocks</label>
<span id="shown"></span>
</div>
<div id="executions">
{{range .Executions}}<details class="execution {{.Class}}" id="x-{{.Number}}" data-result="{{.Class}}" data-services="{{.Services}}" data-faults="{{.Kinds}}"{{if eq .Result "failed"}} open{{end}}>
<summary><b>Execution {{.Number}}</b> <span class="badge r-{{.Class}}">{{.Result}}</span> {{.Summary}} <small>({{len .Calls}} calls, {{seconds .Seconds}})</small></summary>
<div>
{{if .Faults}}<table class="faults"><tr><th>fault</th><th>on</th><th>call site</th><th>landed</th><th class="clocks">execution index</th></tr>
{{range .Faults}}<tr><td>{{.Kind}}</td><td>{{.Service}} {{.Method}} <span class="mono">{{.URL}}</span></td><td class="mono">{{.Site}}</td>
{{if .Reached}}<td>yes</td>{{else}}<td class="unlanded">NO: the call did not happen, the fault is not tested</td>{{end}}<td class="clocks mono">{{.ExecutionIndex}}</td></tr>
{{end}}</table>{{end}}
{{with .Diverged}}<p>Nondeterministic: {{.}}.</p>{{end}}
<table class="calls"><tr><th>#</th><th>source</th><th>target</th><th>call site</th><th>method</th><th>URL</th><th>outcome</th><th class="clocks">execution index</th><th class="clocks">vclock</th><th class="clocks">origin vclock</th></tr>
{{range $i, $c := .Calls}}<tr><td>{{inc $i}}</td><td>{{.Source}}</td><td>{{.Target}}</td><td class="mono site">{{.Site}}</td><td>{{.Method}}</td><td class="mono">{{.URL}}</td>
{{if .Injected}}<td class="injected">injected {{.Injected}}</td>{{else}}<td>{{with .Status}}status {{.}}{{end}}{{with .Error}}error {{.}}{{end}}{{if not (or .Status .Error)}}no answer recorded{{end}}</td>{{end}}
<td class="clocks mono">{{.ExecutionIndex}}</td><td class="clocks mono">{{printf "%s" .VClock}}</td><td class="clocks mono">{{printf "%s" .OriginVClock}}</td></tr>
{{end}}</table>
{{with .Output}}<details><summary>functional test output</summary><pre>{{.}}</pre></details>{{end}}
</div>
</details>
{{end}}</div>
{{with .X.Pruned}}<details id="pruned"><summary>{{len .}} executions pruned by dynamic reduction: not run, because earlier executions already had their calls' outcomes</summary>
<table><tr><th>faults</th></tr>{{range .}}<tr><td>{{range $i, $f := .Faults}}{{if $i}}; {{end}}{{$f.Description}}{{end}}</td></tr>{{end}}</table>
</details>{{end}}

<h2 id="coverage-h">Call-site coverage</h2>
<p>Every call site and handler the generator found{{if not .Manifest}} (no manifest was given: only the sites seen are listed){{end}}: whether the fault-free run exercised it, the faults injected on it, and the faults the analysis names for its calls that were never injected.</p>
<table id="coverage"><tr><th>site</th><th>kind</th><th>service</th><th>callee</th><th>state</th><th>calls (fault-free)</th><th>faults injected</th><th>faults never injected</th></tr>
{{range .Coverage}}<tr class="site {{.Class}}" data-site="{{.Site}}"><td class="mono">{{.Site}}</td><td>{{.Kind}}</td><td>{{.Service}}</td><td class="mono">{{.Callee}}</td><td><span class="badge c-{{.Class}}">{{.State}}</span></td><td>{{.Calls}} ({{.FaultFree}})</td><td>{{join .Injected ", "}}</td><td>{{join .NeverInjected ", "}}</td></tr>
{{end}}{{range .Unlisted}}<tr class="site unlisted {{.Class}}" data-site="{{.Site}}"><td class="mono">{{.Site}}</td><td>not in the manifest (inside a library, or a service not written in Go)</td><td>{{.Service}}</td><td class="mono">{{.Callee}}</td><td><span class="badge c-{{.Class}}">{{.State}}</span></td><td>{{.Calls}} ({{.FaultFree}})</td><td>{{join .Injected ", "}}</td><td>{{join .NeverInjected ", "}}</td></tr>
{{end}}</table>
</main>
<script>
(function () {
	var result = document.getElementById("f-result"), service = document.getElementById("f-service"),
		fault = document.getElementById("f-fault"), clocks = document.getElementById("f-clocks"),
		shown = document.getElementById("shown"), all = document.querySelectorAll("details.execution");
	function filter() {
		var n = 0;
		for (var i = 0; i < all.length; i++) {
			var d = all[i], ok = (!result.value || d.dataset.result === result.value) &&
				(!service.value || d.dataset.services.indexOf(" " + service.value + " ") >= 0) &&
				(!fault.value || d.dataset.faults.indexOf("|" + fault.value + "|") >= 0);
			d.classList.toggle("hidden", !ok);
			if (ok) n++;
		}
		shown.textContent = n + " of " + all.length + " executions shown";
	}
	result.onchange = service.onchange = fault.onchange = filter;
	clocks.onchange = function () { document.body.classList.toggle("show-clocks", clocks.checked); };
	filter();
	document.body.dataset.renderedMs = Math.round(performance.now());
})();
</script>
</body>
</html>
`
