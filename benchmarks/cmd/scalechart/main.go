// Command scalechart turns the rows scale-compare.sh writes (one per key
// count and server) into a Markdown table and an SVG chart of RSS per key
// and p99 latency against the key count. It uses the standard library only.
package main

import (
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"html"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	in := flag.String("in", "benchmarks/results/scale.csv", "CSV written by scale-compare.sh")
	out := flag.String("out", "benchmarks/results/scale", "output path without extension (.md and .svg are written)")
	note := flag.String("note", "", "one line describing the run, printed under the table")
	flag.Parse()
	if err := run(*in, *out, *note); err != nil {
		fmt.Fprintln(os.Stderr, "scalechart:", err)
		os.Exit(1)
	}
}

// columns are the CSV header scale-compare.sh writes, in order.
var columns = []string{"keys", "server", "load_s", "rss_loaded_mb", "rss_per_key_b", "peak_rss_per_key_b",
	"overwrites", "rps", "p50_ms", "p99_ms", "max_ms", "cpu_us_per_req", "gc_cpu_pct", "get_rps"}

// result is one server at one key count: the CSV's columns after the
// server's name, by column name.
type result struct {
	keys   int
	server string
	v      map[string]float64
}

func run(in, out, note string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	rs, err := load(f)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out+".md", []byte(renderMarkdown(rs, note)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(out+".svg", []byte(renderSVG(rs, note)), 0o644)
}

func load(r io.Reader) ([]result, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || !slices.Equal(recs[0], columns) {
		return nil, errors.New("unexpected header; want " + strings.Join(columns, ","))
	}
	var rs []result
	for _, rec := range recs[1:] {
		n, err := strconv.Atoi(rec[0])
		if err != nil {
			return nil, fmt.Errorf("keys %q: %w", rec[0], err)
		}
		res := result{keys: n, server: rec[1], v: map[string]float64{}}
		for i := 2; i < len(columns); i++ {
			x, err := strconv.ParseFloat(rec[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s %q: %w", columns[i], rec[i], err)
			}
			res.v[columns[i]] = x
		}
		rs = append(rs, res)
	}
	return rs, nil
}

// colors are the bars' fills, one per server in order of appearance.
var colors = []string{"#d9534f", "#337ab7", "#5cb85c", "#f0ad4e"}

// keyCount prints 1000000 as 1M and 1500 as 1500.
func keyCount(n int) string {
	switch {
	case n >= 1e6 && n%1e6 == 0:
		return strconv.Itoa(n/1e6) + "M"
	case n >= 1e3 && n%1e3 == 0:
		return strconv.Itoa(n/1e3) + "k"
	}
	return strconv.Itoa(n)
}

func renderMarkdown(rs []result, note string) string {
	var b strings.Builder
	b.WriteString("| keys | server | load | RSS/key after load | peak RSS/key while overwriting | overwrite req/s | p50 | p99 | max | server CPU/req | GC share of it | GET req/s |\n")
	b.WriteString("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for i, r := range rs {
		v := r.v
		fmt.Fprintf(&b, "| %s | %s | %.1f s | %.0f B | %.0f B | %.0f | %.2f ms | %.2f ms | %.2f ms | %.2f µs | %s | %.0f |\n",
			keyCount(r.keys), r.server, v["load_s"], v["rss_per_key_b"], v["peak_rss_per_key_b"],
			v["rps"], v["p50_ms"], v["p99_ms"], v["max_ms"], v["cpu_us_per_req"], gcShare(v["gc_cpu_pct"]), v["get_rps"])
		// After the second of two servers at one key count, the second
		// over the first: the figure that survives a noisy machine.
		if i > 0 && rs[i-1].keys == r.keys && (i+1 == len(rs) || rs[i+1].keys != r.keys) {
			p := rs[i-1].v
			fmt.Fprintf(&b, "| %s | %s/%s | %s | %s | %s | %s | %s | %s | %s | %s | | %s |\n",
				keyCount(r.keys), r.server, rs[i-1].server, ratio(v, p, "load_s"), ratio(v, p, "rss_per_key_b"),
				ratio(v, p, "peak_rss_per_key_b"), ratio(v, p, "rps"), ratio(v, p, "p50_ms"), ratio(v, p, "p99_ms"),
				ratio(v, p, "max_ms"), ratio(v, p, "cpu_us_per_req"), ratio(v, p, "get_rps"))
		}
	}
	if note != "" {
		fmt.Fprintf(&b, "\n%s.\n", note)
	}
	return b.String()
}

// ratio formats a[col]/b[col] as "0.64×", "–" when b[col] is 0.
func ratio(a, b map[string]float64, col string) string {
	if b[col] == 0 {
		return "–"
	}
	return fmt.Sprintf("**%.2f×**", a[col]/b[col])
}

// gcShare formats the GC's percentage of the server's CPU, "–" for a server
// without a garbage collector (-1).
func gcShare(pct float64) string {
	if pct < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", pct)
}

// renderSVG draws two panels of grouped bars, one group per key count and
// one bar per server: RSS per key after the load, and p99 latency while
// overwriting.
func renderSVG(rs []result, note string) string {
	var servers []string
	var counts []int
	for _, r := range rs {
		if !slices.Contains(servers, r.server) {
			servers = append(servers, r.server)
		}
		if !slices.Contains(counts, r.keys) {
			counts = append(counts, r.keys)
		}
	}
	slices.Sort(counts)
	const panelW, panelH, top, left, gap = 320, 200, 40, 50, 70
	w := left + 2*panelW + gap + 20
	h := top + panelH + 70
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", w, h)
	b.WriteString(`<rect width="100%" height="100%" fill="white"/>` + "\n")
	panel(&b, rs, servers, counts, "rss_per_key_b", "RSS per key after load (bytes)", "%.0f", left, top, panelW, panelH)
	panel(&b, rs, servers, counts, "p99_ms", "p99 latency while overwriting (ms)", "%.2f", left+panelW+gap, top, panelW, panelH)
	for i, s := range servers {
		x := left + i*120
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/>`+"\n", x, h-42, colors[i%len(colors)])
		fmt.Fprintf(&b, `<text x="%d" y="%d">%s</text>`+"\n", x+16, h-32, html.EscapeString(s))
	}
	if note != "" {
		fmt.Fprintf(&b, `<text x="4" y="%d" font-size="10" fill="#555">%s</text>`+"\n", h-8, html.EscapeString(note))
	}
	b.WriteString("</svg>\n")
	return b.String()
}

// panel draws one metric as bars grouped by key count, scaled to the
// panel's largest value, with each bar's value above it.
func panel(b *strings.Builder, rs []result, servers []string, counts []int, metric, title, format string, x0, y0, w, h int) {
	top := 0.0
	for _, r := range rs {
		top = max(top, r.v[metric])
	}
	if top == 0 {
		top = 1
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13">%s</text>`+"\n", x0, y0-16, html.EscapeString(title))
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", x0, y0+h, x0+w, y0+h)
	groupW := float64(w) / float64(max(len(counts), 1))
	barW := groupW * 0.8 / float64(max(len(servers), 1))
	for gi, n := range counts {
		gx := float64(x0) + float64(gi)*groupW + groupW*0.1
		fmt.Fprintf(b, `<text x="%.1f" y="%d" text-anchor="middle">%s keys</text>`+"\n", gx+groupW*0.4, y0+h+16, keyCount(n))
		for si, s := range servers {
			i := slices.IndexFunc(rs, func(r result) bool { return r.keys == n && r.server == s })
			if i < 0 {
				continue
			}
			v := rs[i].v[metric]
			bh := v / top * float64(h-14)
			x := gx + float64(si)*barW
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`+"\n",
				x, float64(y0+h)-bh, barW-2, bh, colors[si%len(colors)])
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" text-anchor="middle" font-size="11">`+format+"</text>\n",
				x+barW/2-1, float64(y0+h)-bh-3, v)
		}
	}
}
