// Command chart turns the raw rows written by compare.sh (round, server,
// test, pipeline, size, rps) into medians and miniredis/redis ratios, written
// as Markdown, CSV and an SVG bar chart of the ratios. It uses the standard
// library only.
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
	raw := flag.String("raw", "", "raw CSV written by compare.sh")
	out := flag.String("out", "benchmarks/results/latest", "output path without extension (.md, .csv and .svg are written)")
	note := flag.String("note", "", "one line describing the run, printed under the table")
	flag.Parse()
	if err := run(*raw, *out, *note); err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(1)
	}
}

// row is one configuration: a test at a pipeline depth and value size.
type row struct {
	test     string
	pipeline int
	size     int
	redis    []float64
	mini     []float64
	errs     map[string]int // errored runs per server
}

func (r *row) label() string { return fmt.Sprintf("%s P%d %dB", r.test, r.pipeline, r.size) }

// ratio is miniredis's median over redis's, 0 when either is missing.
func (r *row) ratio() float64 {
	a, b := median(r.mini), median(r.redis)
	if a == 0 || b == 0 {
		return 0
	}
	return a / b
}

func run(rawPath, out, note string) error {
	if rawPath == "" {
		return errors.New("-raw is required")
	}
	f, err := os.Open(rawPath)
	if err != nil {
		return err
	}
	defer f.Close()
	rows, err := load(f)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out+".csv", []byte(renderCSV(rows)), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(out+".md", []byte(renderMarkdown(rows, note)), 0o644); err != nil {
		return err
	}
	return os.WriteFile(out+".svg", []byte(renderSVG(rows, note)), 0o644)
}

// load groups the raw runs by configuration, keeping the order of first
// appearance.
func load(r io.Reader) ([]*row, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, err
	}
	var rows []*row
	idx := map[string]*row{}
	for i, rec := range recs {
		if i == 0 || len(rec) != 6 {
			continue
		}
		p, _ := strconv.Atoi(rec[3])
		d, _ := strconv.Atoi(rec[4])
		key := rec[2] + "/" + rec[3] + "/" + rec[4]
		rw := idx[key]
		if rw == nil {
			rw = &row{test: strings.ToUpper(rec[2]), pipeline: p, size: d, errs: map[string]int{}}
			idx[key] = rw
			rows = append(rows, rw)
		}
		v, err := strconv.ParseFloat(rec[5], 64)
		if err != nil {
			rw.errs[rec[1]]++
			continue
		}
		if rec[1] == "redis" {
			rw.redis = append(rw.redis, v)
		} else {
			rw.mini = append(rw.mini, v)
		}
	}
	return rows, nil
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func cell(xs []float64, errs int) string {
	if len(xs) == 0 {
		return "error"
	}
	s := strconv.FormatFloat(median(xs), 'f', 0, 64)
	if errs > 0 {
		s += fmt.Sprintf(" (%d errors)", errs)
	}
	return s
}

func renderCSV(rows []*row) string {
	var b strings.Builder
	b.WriteString("test,pipeline,size,redis_rps,miniredis_rps,ratio\n")
	for _, r := range rows {
		ratio := "error"
		if x := r.ratio(); x > 0 {
			ratio = strconv.FormatFloat(x, 'f', 3, 64)
		}
		fmt.Fprintf(&b, "%s,%d,%d,%s,%s,%s\n", r.test, r.pipeline, r.size,
			csvNum(r.redis), csvNum(r.mini), ratio)
	}
	return b.String()
}

func csvNum(xs []float64) string {
	if len(xs) == 0 {
		return "error"
	}
	return strconv.FormatFloat(median(xs), 'f', 0, 64)
}

func renderMarkdown(rows []*row, note string) string {
	var b strings.Builder
	b.WriteString("| test | pipeline | value | redis req/s | miniredis req/s | miniredis/redis |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		ratio := "error"
		if x := r.ratio(); x > 0 {
			ratio = strconv.FormatFloat(x, 'f', 2, 64) + "×"
		}
		fmt.Fprintf(&b, "| %s | %d | %d B | %s | %s | %s |\n", r.test, r.pipeline, r.size,
			cell(r.redis, r.errs["redis"]), cell(r.mini, r.errs["miniredis"]), ratio)
	}
	if note != "" {
		fmt.Fprintf(&b, "\nMedians over rounds; %s.\n", note)
	}
	return b.String()
}

// renderSVG draws one horizontal bar per configuration, its length the
// ratio, with a line at 1.0 (parity with Redis).
func renderSVG(rows []*row, note string) string {
	const (
		left, barH, gap, top, width = 170, 16, 6, 30, 460
	)
	maxRatio := 1.5
	for _, r := range rows {
		maxRatio = max(maxRatio, r.ratio())
	}
	scale := float64(width) / maxRatio
	h := top + len(rows)*(barH+gap) + 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", left+width+70, h)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%d" y="18" font-size="14">miniredis / redis-server throughput (median req/s ratio)</text>`+"\n", left)
	for i, r := range rows {
		y := top + i*(barH+gap)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", left-6, y+barH-4, html.EscapeString(r.label()))
		x := r.ratio()
		if x == 0 {
			fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#999">error</text>`+"\n", left+4, y+barH-4)
			continue
		}
		color := "#d9534f"
		if x >= 1 {
			color = "#5cb85c"
		}
		w := x * scale
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, y, w, barH, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%d">%.2f</text>`+"\n", float64(left)+w+4, y+barH-4, x)
	}
	one := float64(left) + scale
	bottom := top + len(rows)*(barH+gap)
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="black" stroke-dasharray="4 3"/>`+"\n", one, top-4, one, bottom)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle">1.0</text>`+"\n", one, bottom+14)
	if note != "" {
		fmt.Fprintf(&b, `<text x="4" y="%d" font-size="10" fill="#555">%s</text>`+"\n", h-8, html.EscapeString(note))
	}
	b.WriteString("</svg>\n")
	return b.String()
}
