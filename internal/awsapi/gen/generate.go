package main

import (
	"encoding/json"
	"fmt"
	"go/format"
	"os"
	"strconv"
	"strings"
)

// Overlay is a small Switchyard-maintained supplement to a model, for
// behaviour of the real service that the published model does not show.
type Overlay struct {
	// ToStringExtraMembers lists, per structure shape, members that the
	// service's own (internal) model has but the published one does not.
	// They are not on the wire; AWS renders them as "=null" at the end of
	// the structure in validation messages.
	ToStringExtraMembers map[string][]string `json:"toStringExtraMembers"`
	// EnumMessageOrder gives, per enum shape, the order in which AWS lists
	// the values in "Member must satisfy enum value set: [...]" when it
	// differs from the published model's order. It must be a permutation
	// of the model's values; the generated constants keep model order.
	EnumMessageOrder map[string][]string `json:"enumMessageOrder"`
	// Errors declares error shapes the service returns that the published
	// model does not (EventBridge's ValidationException): they get a
	// constructor and an Errors entry like the model's.
	Errors map[string]OverlayError `json:"errors"`
	// NotRequired lists, per structure shape, members the published model
	// marks required that the service does not check as a model constraint:
	// its handler answers their absence with an error of its own (SNS's
	// Unsubscribe: InvalidParameter "... Reason: no value for required
	// parameter"), so the generated Validate leaves them to the handler.
	NotRequired map[string][]string `json:"notRequired"`
}

// options are the generator's inputs.
type options struct {
	ModelPath   string // botocore model JSON
	ErrorsFrom  string // optional model to take error traits from
	OverlayPath string // optional Overlay JSON
	Pkg         string // package name
	Runtime     string // import path of the awsapi runtime package
	Proto       string // import path of the awsproto package (error type)
}

type patternInfo struct {
	source  string
	expr    string // RE2 translation; "" when untranslatable
	reason  string
	shapes  []string
	varName string
}

type generator struct {
	opts options
	m    *Model
	// queryModel is the awsQuery model whose serialization model goes
	// into query_gen.go: the model itself when its protocol is query, or
	// an awsQuery -errors-from model; nil when there is none.
	queryModel     *Model
	queryModelPath string
	overlay        Overlay
	errTrait       map[string]*ErrorTrait // error traits from ErrorsFrom

	typeNames  map[string]string   // structure/enum shape -> Go type name
	fieldNames map[string][]string // structure shape -> Go field name per member
	enumConsts map[string][]string // enum shape -> Go constant name per value

	inputs   map[string][]string // input shape -> operations
	outputs  map[string][]string // output shape -> operations
	reach    map[string]bool     // shapes reachable from operation inputs
	needs    map[string]bool     // shape content needs validation
	patterns map[string]*patternInfo
}

// generate produces the generated files (name -> gofmt'ed source).
func generate(opts options) (map[string][]byte, error) {
	if opts.Runtime == "" {
		opts.Runtime = defaultRuntime
	}
	if opts.Proto == "" {
		opts.Proto = defaultProto
	}
	m, err := loadModel(opts.ModelPath)
	if err != nil {
		return nil, err
	}
	if m.Metadata.Protocol != "json" && m.Metadata.Protocol != "query" {
		return nil, fmt.Errorf("%s: protocol %q: only awsJson and awsQuery models are supported", opts.ModelPath, m.Metadata.Protocol)
	}
	g := &generator{opts: opts, m: m, errTrait: map[string]*ErrorTrait{}}
	if m.Metadata.Protocol == "query" {
		g.queryModel, g.queryModelPath = m, opts.ModelPath
	}
	if opts.ErrorsFrom != "" {
		other, err := loadModel(opts.ErrorsFrom)
		if err != nil {
			return nil, err
		}
		for name, s := range other.Shapes {
			if s.Error != nil {
				g.errTrait[name] = s.Error
			}
		}
		// The awsQuery form of an awsJson service (SQS) also lends its
		// serialization model, so the service can speak both protocols.
		if other.Metadata.Protocol == "query" && g.queryModel == nil {
			g.queryModel, g.queryModelPath = other, opts.ErrorsFrom
		}
	}
	if opts.OverlayPath != "" {
		b, err := os.ReadFile(opts.OverlayPath)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		var raw map[string]json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%s: %w", opts.OverlayPath, err)
		}
		for k := range raw {
			if !overlayKeys[k] && !strings.HasPrefix(k, "_") {
				return nil, fmt.Errorf("%s: unknown key %q", opts.OverlayPath, k)
			}
		}
		if err := json.Unmarshal(b, &g.overlay); err != nil {
			return nil, fmt.Errorf("%s: %w", opts.OverlayPath, err)
		}
		for shape, extra := range g.overlay.ToStringExtraMembers {
			s := m.Shapes[shape]
			if s == nil || s.Type != "structure" {
				return nil, fmt.Errorf("overlay: %s is not a structure of the model", shape)
			}
			for _, e := range extra {
				for _, mem := range s.Members {
					if mem.Name == e {
						return nil, fmt.Errorf("overlay: %s already has member %s", shape, e)
					}
				}
			}
		}
		if err := g.applyOverlay(); err != nil {
			return nil, err
		}
		for shape, order := range g.overlay.EnumMessageOrder {
			s := m.Shapes[shape]
			if s == nil || s.Enum == nil {
				return nil, fmt.Errorf("overlay: %s is not an enum of the model", shape)
			}
			if !samePermutation(s.Enum, order) {
				return nil, fmt.Errorf("overlay: enumMessageOrder of %s is not a permutation of the model's values %q", shape, s.Enum)
			}
		}
	}
	if err := g.names(); err != nil {
		return nil, err
	}
	g.analyse()

	files := map[string]string{
		"doc_gen.go":        g.docFile(),
		"types_gen.go":      g.typesFile(),
		"enums_gen.go":      g.enumsFile(),
		"validate_gen.go":   g.validateFile(),
		"javastring_gen.go": g.javaStringFile(),
		"service_gen.go":    g.serviceFile(),
		"errors_gen.go":     g.errorsFile(),
	}
	if g.queryModel != nil {
		src, err := g.queryFile()
		if err != nil {
			return nil, err
		}
		files["query_gen.go"] = src
	}
	out := map[string][]byte{}
	for name, src := range files {
		b, err := format.Source([]byte(src))
		if err != nil {
			return nil, fmt.Errorf("gofmt %s: %w\n%s", name, err, numbered(src))
		}
		out[name] = b
	}
	return out, nil
}

func samePermutation(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	count := map[string]int{}
	for _, v := range a {
		count[v]++
	}
	for _, v := range b {
		count[v]--
		if count[v] < 0 {
			return false
		}
	}
	return true
}

func numbered(src string) string {
	var b strings.Builder
	for i, l := range strings.Split(src, "\n") {
		fmt.Fprintf(&b, "%5d %s\n", i+1, l)
	}
	return b.String()
}

// names assigns Go names to types, fields and enum constants, and rejects
// collisions.
func (g *generator) names() error {
	g.typeNames = map[string]string{}
	g.fieldNames = map[string][]string{}
	g.enumConsts = map[string][]string{}
	taken := map[string]string{ // exported package-level identifier -> what uses it
		"Service":    "service metadata",
		"Operations": "operation table",
		"Errors":     "error table",
	}
	claim := func(id, what string) error {
		if prev, ok := taken[id]; ok {
			return fmt.Errorf("identifier %s of %s collides with %s", id, what, prev)
		}
		taken[id] = what
		return nil
	}
	for _, e := range g.errorShapes() {
		if err := claim(constructorName(e.name), "error constructor of "+e.name); err != nil {
			return err
		}
	}
	for _, name := range sortedKeys(g.m.Shapes) {
		s := g.m.Shapes[name]
		if s.Type == "structure" || s.Type == "string" && s.Enum != nil {
			id := exportedName(name)
			if err := claim(id, "shape "+name); err != nil {
				return err
			}
			g.typeNames[name] = id
		}
	}
	for _, name := range sortedKeys(g.m.Shapes) {
		s := g.m.Shapes[name]
		switch {
		case s.Type == "structure":
			seen := map[string]bool{"Validate": true, "JavaString": true}
			for _, mem := range s.Members {
				f := exportedName(mem.Name)
				for seen[f] {
					f += "_"
				}
				seen[f] = true
				g.fieldNames[name] = append(g.fieldNames[name], f)
			}
		case s.Type == "string" && s.Enum != nil:
			local := map[string]bool{}
			for _, v := range s.Enum {
				id := g.typeNames[name] + enumValueName(v)
				for local[id] || taken[id] != "" {
					id += "_"
				}
				local[id] = true
				if err := claim(id, "enum value "+name+"."+v); err != nil {
					return err
				}
				g.enumConsts[name] = append(g.enumConsts[name], id)
			}
		}
	}
	return nil
}

// analyse computes which shapes are reachable from operation inputs, which
// need validation code, and translates the patterns.
func (g *generator) analyse() {
	g.inputs = map[string][]string{}
	g.outputs = map[string][]string{}
	for _, name := range sortedKeys(g.m.Operations) {
		op := g.m.Operations[name]
		if op.Input != nil {
			g.inputs[op.Input.Shape] = append(g.inputs[op.Input.Shape], name)
		}
		if op.Output != nil {
			g.outputs[op.Output.Shape] = append(g.outputs[op.Output.Shape], name)
		}
	}
	g.reach = map[string]bool{}
	var visit func(string)
	visit = func(name string) {
		if g.reach[name] {
			return
		}
		g.reach[name] = true
		for _, c := range g.children(name) {
			visit(c)
		}
	}
	for _, in := range sortedKeys(g.inputs) {
		visit(in)
	}
	// Fixed point: a shape needs validation code if a required member, a
	// constraint of a member/element/key/value, or a nested shape that
	// needs it is found below it.
	g.needs = map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, name := range sortedKeys(g.m.Shapes) {
			if g.needs[name] {
				continue
			}
			s := g.m.Shapes[name]
			n := false
			switch s.Type {
			case "structure":
				n = len(s.Required) > 0
				for _, mem := range s.Members {
					n = n || g.own(mem.Shape) || g.needs[mem.Shape]
				}
			case "list":
				n = g.own(s.Member.Shape) || g.needs[s.Member.Shape]
			case "map":
				n = g.own(s.Key.Shape) || g.own(s.Value.Shape) || g.needs[s.Value.Shape]
			}
			if n {
				g.needs[name] = true
				changed = true
			}
		}
	}
	g.patterns = map[string]*patternInfo{}
	for _, name := range sortedKeys(g.m.Shapes) {
		s := g.m.Shapes[name]
		if s.Pattern == nil {
			continue
		}
		p := g.patterns[*s.Pattern]
		if p == nil {
			p = &patternInfo{source: *s.Pattern}
			p.expr, p.reason = translateRegex(*s.Pattern)
			g.patterns[*s.Pattern] = p
		}
		p.shapes = append(p.shapes, name)
	}
	i := 0
	for _, src := range sortedKeys(g.patterns) {
		p := g.patterns[src]
		if g.usedPattern(p) {
			i++
			p.varName = "pattern" + strconv.Itoa(i)
		}
	}
}

func (g *generator) usedPattern(p *patternInfo) bool {
	for _, s := range p.shapes {
		if g.reach[s] {
			return true
		}
	}
	return false
}

func (g *generator) children(name string) []string {
	s := g.m.Shapes[name]
	switch s.Type {
	case "structure":
		var c []string
		for _, mem := range s.Members {
			c = append(c, mem.Shape)
		}
		return c
	case "list":
		return []string{s.Member.Shape}
	case "map":
		return []string{s.Key.Shape, s.Value.Shape}
	}
	return nil
}

// own reports whether the shape has constraints of its own (length, range,
// pattern, enum).
func (g *generator) own(name string) bool {
	s := g.m.Shapes[name]
	switch s.Type {
	case "string":
		return s.Min != nil || s.Max != nil || s.Pattern != nil || s.Enum != nil
	case "integer", "long", "float", "double", "blob", "list", "map":
		return s.Min != nil || s.Max != nil
	}
	return false
}

// valueType is the Go type of a value of the shape (list element, map key
// or value).
func (g *generator) valueType(name string) string {
	s := g.m.Shapes[name]
	switch s.Type {
	case "string":
		if s.Enum != nil {
			return g.typeNames[name]
		}
		return "string"
	case "integer":
		return "int32"
	case "long":
		return "int64"
	case "float":
		return "float32"
	case "double":
		return "float64"
	case "boolean":
		return "bool"
	case "timestamp":
		return "awsapi.Timestamp"
	case "blob":
		return "[]byte"
	case "structure":
		return g.typeNames[name]
	case "list":
		return "[]" + g.valueType(s.Member.Shape)
	case "map":
		return "map[" + g.valueType(s.Key.Shape) + "]" + g.valueType(s.Value.Shape)
	}
	panic("unreachable: " + s.Type)
}

// pointerField reports whether a structure member of this shape is a
// pointer (scalars and structures); blobs, lists and maps are not.
func (g *generator) pointerField(name string) bool {
	switch g.m.Shapes[name].Type {
	case "blob", "list", "map":
		return false
	}
	return true
}

func (g *generator) fieldType(name string) string {
	if g.pointerField(name) {
		return "*" + g.valueType(name)
	}
	return g.valueType(name)
}

func (g *generator) header() string {
	return "// Code generated by go run ./internal/awsapi/gen from " + baseName(g.opts.ModelPath) + ". DO NOT EDIT.\n\n"
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// file assembles a Go file, importing the runtime package when used.
func (g *generator) file(body string, doc string) string {
	var b strings.Builder
	b.WriteString(g.header())
	b.WriteString(doc)
	b.WriteString("package " + g.opts.Pkg + "\n\n")
	if strings.Contains(body, "awsapi.") {
		b.WriteString("import \"" + g.opts.Runtime + "\"\n\n")
	}
	b.WriteString(body)
	return b.String()
}

func (g *generator) docFile() string {
	md := g.m.Metadata
	doc := fmt.Sprintf("Package %s holds the Go API types, request validation and operation table of %s (API version %s), generated from the AWS service model %s (botocore; Apache License 2.0, Copyright Amazon.com, Inc. or its affiliates) by internal/awsapi/gen. See internal/awsapi for how to regenerate.",
		g.opts.Pkg, md.ServiceFullName, md.APIVersion, baseName(g.opts.ModelPath))
	text := comment(doc, "")
	if md.Protocol == "query" {
		text += "//\n" + comment("The service speaks the awsQuery protocol (form-encoded requests, XML responses). The JSON tags of the types are the model's member names: the JSON document internal/awsquery decodes a request's form parameters to and renders a response from. QueryModel holds the serialization model it needs.", "")
	}
	return g.file("", text)
}

func (g *generator) typesFile() string {
	var b strings.Builder
	for _, name := range sortedKeys(g.m.Shapes) {
		s := g.m.Shapes[name]
		if s.Type != "structure" {
			continue
		}
		tn := g.typeNames[name]
		var doc string
		switch {
		case len(g.inputs[name]) > 0:
			doc = fmt.Sprintf("%s is the input of %s.", tn, strings.Join(g.inputs[name], ", "))
		case len(g.outputs[name]) > 0:
			doc = fmt.Sprintf("%s is the output of %s.", tn, strings.Join(g.outputs[name], ", "))
		case s.Exception:
			doc = fmt.Sprintf("%s is an error shape.", tn)
			if d := firstSentence(s.Documentation); d != "" {
				doc += " " + d
			}
		default:
			doc = tn + " is a structure of the model."
			if d := firstSentence(s.Documentation); d != "" {
				doc = tn + ": " + d
			}
		}
		b.WriteString(comment(doc, ""))
		if s.Deprecated {
			b.WriteString("//\n" + comment("Deprecated: "+orDefault(s.DeprecatedMessage, "deprecated in the model."), ""))
		}
		if len(s.Members) == 0 {
			fmt.Fprintf(&b, "type %s struct{}\n\n", tn)
			continue
		}
		fmt.Fprintf(&b, "type %s struct {\n", tn)
		for i, mem := range s.Members {
			doc := firstSentence(mem.Documentation)
			if doc == "" {
				doc = firstSentence(g.m.Shapes[mem.Shape].Documentation)
			}
			if s.isRequired(mem.Name) {
				doc = strings.TrimSpace(doc + " Required.")
			}
			b.WriteString(comment(doc, "\t"))
			if mem.Deprecated {
				if doc != "" {
					b.WriteString("\t//\n")
				}
				b.WriteString(comment("Deprecated: "+orDefault(mem.DeprecatedMessage, "deprecated in the model."), "\t"))
			}
			wire := mem.Name
			if g.m.Metadata.Protocol == "query" {
				// locationName is the XML/form name; the JSON document
				// internal/awsquery decodes to uses member names.
			} else if mem.JSONName != "" {
				wire = mem.JSONName
			} else if mem.LocationName != "" {
				wire = mem.LocationName
			}
			fmt.Fprintf(&b, "\t%s %s `json:\"%s,omitempty\"`\n", g.fieldNames[name][i], g.fieldType(mem.Shape), wire)
		}
		b.WriteString("}\n\n")
	}
	return g.file(b.String(), "")
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (g *generator) enumsFile() string {
	var b strings.Builder
	for _, name := range sortedKeys(g.m.Shapes) {
		s := g.m.Shapes[name]
		if s.Type != "string" || s.Enum == nil {
			continue
		}
		tn := g.typeNames[name]
		doc := tn + " is an enum of the model (values in model order)."
		if d := firstSentence(s.Documentation); d != "" {
			doc += " " + d
		}
		b.WriteString(comment(doc, ""))
		fmt.Fprintf(&b, "type %s string\n\n", tn)
		fmt.Fprintf(&b, "// Values of %s.\nconst (\n", tn)
		for i, v := range s.Enum {
			fmt.Fprintf(&b, "\t%s %s = %s\n", g.enumConsts[name][i], tn, strconv.Quote(v))
		}
		b.WriteString(")\n\n")
		fmt.Fprintf(&b, "// Values returns the values of %s in model order.\n", tn)
		fmt.Fprintf(&b, "func (%s) Values() []%s {\n\treturn []%s{", tn, tn, tn)
		b.WriteString(strings.Join(g.enumConsts[name], ", "))
		b.WriteString("}\n}\n\n")
	}
	return g.file(b.String(), "")
}

// ---- validation -----------------------------------------------------------

func ruleVar(shape string) string    { return "rule" + exportedName(shape) }
func validateFn(shape string) string { return "validate" + exportedName(shape) }
func renderFn(shape string) string   { return "render" + exportedName(shape) }

// deref turns a pointer expression into the value expression.
func deref(ref string) string {
	if strings.HasPrefix(ref, "&") {
		return ref[1:]
	}
	return "*" + ref
}

func (g *generator) validateFile() string {
	var b strings.Builder

	// Patterns.
	var skipped []string
	for _, src := range sortedKeys(g.patterns) {
		p := g.patterns[src]
		if p.reason != "" {
			use := "not used by any operation input"
			if g.usedPattern(p) {
				use = "not checked"
			}
			skipped = append(skipped, fmt.Sprintf("//   %s\n//     shapes %s (%s): %s\n", p.source, strings.Join(p.shapes, ", "), use, p.reason))
		}
	}
	if len(skipped) > 0 {
		b.WriteString("// Model patterns that cannot be translated to RE2; the generated code does not\n// check them (they are still listed in \"Member must satisfy constraint: [...]\"\n// messages):\n//\n")
		for _, s := range skipped {
			b.WriteString(s)
		}
		b.WriteString("\n")
	}
	var pats strings.Builder
	for _, src := range sortedKeys(g.patterns) {
		p := g.patterns[src]
		if p.varName == "" {
			continue
		}
		fmt.Fprintf(&pats, "\t%s = awsapi.NewPattern(%s, %s)\n", p.varName, goString(p.source), goString(p.expr))
	}
	if pats.Len() > 0 {
		b.WriteString("// Model patterns (Java syntax, as quoted in messages) and their RE2 translations.\nvar (\n")
		b.WriteString(pats.String())
		b.WriteString(")\n\n")
	}

	// Rules of the shapes with constraints of their own.
	var rules strings.Builder
	for _, name := range sortedKeys(g.m.Shapes) {
		if !g.reach[name] || !g.own(name) {
			continue
		}
		s := g.m.Shapes[name]
		var fields []string
		if s.Sensitive {
			fields = append(fields, "Sensitive: true")
		}
		switch s.Type {
		case "string":
			if s.Pattern != nil {
				fields = append(fields, "Pattern: "+g.patternExpr(*s.Pattern))
			}
			fields = append(fields, lengthFields(s)...)
			if s.Enum != nil {
				values := s.Enum
				if order, ok := g.overlay.EnumMessageOrder[name]; ok {
					values = order
				}
				var q []string
				for _, v := range values {
					q = append(q, strconv.Quote(v))
				}
				fields = append(fields, "Enum: []string{"+strings.Join(q, ", ")+"}")
			}
			fmt.Fprintf(&rules, "\t%s = &awsapi.StringRule{%s}\n", ruleVar(name), strings.Join(fields, ", "))
		case "integer", "long":
			if s.Min != nil {
				fields = append(fields, "HasMin: true", "Min: "+intLit(*s.Min))
			}
			if s.Max != nil {
				fields = append(fields, "HasMax: true", "Max: "+intLit(*s.Max))
			}
			fmt.Fprintf(&rules, "\t%s = &awsapi.IntRule{%s}\n", ruleVar(name), strings.Join(fields, ", "))
		case "float", "double":
			bits := "64"
			if s.Type == "float" {
				bits = "32"
			}
			fields = append(fields, "Bits: "+bits)
			if s.Min != nil {
				fields = append(fields, "HasMin: true", "Min: "+s.Min.String())
			}
			if s.Max != nil {
				fields = append(fields, "HasMax: true", "Max: "+s.Max.String())
			}
			fmt.Fprintf(&rules, "\t%s = &awsapi.FloatRule{%s}\n", ruleVar(name), strings.Join(fields, ", "))
		case "blob", "list", "map":
			fields = append(fields, lengthFields(s)...)
			fmt.Fprintf(&rules, "\t%s = &awsapi.LengthRule{%s}\n", ruleVar(name), strings.Join(fields, ", "))
		}
	}
	if rules.Len() > 0 {
		b.WriteString("// Constraints of the shapes that have some.\nvar (\n")
		b.WriteString(rules.String())
		b.WriteString(")\n\n")
	}

	// Validate methods of the operation inputs.
	for _, name := range sortedKeys(g.inputs) {
		tn := g.typeNames[name]
		b.WriteString(comment(fmt.Sprintf("Validate checks the input of %s against the constraints of the model, returning nil or an *awsapi.ValidationError worded as AWS words it.", strings.Join(g.inputs[name], ", ")), ""))
		fmt.Fprintf(&b, "func (s *%s) Validate() error {\n", tn)
		if g.needs[name] {
			b.WriteString("\tif s == nil {\n\t\treturn nil\n\t}\n\tvar p awsapi.Problems\n\ts.validateAt(&p, \"\")\n\treturn p.Err()\n")
		} else {
			b.WriteString("\treturn nil\n")
		}
		b.WriteString("}\n\n")
	}

	// validateAt methods and list/map validators.
	for _, name := range sortedKeys(g.m.Shapes) {
		if !g.reach[name] || !g.needs[name] {
			continue
		}
		s := g.m.Shapes[name]
		switch s.Type {
		case "structure":
			g.structValidator(&b, name, s)
		case "list":
			g.listValidator(&b, name, s)
		case "map":
			g.mapValidator(&b, name, s)
		}
	}
	return g.file(b.String(), "")
}

func (g *generator) patternExpr(src string) string {
	p := g.patterns[src]
	if p.reason != "" {
		// Listed in messages, never checked.
		return "awsapi.NewPattern(" + goString(src) + ", \"\")"
	}
	return p.varName
}

func lengthFields(s *Shape) []string {
	var f []string
	if s.Min != nil {
		f = append(f, "HasMinLength: true", "MinLength: "+intLit(*s.Min))
	}
	if s.Max != nil {
		f = append(f, "HasMaxLength: true", "MaxLength: "+intLit(*s.Max))
	}
	return f
}

func intLit(n json.Number) string {
	if i, err := n.Int64(); err == nil {
		return strconv.FormatInt(i, 10)
	}
	f, _ := n.Float64()
	return strconv.FormatInt(int64(f), 10)
}

// goString quotes s as a Go string literal, preferring a raw string.
func goString(s string) string {
	if !strings.ContainsAny(s, "`\r") && strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// checks emits the checks of one value of shape name: ref is a Go
// expression of type *T pointing at the value, path a Go expression of its
// path.
func (g *generator) checks(b *strings.Builder, indent, name, ref, path string) {
	s := g.m.Shapes[name]
	val := deref(ref)
	if g.own(name) {
		switch s.Type {
		case "string":
			if s.Enum != nil {
				val = "string(" + val + ")"
			}
			fmt.Fprintf(b, "%s%s.Check(p, %s, %s)\n", indent, ruleVar(name), path, val)
		case "integer", "long":
			fmt.Fprintf(b, "%s%s.Check(p, %s, int64(%s))\n", indent, ruleVar(name), path, val)
		case "float", "double":
			fmt.Fprintf(b, "%s%s.Check(p, %s, float64(%s))\n", indent, ruleVar(name), path, val)
		case "blob", "list", "map":
			fmt.Fprintf(b, "%s%s.Check(p, %s, len(%s), func() string { return %s })\n", indent, ruleVar(name), path, val, g.renderCall(name, ref))
		}
	}
	if g.needs[name] {
		switch s.Type {
		case "structure":
			if strings.HasPrefix(ref, "&") {
				fmt.Fprintf(b, "%s%s.validateAt(p, %s)\n", indent, ref[1:], path)
			} else {
				fmt.Fprintf(b, "%s%s.validateAt(p, %s)\n", indent, ref, path)
			}
		case "list", "map":
			fmt.Fprintf(b, "%s%s(p, %s, %s)\n", indent, validateFn(name), path, val)
		}
	}
}

func (g *generator) structValidator(b *strings.Builder, name string, s *Shape) {
	fmt.Fprintf(b, "func (s *%s) validateAt(p *awsapi.Problems, path string) {\n", g.typeNames[name])
	for i, mem := range s.Members {
		req := s.isRequired(mem.Name)
		if !req && !g.own(mem.Shape) && !g.needs[mem.Shape] {
			continue
		}
		field := "s." + g.fieldNames[name][i]
		path := fmt.Sprintf("awsapi.Member(path, %s)", strconv.Quote(lowerFirst(mem.Name)))
		ref := field
		if !g.pointerField(mem.Shape) {
			ref = "&" + field
		}
		var inner strings.Builder
		g.checks(&inner, "\t\t", mem.Shape, ref, path)
		switch {
		case req && inner.Len() > 0:
			fmt.Fprintf(b, "\tif %s == nil {\n\t\tp.Null(%s)\n\t} else {\n%s\t}\n", field, path, inner.String())
		case req:
			fmt.Fprintf(b, "\tif %s == nil {\n\t\tp.Null(%s)\n\t}\n", field, path)
		default:
			fmt.Fprintf(b, "\tif %s != nil {\n%s\t}\n", field, inner.String())
		}
	}
	b.WriteString("}\n\n")
}

// elementValid returns the expression testing the own constraints of one
// element value v (a value expression) of shape name.
func (g *generator) elementValid(name, v string) string {
	s := g.m.Shapes[name]
	switch s.Type {
	case "string":
		if s.Enum != nil {
			v = "string(" + v + ")"
		}
		return ruleVar(name) + ".Valid(" + v + ")"
	case "integer", "long":
		return ruleVar(name) + ".Valid(int64(" + v + "))"
	case "float", "double":
		return ruleVar(name) + ".Valid(float64(" + v + "))"
	default:
		return ruleVar(name) + ".Valid(len(" + v + "))"
	}
}

func (g *generator) collectionSensitive(name string, parts ...string) string {
	sens := g.m.Shapes[name].Sensitive
	for _, p := range parts {
		sens = sens || g.m.Shapes[p].Sensitive
	}
	return strconv.FormatBool(sens)
}

func (g *generator) listValidator(b *strings.Builder, name string, s *Shape) {
	el := s.Member.Shape
	fmt.Fprintf(b, "func %s(p *awsapi.Problems, path string, v %s) {\n", validateFn(name), g.valueType(name))
	if g.own(el) {
		fmt.Fprintf(b, "\tfor i := range v {\n\t\tif !%s {\n", g.elementValid(el, "v[i]"))
		fmt.Fprintf(b, "\t\t\tp.AddValue(path, %s, func() string { return %s(&v) }, awsapi.PrefixElementConstraint+%s.Describe())\n\t\t\tbreak\n\t\t}\n\t}\n",
			g.collectionSensitive(name, el), renderFn(name), ruleVar(el))
	}
	if g.needs[el] {
		b.WriteString("\tfor i := range v {\n")
		g.checksContentOnly(b, "\t\t", el, "&v[i]", "awsapi.Element(path, i)")
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n\n")
}

// checksContentOnly emits the nested checks of a value (not its own
// constraints, which the collection reports as a whole).
func (g *generator) checksContentOnly(b *strings.Builder, indent, name, ref, path string) {
	switch g.m.Shapes[name].Type {
	case "structure":
		fmt.Fprintf(b, "%s%s.validateAt(p, %s)\n", indent, strings.TrimPrefix(ref, "&"), path)
	case "list", "map":
		fmt.Fprintf(b, "%s%s(p, %s, %s)\n", indent, validateFn(name), path, deref(ref))
	}
}

func (g *generator) mapValidator(b *strings.Builder, name string, s *Shape) {
	key, val := s.Key.Shape, s.Value.Shape
	fmt.Fprintf(b, "func %s(p *awsapi.Problems, path string, v %s) {\n", validateFn(name), g.valueType(name))
	b.WriteString("\tkeys := awsapi.JavaMapKeys(v)\n")
	if g.own(key) {
		fmt.Fprintf(b, "\tfor _, k := range keys {\n\t\tif !%s {\n", g.elementValid(key, "k"))
		fmt.Fprintf(b, "\t\t\tp.AddValue(path, %s, func() string { return %s(&v) }, awsapi.PrefixMapKeyConstraint+%s.Describe())\n\t\t\tbreak\n\t\t}\n\t}\n",
			g.collectionSensitive(name, key, val), renderFn(name), ruleVar(key))
	}
	if g.own(val) {
		fmt.Fprintf(b, "\tfor _, k := range keys {\n\t\tif !%s {\n", g.elementValid(val, "v[k]"))
		fmt.Fprintf(b, "\t\t\tp.AddValue(path, %s, func() string { return %s(&v) }, awsapi.PrefixMapValueConstraint+%s.Describe())\n\t\t\tbreak\n\t\t}\n\t}\n",
			g.collectionSensitive(name, key, val), renderFn(name), ruleVar(val))
	}
	if g.needs[val] {
		b.WriteString("\tfor _, k := range keys {\n\t\te := v[k]\n")
		g.checksContentOnly(b, "\t\t", val, "&e", "awsapi.MapValue(path, string(k))")
		b.WriteString("\t}\n")
	}
	b.WriteString("}\n\n")
}

// ---- Java rendering ---------------------------------------------------------

// renderFunc returns a Go expression of type func(*T) string rendering a
// value of the shape as AWS's Java services do.
func (g *generator) renderFunc(name string) string {
	s := g.m.Shapes[name]
	if s.Sensitive {
		return "awsapi.JavaRedactedValue[" + g.valueType(name) + "]"
	}
	switch s.Type {
	case "string":
		return "awsapi.JavaStr[" + g.valueType(name) + "]"
	case "integer":
		return "awsapi.JavaInt[int32]"
	case "long":
		return "awsapi.JavaInt[int64]"
	case "float":
		return "awsapi.JavaFloat"
	case "double":
		return "awsapi.JavaDouble"
	case "boolean":
		return "awsapi.JavaBool"
	case "timestamp":
		return "awsapi.JavaTimestamp"
	case "blob":
		return "awsapi.JavaBlob"
	case "structure":
		return "(*" + g.typeNames[name] + ").JavaString"
	default: // list, map
		return renderFn(name)
	}
}

// renderCall returns the expression rendering the value ref points at.
func (g *generator) renderCall(name, ref string) string {
	s := g.m.Shapes[name]
	switch {
	case s.Sensitive && g.pointerField(name):
		return "awsapi.JavaRedacted(" + ref + " == nil)"
	case s.Sensitive:
		return "awsapi.JavaRedacted(" + deref(ref) + " == nil)"
	case s.Type == "structure":
		return strings.TrimPrefix(ref, "&") + ".JavaString()"
	case s.Type == "string":
		return "awsapi.JavaStr(" + ref + ")"
	case s.Type == "integer", s.Type == "long":
		return "awsapi.JavaInt(" + ref + ")"
	}
	return g.renderFunc(name) + "(" + ref + ")"
}

func (g *generator) javaStringFile() string {
	var b strings.Builder
	for _, name := range sortedKeys(g.m.Shapes) {
		s := g.m.Shapes[name]
		switch s.Type {
		case "structure":
			tn := g.typeNames[name]
			fmt.Fprintf(&b, "// JavaString renders the structure as AWS does in validation messages.\nfunc (s *%s) JavaString() string {\n\tif s == nil {\n\t\treturn awsapi.Null\n\t}\n", tn)
			var parts []string
			for i, mem := range s.Members {
				ref := "s." + g.fieldNames[name][i]
				if !g.pointerField(mem.Shape) {
					ref = "&" + ref
				}
				sep := ", "
				if i == 0 {
					sep = ""
				}
				parts = append(parts, strconv.Quote(sep+lowerFirst(mem.Name)+"=")+" + "+g.renderCall(mem.Shape, ref))
			}
			extra := ""
			for _, e := range g.overlay.ToStringExtraMembers[name] {
				if len(parts) > 0 || extra != "" {
					extra += ", "
				}
				extra += lowerFirst(e) + "=null"
			}
			fmt.Fprintf(&b, "\treturn %s", strconv.Quote(name+"("))
			for _, p := range parts {
				b.WriteString(" +\n\t\t" + p)
			}
			fmt.Fprintf(&b, " +\n\t\t%s\n}\n\n", strconv.Quote(extra+")"))
		case "list":
			fmt.Fprintf(&b, "func %s(v *%s) string {\n\treturn awsapi.JavaList(v, %s)\n}\n\n", renderFn(name), g.valueType(name), g.renderFunc(s.Member.Shape))
		case "map":
			fmt.Fprintf(&b, "func %s(v *%s) string {\n\treturn awsapi.JavaMap(v, %s)\n}\n\n", renderFn(name), g.valueType(name), g.renderFunc(s.Value.Shape))
		}
	}
	return g.file(b.String(), "")
}

// ---- service, operations, errors ---------------------------------------------

func (g *generator) serviceFile() string {
	var b strings.Builder
	md := g.m.Metadata
	signing := md.SigningName
	if signing == "" {
		signing = md.EndpointPrefix
	}
	b.WriteString("// Service is the service model's metadata.\nvar Service = awsapi.Service{\n")
	fmt.Fprintf(&b, "\tServiceID: %q,\n\tFullName: %q,\n\tAPIVersion: %q,\n\tProtocol: %q,\n", md.ServiceID, md.ServiceFullName, md.APIVersion, md.Protocol)
	if md.Protocol == "json" {
		fmt.Fprintf(&b, "\tJSONVersion: %q,\n\tTargetPrefix: %q,\n", md.JSONVersion, md.TargetPrefix)
	}
	fmt.Fprintf(&b, "\tEndpointPrefix: %q,\n\tSigningName: %q,\n", md.EndpointPrefix, signing)
	if len(md.AWSQueryCompatible) > 0 {
		b.WriteString("\tQueryCompatible: true,\n")
	}
	b.WriteString("}\n\n")

	b.WriteString("// Operations maps each operation name to its description.\nvar Operations = map[string]awsapi.Operation{\n")
	for _, name := range sortedKeys(g.m.Operations) {
		op := g.m.Operations[name]
		fmt.Fprintf(&b, "\t%q: {\n\t\tName: %q,\n", name, name)
		if op.Input != nil {
			fmt.Fprintf(&b, "\t\tInput: %q,\n", op.Input.Shape)
		}
		if op.Output != nil {
			fmt.Fprintf(&b, "\t\tOutput: %q,\n", op.Output.Shape)
		}
		if len(op.Errors) > 0 {
			var q []string
			for _, e := range op.Errors {
				q = append(q, strconv.Quote(e.Shape))
			}
			fmt.Fprintf(&b, "\t\tErrors: []string{%s},\n", strings.Join(q, ", "))
		}
		if op.Deprecated {
			b.WriteString("\t\tDeprecated: true,\n")
		}
		if op.Input != nil {
			fmt.Fprintf(&b, "\t\tNewInput: func() awsapi.Input { return new(%s) },\n", g.typeNames[op.Input.Shape])
		}
		if op.Output != nil {
			fmt.Fprintf(&b, "\t\tNewOutput: func() any { return new(%s) },\n", g.typeNames[op.Output.Shape])
		}
		b.WriteString("\t},\n")
	}
	b.WriteString("}\n\n")

	g.errorsTable(&b)
	return g.file(b.String(), "")
}

// ---- awsQuery serialization model ---------------------------------------------

// queryFile embeds the serialization part of the awsQuery model (metadata,
// operations with their result wrappers, shapes with locationName,
// flattened and timestampFormat, members in model order) as QueryModel, the
// input of internal/awsquery's LoadModel. Documentation, constraints and
// everything else the wire format does not need are left out.
func (g *generator) queryFile() (string, error) {
	qm := g.queryModel
	md := qm.Metadata
	var b strings.Builder
	obj := func(fields ...string) string {
		var parts []string
		for i := 0; i+1 < len(fields); i += 2 {
			if fields[i+1] != "" {
				parts = append(parts, strconv.Quote(fields[i])+":"+fields[i+1])
			}
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
	str := func(s string) string {
		if s == "" {
			return ""
		}
		return strconv.Quote(s)
	}
	ref := func(r *ShapeRef) string {
		if r == nil {
			return ""
		}
		flat := ""
		if r.Flattened != nil {
			flat = strconv.FormatBool(*r.Flattened)
		}
		return obj("shape", str(r.Shape), "locationName", str(r.LocationName), "flattened", flat,
			"timestampFormat", str(r.TimestampFormat), "resultWrapper", str(r.ResultWrapper))
	}
	b.WriteString("{\n")
	b.WriteString(`"metadata":` + obj("apiVersion", str(md.APIVersion), "endpointPrefix", str(md.EndpointPrefix),
		"protocol", str(md.Protocol), "serviceId", str(md.ServiceID), "signingName", str(md.SigningName),
		"xmlNamespace", str(md.XMLNamespace)) + ",\n")
	b.WriteString(`"operations":{` + "\n")
	for i, name := range sortedKeys(qm.Operations) {
		op := qm.Operations[name]
		sep := ",\n"
		if i == len(qm.Operations)-1 {
			sep = "\n"
		}
		b.WriteString(strconv.Quote(name) + ":" + obj("input", ref(op.Input), "output", ref(op.Output)) + sep)
	}
	b.WriteString("},\n")
	b.WriteString(`"shapes":{` + "\n")
	for i, name := range sortedKeys(qm.Shapes) {
		s := qm.Shapes[name]
		var members string
		if s.Type == "structure" {
			var parts []string
			for _, mem := range s.Members {
				parts = append(parts, strconv.Quote(mem.Name)+":"+ref(&mem.ShapeRef))
			}
			members = "{" + strings.Join(parts, ",") + "}"
		}
		flat := ""
		if s.Flattened {
			flat = "true"
		}
		sep := ",\n"
		if i == len(qm.Shapes)-1 {
			sep = "\n"
		}
		b.WriteString(strconv.Quote(name) + ":" + obj("type", str(s.Type), "members", members,
			"member", ref(s.Member), "key", ref(s.Key), "value", ref(s.Value), "flattened", flat,
			"locationName", str(s.LocationName), "timestampFormat", str(s.TimestampFormat)) + sep)
	}
	b.WriteString("}}\n")
	js := b.String()
	if !json.Valid([]byte(js)) {
		return "", fmt.Errorf("internal error: the query model of %s is not valid JSON", g.queryModelPath)
	}
	doc := fmt.Sprintf("QueryModel is the awsQuery serialization model of the service (from %s: operations, result wrappers, shapes with their locationName, flattened and timestampFormat traits, members in model order; no documentation or constraints), in botocore's JSON form, for internal/awsquery.LoadModel.", baseName(g.queryModelPath))
	lit := strconv.Quote(js)
	if !strings.ContainsAny(js, "`\r") {
		lit = "`" + js + "`" // one shape per line, readable in diffs
	}
	return g.file(comment(doc, "")+"const QueryModel = "+lit+"\n", ""), nil
}
