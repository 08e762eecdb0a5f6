package mutate

import (
	"fmt"
	"html/template"
	"io"
	"strings"
)

// WriteHTML writes the summary as one self-contained page (no scripts,
// no external files): the score per
// package and file, then every survivor with its diff, then the rest.
func WriteHTML(w io.Writer, s *Summary) error {
	return page.Execute(w, s)
}

var page = template.Must(template.New("mutation").Funcs(template.FuncMap{
	"pct":   func(f float64) string { return fmt.Sprintf("%.1f%%", f) },
	"join":  strings.Join,
	"lines": func(diff string) []string { return strings.Split(strings.TrimSuffix(diff, "\n"), "\n") },
	"class": func(line string) string {
		switch {
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"), strings.HasPrefix(line, "@@"):
			return "meta"
		case strings.HasPrefix(line, "+"):
			return "add"
		case strings.HasPrefix(line, "-"):
			return "del"
		}
		return "ctx"
	},
	"func": funcOrPackage,
}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Mutation score {{.Score}} · {{.Run.Package}}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;color:#222;padding:0 1em}
h1{font-size:1.4em;margin-bottom:.2em} h2{font-size:1.15em;margin-top:1.6em}
.muted{color:#666} table{border-collapse:collapse;margin:.5em 0} td,th{padding:.25em .8em;text-align:right;border-bottom:1px solid #ddd}
td:first-child,th:first-child{text-align:left} .bar{display:block;height:100%;background:#2a9d5c}
.barbg{display:inline-block;width:8em;height:.8em;background:#e76f51;vertical-align:middle}
.score{font-size:2em;font-weight:600} pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:12.5px;margin:.3em 0 1.2em}
.add{color:#1a7f37;background:#e6ffec} .del{color:#cf222e;background:#ffebe9} .meta{color:#888} pre span{display:block;white-space:pre}
code{font-size:.95em} .id{font-family:monospace;color:#555}
</style></head><body>
<h1>Mutation testing: {{.Run.Package}}</h1>
<p class="muted">{{len .Results}} of the package's {{.Run.Mutants}} mutants · scenarios {{join .Run.Scenarios ", "}} · seeds {{.Run.Seeds}} · runner {{.Run.Runner}}</p>
<p><span class="score">{{.Score}}</span> &nbsp;{{pct .Percent}} of the scored mutants (compiled, not marked equivalent) were caught.</p>
<p>killed {{.Killed}} · timed out {{.TimedOut}} · survived {{.Survived}} · not compiled {{.NotCompiled}} · equivalent {{.Equivalent}}</p>
{{with .Scores}}<h2>Scenarios only, and with the search</h2>
<table><tr><th>judged by</th><th>detected/scored</th><th>score</th><th>run budget per mutant</th></tr>
<tr><td>scenarios only</td><td>{{.Scenarios.Score}}</td><td>{{pct .Scenarios.Percent}}</td><td style="text-align:left">{{.Scenarios.Budget}}</td></tr>
<tr><td>scenarios + search</td><td>{{.Search.Score}}</td><td>{{pct .Search.Percent}}</td><td style="text-align:left">{{.Search.Budget}}</td></tr>
</table>
{{with .RunsToKill}}{{if .Mutants}}<p>Runs to kill, over the {{.Mutants}} mutants killed both by a seed and by a search: seeds median {{.SeedsMedian}}, search median {{.SearchMedian}} (search/seeds {{printf "%.2f" .Ratio}}).</p>{{else}}<p class="muted">No mutant was killed both by a seed and by a search.</p>{{end}}{{end}}
{{with .BaselineFails}}{{if .Mutants}}<p>Search finds the unmutated code fails too (replayed; not kills): {{.Finds}}, in {{.Mutants}} mutants ({{.Survivors}} of them survived).</p>{{end}}{{end}}
{{end}}<h2>By file</h2>
<table><tr><th>file</th><th>detected/scored</th><th>score</th><th></th><th>survived</th><th>not compiled</th><th>equivalent</th></tr>
{{range .Files}}<tr><td><code>{{.File}}</code></td><td>{{.Score}}</td><td>{{pct .Percent}}</td>
<td><span class="barbg"><span class="bar" style="width:{{printf "%.1f" .Percent}}%"></span></span></td>
<td>{{.Survived}}</td><td>{{.NotCompiled}}</td><td>{{.Equivalent}}</td></tr>
{{end}}</table>
{{with .Of "survived"}}<h2>Survivors ({{len .}}): bugs no scenario caught</h2>
{{range .}}<p><span class="id">{{.ID}}</span> <code>{{.File}}:{{.Line}}</code> {{.Operator}} in <code>{{func .Func}}</code>, {{.Runs}} seeds passed</p>
<pre>{{range lines .Diff}}<span class="{{class .}}">{{.}}</span>{{end}}</pre>
{{end}}{{end}}
{{with .CaughtBySearch}}<h2>Caught by the search only ({{len .}}): every seed passed</h2><table><tr><th>mutant</th><th>where</th><th>operator</th><th>scenario</th><th>find</th><th>run</th><th>search (on the mutant's code)</th></tr>
{{range .}}<tr><td class="id">{{.ID}}</td><td><code>{{.File}}:{{.Line}}</code></td><td>{{.Operator}}</td><td>{{.Search.Scenario}}</td><td>{{if .Search.Signature}}{{.Search.Signature}}{{else}}{{.Search.Budget}} budget{{end}}</td><td>{{if .Search.Run}}{{.Search.Run}}{{end}}</td><td style="text-align:left"><code>{{.Search.Repro}}</code></td></tr>
{{end}}</table>{{end}}
{{with .Of "timed_out"}}<h2>Timed out ({{len .}}, counted as caught)</h2><table><tr><th>mutant</th><th>where</th><th>operator</th><th>budget</th><th>scenario, seed</th></tr>
{{range .}}<tr><td class="id">{{.ID}}</td><td><code>{{.File}}:{{.Line}}</code></td><td>{{.Operator}}</td><td>{{.Budget}}</td><td>{{.Scenario}} {{if .Seed}}{{.Seed}}{{end}}</td></tr>
{{end}}</table>{{end}}
{{with .Of "equivalent"}}<h2>Marked equivalent ({{len .}}, not scored)</h2><table><tr><th>mutant</th><th>where</th><th>operator</th><th>reason</th></tr>
{{range .}}<tr><td class="id">{{.ID}}</td><td><code>{{.File}}:{{.Line}}</code></td><td>{{.Operator}}</td><td style="text-align:left">{{.Reason}}</td></tr>
{{end}}</table>{{end}}
{{with .Of "killed"}}<h2>Killed ({{len .}})</h2><table><tr><th>mutant</th><th>where</th><th>operator</th><th>scenario</th><th>seed</th><th>property</th></tr>
{{range .}}<tr><td class="id">{{.ID}}</td><td><code>{{.File}}:{{.Line}}</code></td><td>{{.Operator}}</td><td>{{.Scenario}}</td><td>{{if .Seed}}{{.Seed}}{{else if .Search}}{{if .Search.Run}}search run {{.Search.Run}}{{end}}{{end}}</td><td>{{if .Verdict}}{{.Verdict.Property}}{{end}}</td></tr>
{{end}}</table>{{end}}
{{with .Of "not_compiled"}}<h2>Not compiled ({{len .}})</h2><table><tr><th>mutant</th><th>where</th><th>operator</th><th>compiler</th></tr>
{{range .}}<tr><td class="id">{{.ID}}</td><td><code>{{.File}}:{{.Line}}</code></td><td>{{.Operator}}</td><td style="text-align:left"><code>{{.Error}}</code></td></tr>
{{end}}</table>{{end}}
</body></html>
`))
