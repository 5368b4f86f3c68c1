package config

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Directive is one configuration line: a directive name and its arguments,
// with where it came from for error messages.
type Directive struct {
	File string   // the file it was read from; CommandLine for flags
	Line int      // 1-based line in File, or the option's position on the command line
	Text string   // the line as written, for error messages
	Args []string // Args[0] is the directive name, lower-cased
}

// CommandLine is the File of directives that came from the command line.
const CommandLine = "(command line)"

// maxIncludeDepth bounds include nesting, so a file that includes itself is
// an error rather than a hang.
const maxIncludeDepth = 16

// FileError is a directive refused at start: its Error text names the
// file and line, shows the line and gives the reason in Redis's words.
type FileError struct {
	Directive
	Reason string
}

func (e *FileError) Error() string {
	where := "the configuration file " + e.File + ", at line"
	if e.File == CommandLine {
		where = "the command line, at option"
	}
	return fmt.Sprintf("Reading %s %d\n>>> '%s'\n%s", where, e.Line, e.Text, e.Reason)
}

// ReadFile reads the directives of a redis.conf-syntax file in order,
// following include directives where they stand (a relative include path
// is taken from the working directory, as Redis does). Blank lines and
// lines starting with # are skipped.
func ReadFile(path string) ([]Directive, error) {
	return readFile(path, 0)
}

func readFile(path string, depth int) ([]Directive, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("Fatal error, can't open config file '%s': %w", path, errors.Unwrap(err)) //lint:ignore ST1005 Redis's wording
	}
	defer f.Close()
	var out []Directive
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		text := strings.Trim(sc.Text(), " \t\r\n")
		if text == "" || text[0] == '#' {
			continue
		}
		d := Directive{File: path, Line: n, Text: text}
		args, err := SplitArgs(text)
		if err != nil {
			return nil, &FileError{Directive: d, Reason: err.Error()}
		}
		if len(args) == 0 {
			continue
		}
		args[0] = strings.ToLower(args[0])
		d.Args = args
		if args[0] == "include" {
			if len(args) != 2 {
				return nil, &FileError{Directive: d, Reason: "wrong number of arguments"}
			}
			if depth >= maxIncludeDepth {
				return nil, &FileError{Directive: d, Reason: "includes nested too deeply"}
			}
			inc, err := readFile(args[1], depth+1)
			if err != nil {
				var fe *FileError
				if errors.As(err, &fe) {
					return nil, err
				}
				return nil, &FileError{Directive: d, Reason: err.Error()}
			}
			out = append(out, inc...)
			continue
		}
		out = append(out, d)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("config: reading %s: %w", path, err)
	}
	return out, nil
}

// ParseArgs splits a redis-server style command line: an optional
// configuration file first, then options. An option starts with "--" (or
// a single "-" and a letter, Go's flag form) and takes the words that
// follow it up to the next option, so multi-argument directives are
// written as several words (--save 900 1 300 10); "--name=value" gives the
// one value after "=". Directives come back in order, their names
// lower-cased, with Line counting options from 1.
func ParseArgs(argv []string) (file string, dirs []Directive, err error) {
	if len(argv) > 0 && !strings.HasPrefix(argv[0], "-") {
		file, argv = argv[0], argv[1:]
	}
	for _, a := range argv {
		if name, ok := optionName(a); ok {
			d := Directive{File: CommandLine, Line: len(dirs) + 1}
			if k, v, eq := strings.Cut(name, "="); eq {
				d.Args = []string{strings.ToLower(k), v}
			} else {
				d.Args = []string{strings.ToLower(name)}
			}
			dirs = append(dirs, d)
			continue
		}
		if len(dirs) == 0 {
			return "", nil, fmt.Errorf("unexpected argument %q", a)
		}
		last := &dirs[len(dirs)-1]
		last.Args = append(last.Args, a)
	}
	for i := range dirs {
		d := &dirs[i]
		words := make([]string, len(d.Args))
		for j, w := range d.Args {
			words[j] = Quote(w)
		}
		d.Text = strings.Join(words, " ")
	}
	return file, dirs, nil
}

// optionName reports whether the word a starts an option, and its name
// without dashes: "--x", or "-x" with a letter after the one dash (Go's
// flag form), so a negative number or "-::1" is a value.
func optionName(a string) (string, bool) {
	if strings.HasPrefix(a, "--") && len(a) > 2 {
		return a[2:], true
	}
	if len(a) > 1 && a[0] == '-' && ('a' <= a[1] && a[1] <= 'z' || 'A' <= a[1] && a[1] <= 'Z') {
		return a[1:], true
	}
	return "", false
}
