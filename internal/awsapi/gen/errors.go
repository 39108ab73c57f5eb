package main

import (
	"fmt"
	"strconv"
	"strings"
)

// defaultProto is the import path of internal/awsproto, whose *Error the
// generated error constructors return.
const defaultProto = "github.com/switchyard/switchyard/internal/awsproto"

// OverlayError is an error shape the service returns that its published
// model does not declare (EventBridge's ValidationException). It takes the
// botocore error trait's fields.
type OverlayError struct {
	Code           string `json:"code"`
	HTTPStatusCode int    `json:"httpStatusCode"`
	SenderFault    *bool  `json:"senderFault"`
	Documentation  string `json:"documentation"`
}

// errorShape is one error of the service as the constructors and the Errors
// table describe it.
type errorShape struct {
	name string // shape name: the error code (awsJson __type) and the Go names
	// code is the error trait's code (botocore's form of the awsQueryError
	// trait: SNS's NotFound, SQS's AWS.SimpleQueueService.NonExistentQueue),
	// or name when the trait has none.
	code string
	// queryCode is the code in awsQuery responses and in the
	// x-amzn-query-error header: code, for services that speak awsQuery
	// (protocol query, or awsJson with awsQueryCompatible); "" otherwise.
	queryCode string
	status    int  // the trait's httpStatusCode; else 500 for faults, 400 otherwise
	fault     bool // the server's fault: "fault" trait, or senderFault false
	doc       string
	overlay   bool // declared by the overlay, not the model
}

func constructorName(shape string) string { return "Err" + exportedName(shape) }

// errorShapes returns the error shapes of the model, then those of the
// overlay, each in name order.
func (g *generator) errorShapes() []errorShape {
	speaksQuery := g.m.Metadata.Protocol == "query" || len(g.m.Metadata.AWSQueryCompatible) > 0
	var out []errorShape
	add := func(name string, trait *ErrorTrait, fault bool, doc string, overlay bool) {
		e := errorShape{name: name, code: name, status: 400, fault: fault, doc: doc, overlay: overlay}
		if trait != nil {
			if trait.Code != "" {
				e.code = trait.Code
			}
			if trait.SenderFault != nil {
				e.fault = !*trait.SenderFault
			}
		}
		if e.fault {
			e.status = 500
		}
		if trait != nil && trait.HTTPStatusCode != 0 {
			e.status = trait.HTTPStatusCode
		}
		if speaksQuery {
			e.queryCode = e.code
		}
		out = append(out, e)
	}
	for _, name := range sortedKeys(g.m.Shapes) {
		s := g.m.Shapes[name]
		if s.Type != "structure" || !s.Exception {
			continue
		}
		trait := s.Error
		if trait == nil {
			trait = g.errTrait[name]
		}
		add(name, trait, s.Fault, firstSentence(s.Documentation), false)
	}
	for _, name := range sortedKeys(g.overlay.Errors) {
		oe := g.overlay.Errors[name]
		add(name, &ErrorTrait{Code: oe.Code, HTTPStatusCode: oe.HTTPStatusCode, SenderFault: oe.SenderFault}, false, oe.Documentation, true)
	}
	return out
}

// errorsFile emits one constructor per error shape: ErrX(format, args...)
// returns the *awsproto.Error of shape X with the message fmt.Sprintf
// makes, carrying the shape's code, awsQuery code, HTTP status and fault.
func (g *generator) errorsFile() string {
	var b strings.Builder
	b.WriteString("// Error constructors, one per error shape of the model (and of Switchyard's\n")
	b.WriteString("// overlay, for errors the service returns that the published model does not\n")
	b.WriteString("// declare). Each returns the error with the shape's code (the shape name, the\n")
	b.WriteString("// awsJson __type), its awsQuery code where the service speaks awsQuery, its\n")
	b.WriteString("// HTTP status and whose fault it is, and the message fmt.Sprintf(format,\n")
	b.WriteString("// args...) makes.\n\n")
	for _, e := range g.errorShapes() {
		var facts []string
		if e.queryCode != "" {
			facts = append(facts, "awsQuery code "+e.queryCode)
		}
		facts = append(facts, "HTTP "+strconv.Itoa(e.status))
		if e.fault {
			facts = append(facts, "the server's fault")
		} else {
			facts = append(facts, "the sender's fault")
		}
		doc := fmt.Sprintf("%s returns the %s error (%s).", constructorName(e.name), e.name, strings.Join(facts, ", "))
		if e.doc != "" {
			doc += " " + e.name + ": " + e.doc
		}
		if e.overlay {
			doc += " (From Switchyard's overlay: the published model does not declare it.)"
		}
		b.WriteString(comment(doc, ""))
		fmt.Fprintf(&b, "func %s(format string, args ...any) *awsproto.Error {\n", constructorName(e.name))
		fields := []string{"Code: " + strconv.Quote(e.name)}
		if e.queryCode != "" {
			fields = append(fields, "QueryCode: "+strconv.Quote(e.queryCode))
		}
		fields = append(fields, "Status: "+strconv.Itoa(e.status))
		if e.fault {
			fields = append(fields, "Receiver: true")
		}
		fields = append(fields, "Message: fmt.Sprintf(format, args...)")
		fmt.Fprintf(&b, "\treturn &awsproto.Error{%s}\n}\n\n", strings.Join(fields, ", "))
	}
	var src strings.Builder
	src.WriteString(g.header())
	src.WriteString("package " + g.opts.Pkg + "\n\n")
	src.WriteString("import (\n\t\"fmt\"\n\n\t\"" + g.opts.Proto + "\"\n)\n\n")
	src.WriteString(b.String())
	return src.String()
}

// errorsTable emits the Errors table of service_gen.go.
func (g *generator) errorsTable(b *strings.Builder) {
	b.WriteString("// Errors maps each error shape name (of the model, and of Switchyard's overlay)\n// to its description and constructor.\nvar Errors = map[string]awsapi.ErrorShape{\n")
	for _, e := range g.errorShapes() {
		fmt.Fprintf(b, "\t%q: {Name: %q, Code: %q, HTTPStatus: %d", e.name, e.name, e.code, e.status)
		if e.fault {
			b.WriteString(", Fault: true")
		}
		fmt.Fprintf(b, ", New: %s},\n", constructorName(e.name))
	}
	b.WriteString("}\n")
}
