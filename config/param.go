package config

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Kind is how a directive's argument is parsed and printed.
type Kind uint8

const (
	// Bool is yes or no.
	Bool Kind = iota
	// Int is a decimal integer within [Min, Max].
	Int
	// Memory is a byte count with Redis's units (100mb, 1gb, 4k) within
	// [Min, Max]; CONFIG GET prints bytes, CONFIG REWRITE the largest exact
	// unit.
	Memory
	// Duration is a Go duration (60s, 500ms) or a bare number of Unit.
	Duration
	// Enum is one of Enum, in any case.
	Enum
	// String is any one word (quoted when it has spaces).
	String
	// Multi takes any number of words (save 900 1 300 10); Set checks them.
	// On CONFIG SET its one value is split at spaces, as Redis does.
	Multi
)

// Value is a parsed argument; which field is meaningful follows the Kind.
type Value struct {
	Str  string        // String, Enum (lower-cased), and the raw text of every kind
	Args []string      // Multi: the words
	Int  int64         // Int, Memory
	Bool bool          // Bool
	Dur  time.Duration // Duration
}

// Param describes one directive of a configuration struct T.
//
// To add a directive, add one Param to the program's table: its name as
// Redis spells it (and older names as Aliases), its Kind and bounds, the
// Default as it would be written in a file, whether CONFIG SET may change
// it while the program runs (Live), and Get/Set on T's field. Set sees a
// Value already checked against the Kind and bounds; it returns an error
// (whose text is the reason shown to the user) only for what the Kind
// cannot check.
type Param[T any] struct {
	Name    string
	Aliases []string
	Kind    Kind
	// Min and Max bound Int and Memory values and the bare numbers of a
	// Duration, inclusive; both 0 means MinInt64..MaxInt64 for Int and
	// 0..MaxInt64 for the others. A Duration with a Max is one Redis has
	// as an integer, and a bad value gets Redis's integer error.
	Min, Max int64
	Enum     []string      // Enum's values, lower case, in the order errors list them
	Unit     time.Duration // Duration: the unit of a bare number; default time.Second
	Default  string
	Live     bool
	Get      func(*T) string
	Set      func(*T, Value) error
}

// Reasons, in Redis's words, for refusing an argument.
const (
	reasonBool    = "argument must be 'yes' or 'no'"
	reasonInt     = "argument couldn't be parsed into an integer"
	reasonMemory  = "argument must be a memory value"
	reasonArgs    = "wrong number of arguments"
	reasonUnknown = "Bad directive or wrong number of arguments"
)

// Parse checks args (the words after the directive's name) against the
// Kind and bounds.
func (p *Param[T]) Parse(args []string) (Value, error) {
	if p.Kind == Multi {
		return Value{Str: strings.Join(args, " "), Args: args}, nil
	}
	if len(args) != 1 {
		return Value{}, errors.New(reasonArgs)
	}
	s := args[0]
	v := Value{Str: s}
	switch p.Kind {
	case Bool:
		switch strings.ToLower(s) {
		case "yes":
			v.Bool = true
		case "no":
		default:
			return v, errors.New(reasonBool)
		}
	case Int:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return v, errors.New(reasonInt)
		}
		v.Int = n
		return v, p.inRange(n, math.MinInt64)
	case Memory:
		n, err := ParseMemory(s)
		if err != nil {
			return v, errors.New(reasonMemory)
		}
		v.Int = n
		return v, p.inRange(n, 0)
	case Duration:
		unit := p.Unit
		if unit == 0 {
			unit = time.Second
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if err := p.inRange(n, 0); err != nil {
				return v, err
			}
			if n > math.MaxInt64/int64(unit) {
				return v, fmt.Errorf("argument must be between 0 and %d inclusive", math.MaxInt64/int64(unit))
			}
			v.Dur = time.Duration(n) * unit
			break
		}
		d, err := time.ParseDuration(s)
		switch {
		case err != nil && p.Max != 0:
			// A directive Redis has as an integer: Redis's words.
			return v, errors.New(reasonInt)
		case err != nil || d < 0:
			return v, errors.New("argument must be a duration (60s, 500ms) or a whole number of " + unitName(unit))
		}
		v.Dur = d
	case Enum:
		l := strings.ToLower(s)
		for _, e := range p.Enum {
			if l == e {
				v.Str = l
				return v, nil
			}
		}
		return v, errors.New("argument(s) must be one of the following: " + strings.Join(p.Enum, ", "))
	}
	return v, nil
}

func unitName(u time.Duration) string {
	switch u {
	case time.Millisecond:
		return "milliseconds"
	case time.Microsecond:
		return "microseconds"
	}
	return "seconds"
}

func (p *Param[T]) inRange(n, lo int64) error {
	min, max := p.Min, p.Max
	if min == 0 && max == 0 {
		min, max = lo, math.MaxInt64
	}
	if n < min || n > max {
		return fmt.Errorf("argument must be between %d and %d inclusive", min, max)
	}
	return nil
}

// Apply parses args and sets the value in cfg.
func (p *Param[T]) Apply(cfg *T, args []string) error {
	v, err := p.Parse(args)
	if err != nil {
		return err
	}
	return p.Set(cfg, v)
}

// Format renders the current value of cfg's field for CONFIG REWRITE: the
// words after the name, quoted where needed.
func (p *Param[T]) Format(cfg *T) string {
	s := p.Get(cfg)
	switch p.Kind {
	case Memory:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return FormatMemory(n)
		}
	case Multi:
		if s == "" {
			return `""`
		}
		return s
	}
	return Quote(s)
}

// ParseMemory parses a byte count the way Redis's configuration does: a
// plain number of bytes, or a number followed by k, kb, m, mb, g or gb in
// any case (k = 1000, kb = 1024, and so on).
func ParseMemory(s string) (int64, error) {
	num := strings.ToLower(strings.TrimSpace(s))
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1}} {
		if strings.HasSuffix(num, u.suffix) {
			num, mul = strings.TrimSuffix(num, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mul {
		return 0, fmt.Errorf("config: bad memory amount %q (want e.g. 1048576, 100mb, 2gb)", s)
	}
	return n * mul, nil
}

// FormatMemory prints n with the largest binary unit that divides it
// exactly (1gb, 100mb, 4kb), as CONFIG REWRITE writes memory values.
func FormatMemory(n int64) string {
	switch {
	case n == 0:
		return "0"
	case n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "gb"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "mb"
	case n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "kb"
	}
	return strconv.FormatInt(n, 10)
}

// FormatBool prints yes or no.
func FormatBool(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// Table is the set of directives a program accepts for its configuration
// struct T, in the order CONFIG GET and CONFIG REWRITE list them. Build it
// once at start; it is then safe for concurrent reads.
type Table[T any] struct {
	params []*Param[T]
	byName map[string]*Param[T]
}

// NewTable builds a table from params. It panics on a name or alias used
// twice or a Param without Get or Set: those are programming mistakes.
func NewTable[T any](params ...Param[T]) *Table[T] {
	t := &Table[T]{byName: make(map[string]*Param[T])}
	for _, p := range params {
		t.Add(p)
	}
	return t
}

// Add appends one directive; it panics as NewTable does.
func (t *Table[T]) Add(p Param[T]) {
	if p.Get == nil || p.Set == nil {
		panic("config: directive " + p.Name + " lacks Get or Set")
	}
	pp := &p
	for _, n := range append([]string{p.Name}, p.Aliases...) {
		if n != strings.ToLower(n) {
			panic("config: directive " + n + " is not lower case")
		}
		if _, dup := t.byName[n]; dup {
			panic("config: directive " + n + " registered twice")
		}
		t.byName[n] = pp
	}
	t.params = append(t.params, pp)
}

// Lookup finds a directive by name or alias, in any case; nil when unknown.
func (t *Table[T]) Lookup(name string) *Param[T] { return t.byName[strings.ToLower(name)] }

// Params returns the directives in table order. The slice must not be
// modified.
func (t *Table[T]) Params() []*Param[T] { return t.params }

// SetDefaults sets every directive to its Default.
func (t *Table[T]) SetDefaults(cfg *T) {
	for _, p := range t.params {
		args, err := SplitArgs(p.Default)
		if err == nil && p.Kind != Multi && len(args) == 0 {
			args = []string{""}
		}
		if err == nil {
			err = p.Apply(cfg, args)
		}
		if err != nil {
			panic(fmt.Sprintf("config: default %q of %s: %v", p.Default, p.Name, err))
		}
	}
}

// Load applies dirs to cfg in order, so a later directive overrides an
// earlier one. It stops at the first directive that is unknown, has the
// wrong number of arguments or a bad value, returning a *FileError.
func (t *Table[T]) Load(cfg *T, dirs []Directive) error {
	for _, d := range dirs {
		p := t.Lookup(d.Args[0])
		if p == nil {
			return &FileError{Directive: d, Reason: reasonUnknown}
		}
		if err := p.Apply(cfg, d.Args[1:]); err != nil {
			return &FileError{Directive: d, Reason: err.Error()}
		}
	}
	return nil
}
