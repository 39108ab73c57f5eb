package transform

import (
	"strings"

	"github.com/switchyard/switchyard/internal/pattern/jsonscan"
)

// Reserved variables, always available to an InputTemplate (user guide,
// "Predefined variables"). InputPathsMap keys can never take these names:
// the key pattern [A-Za-z0-9\_\-]+ has no dot.
const (
	varRuleArn       = "aws.events.rule-arn"
	varRuleName      = "aws.events.rule-name"
	varIngestionTime = "aws.events.event.ingestion-time"
	varEvent         = "aws.events.event"
	varEventJSON     = "aws.events.event.json"
)

type varKind uint8

const (
	kindPath varKind = iota
	kindRuleArn
	kindRuleName
	kindIngestion
	kindEvent
	kindEventJSON
)

// insertion context of a placeholder.
type insertCtx uint8

const (
	// ctxValue: a JSON template, outside string literals. The value goes in
	// as JSON: a string with its quotes, an object, array, number, boolean
	// or null as is; a variable with no value as "".
	ctxValue insertCtx = iota
	// ctxString: a JSON template, inside a string literal. The value goes
	// in as text, escaped so the literal stays valid: a string without its
	// quotes, an object or array with its quote marks removed.
	ctxString
	// ctxText: a template that is not JSON. The value goes in as text,
	// unescaped: a string without its quotes, an object or array with its
	// quote marks removed.
	ctxText
)

// segment is literal text followed by one variable.
type segment struct {
	lit  string
	name string
	kind varKind
	slot int // kindPath: the path's slot
	ctx  insertCtx
}

type template struct {
	segs []segment
	tail string
	json bool
}

type placeholder struct {
	start, end int // template[start:end] is "<name>"
	name       string
}

// findPlaceholders returns the <name> placeholders of a template in order.
// A name is whatever lies between '<' and the next '>' with no '<' in
// between; "<>" is literal text. ("The characters < and > cannot be
// escaped", user guide tutorial.)
func findPlaceholders(t string) []placeholder {
	var out []placeholder
	for i := 0; i < len(t); i++ {
		if t[i] != '<' {
			continue
		}
		j := strings.IndexByte(t[i+1:], '>')
		if j < 0 {
			break
		}
		name := t[i+1 : i+1+j]
		if k := strings.LastIndexByte(name, '<'); k >= 0 {
			i += k // the loop moves on to the last '<', where the placeholder starts
			continue
		}
		if name != "" {
			out = append(out, placeholder{i, i + 2 + j, name})
		}
		i += j // on to the '>'
	}
	return out
}

// compileTemplate validates the placeholders of tpl and splits it into
// segments. resolve tells a placeholder's variable (ok false for a name
// neither in InputPathsMap nor reserved); the caller fills in path slots.
func compileTemplate(targetID, tpl string, resolve func(name string) (varKind, bool)) (*template, error) {
	phs := findPlaceholders(tpl)
	kinds := make([]varKind, len(phs))
	for i, p := range phs {
		k, ok := resolve(p.name)
		if !ok {
			return nil, errPlaceholder(targetID, p.name)
		}
		kinds[i] = k
	}
	inString := placeholderContexts(tpl, phs)
	t := &template{json: isJSONTemplate(tpl, phs, inString)}

	var lit strings.Builder
	state := jsonState{}
	next := 0
	for i := 0; i <= len(tpl); {
		if next < len(phs) && i == phs[next].start {
			ctx := ctxText
			if t.json {
				ctx = ctxValue
				if inString[next] {
					ctx = ctxString
				}
			}
			t.segs = append(t.segs, segment{lit: lit.String(), name: phs[next].name, kind: kinds[next], ctx: ctx})
			lit.Reset()
			i = phs[next].end
			next++
			continue
		}
		if i == len(tpl) {
			break
		}
		c := tpl[i]
		if !t.json {
			lit.WriteByte(c)
		} else if state.step(c) {
			lit.WriteByte(c) // white space between JSON tokens is dropped: targets get minified JSON
		}
		i++
	}
	t.tail = lit.String()
	return t, nil
}

// jsonState follows string literals through JSON text.
type jsonState struct {
	inString, escaped bool
}

// step consumes c and reports whether it is significant (not white space
// between tokens).
func (s *jsonState) step(c byte) bool {
	switch {
	case s.escaped:
		s.escaped = false
	case s.inString && c == '\\':
		s.escaped = true
	case c == '"':
		s.inString = !s.inString
	case !s.inString && jsonscan.IsSpace(c):
		return false
	}
	return true
}

// placeholderContexts reports, for each placeholder, whether it lies inside
// a JSON string literal of the template. Placeholders hold no quote or
// backslash once validated, so they do not affect the quoting state.
func placeholderContexts(tpl string, phs []placeholder) []bool {
	out := make([]bool, len(phs))
	var s jsonState
	next := 0
	for i := 0; i < len(tpl); i++ {
		if next < len(phs) && i == phs[next].start {
			out[next] = s.inString
			i = phs[next].end - 1
			next++
			continue
		}
		s.step(tpl[i])
	}
	return out
}

// isJSONTemplate reports whether a template is JSON: an object, an array
// or a string literal, once each placeholder outside string literals
// stands for a value. Anything else ("New user: <id>", "<a> is <b>", a
// lone "<detail>") is a text template.
func isJSONTemplate(tpl string, phs []placeholder, inString []bool) bool {
	var b []byte
	prev := 0
	for i, p := range phs {
		b = append(b, tpl[prev:p.start]...)
		if inString[i] {
			b = append(b, 'x') // so a backslash just before a placeholder makes the template text
		} else {
			b = append(b, "null"...)
		}
		prev = p.end
	}
	b = append(b, tpl[prev:]...)
	i := jsonscan.Space(b, 0)
	if i >= len(b) || (b[i] != '{' && b[i] != '[' && b[i] != '"') {
		return false
	}
	return validJSON(b)
}
