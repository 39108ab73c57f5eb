package awsquery

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/switchyard/switchyard/internal/awsapi"
	"github.com/switchyard/switchyard/internal/awsproto"
)

// ContentType is the content type of awsQuery responses.
const ContentType = "text/xml"

const xmlHeader = `<?xml version="1.0"?>`

// EncodeOutput renders the JSON document of op's output shape (member
// names as keys, as an awsJson response body has them) as the awsQuery XML
// response AWS sends:
//
//	<?xml version="1.0"?><OpResponse xmlns="<namespace>"><OpResult>...</OpResult><ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></OpResponse>
//
// Members appear in model order under their locationName; lists as
// <Name><member>...</member></Name> or, flattened, as repeated elements
// named after the list member's locationName (<QueueUrl>a</QueueUrl>
// <QueueUrl>b</QueueUrl>); maps as <Name><entry><key>k</key><value>v</value>
// </entry></Name> or, flattened, as repeated <Name><Name>k</Name><Value>v
// </Value></Name> with the key's and value's locationNames, keys sorted.
// Booleans are true/false, numbers plain decimals, timestamps ISO 8601 in
// UTC (unless the shape says otherwise), blobs base64. Null members and
// members the shape does not have are left out. The result element is
// always there when the operation has an output (botocore requires it),
// and absent when it has none.
func (m *Model) EncodeOutput(op string, outputJSON []byte, requestID string) ([]byte, error) {
	o := m.ops[op]
	if o == nil {
		return nil, fmt.Errorf("awsquery: unknown operation %q", op)
	}
	var doc any
	if t := bytes.TrimSpace(outputJSON); len(t) > 0 {
		dec := json.NewDecoder(bytes.NewReader(t))
		dec.UseNumber()
		if err := dec.Decode(&doc); err != nil {
			return nil, fmt.Errorf("awsquery: %s output: %w", op, err)
		}
	}
	w := &xmlWriter{}
	w.raw(xmlHeader)
	w.raw("<" + op + "Response")
	if m.XMLNamespace != "" {
		w.raw(` xmlns="`)
		w.text(m.XMLNamespace)
		w.raw(`"`)
	}
	w.raw(">")
	if o.output != nil {
		obj, _ := doc.(map[string]any)
		if doc != nil && obj == nil {
			return nil, fmt.Errorf("awsquery: %s output is not a JSON object", op)
		}
		w.open(o.resultWrapper)
		if err := w.members(o.output, obj); err != nil {
			return nil, fmt.Errorf("awsquery: %s output: %w", op, err)
		}
		w.close(o.resultWrapper)
	}
	w.raw("<ResponseMetadata><RequestId>")
	w.text(requestID)
	w.raw("</RequestId></ResponseMetadata></" + op + "Response>")
	return w.buf.Bytes(), nil
}

// EncodeError renders an error as the awsQuery error response and returns
// it with its HTTP status:
//
//	<?xml version="1.0"?><ErrorResponse xmlns="<namespace>"><Error><Type>Sender</Type><Code>code</Code><Message>message</Message><Detail/></Error><RequestId>id</RequestId></ErrorResponse>
//
// The code is the error's QueryCode when it has one (SQS's
// AWS.SimpleQueueService.NonExistentQueue), else its Code, with
// ValidationException (the awsJson name) written ValidationError as query
// services call it. Type is Receiver for server faults (Receiver set, or a
// 5xx status), Sender otherwise.
func (m *Model) EncodeError(e *awsproto.Error, requestID string) ([]byte, int) {
	return encodeError(m.XMLNamespace, e, requestID)
}

func encodeError(namespace string, e *awsproto.Error, requestID string) ([]byte, int) {
	status := e.HTTPStatus()
	code := QueryCode(e)
	fault := "Sender"
	if e.Receiver || status >= 500 {
		fault = "Receiver"
	}
	w := &xmlWriter{}
	w.raw(xmlHeader + "<ErrorResponse")
	if namespace != "" {
		w.raw(` xmlns="`)
		w.text(namespace)
		w.raw(`"`)
	}
	w.raw("><Error><Type>" + fault + "</Type><Code>")
	w.text(code)
	w.raw("</Code><Message>")
	w.text(e.Message)
	w.raw("</Message><Detail/></Error><RequestId>")
	w.text(requestID)
	w.raw("</RequestId></ErrorResponse>")
	return w.buf.Bytes(), status
}

// QueryCode returns the code an error has in awsQuery responses.
func QueryCode(e *awsproto.Error) string {
	switch {
	case e.QueryCode != "":
		return e.QueryCode
	case e.Code == "ValidationException":
		return "ValidationError"
	}
	return e.Code
}

// WriteError writes an awsQuery error response.
func (m *Model) WriteError(w http.ResponseWriter, e *awsproto.Error, requestID string) {
	body, status := m.EncodeError(e, requestID)
	writeXML(w, status, body)
}

func writeXML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// ---- XML writer -------------------------------------------------------------

type xmlWriter struct {
	buf bytes.Buffer
	// pending is the name of an element whose start tag is written up to
	// its '>' only when content follows; one without content is closed
	// as <Name/>.
	pending string
}

func (w *xmlWriter) flush() {
	if w.pending != "" {
		w.buf.WriteByte('>')
		w.pending = ""
	}
}

func (w *xmlWriter) raw(s string) {
	w.flush()
	w.buf.WriteString(s)
}

func (w *xmlWriter) open(name string) {
	w.flush()
	w.buf.WriteByte('<')
	w.buf.WriteString(name)
	w.pending = name
}

func (w *xmlWriter) close(name string) {
	if w.pending == name {
		w.buf.WriteString("/>")
		w.pending = ""
		return
	}
	w.flush()
	w.buf.WriteString("</" + name + ">")
}

func (w *xmlWriter) element(name, text string) {
	w.open(name)
	w.text(text)
	w.close(name)
}

// text writes character data escaped as AWS escapes it: &, <, >, " and
// carriage returns (which XML parsers would otherwise normalise away).
// Characters XML 1.0 cannot carry and invalid UTF-8 become U+FFFD.
func (w *xmlWriter) text(s string) {
	w.flush()
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '&':
				w.buf.WriteString("&amp;")
			case c == '<':
				w.buf.WriteString("&lt;")
			case c == '>':
				w.buf.WriteString("&gt;")
			case c == '"':
				w.buf.WriteString("&quot;")
			case c == '\r':
				w.buf.WriteString("&#xD;")
			case c == '\t' || c == '\n' || c >= 0x20:
				w.buf.WriteByte(c)
			default:
				w.buf.WriteString("\uFFFD")
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == 0xFFFE || r == 0xFFFF {
			w.buf.WriteString("\uFFFD")
		} else {
			w.buf.WriteString(s[i : i+size])
		}
		i += size
	}
}

func (w *xmlWriter) members(s *shape, obj map[string]any) error {
	for i := range s.members {
		mem := &s.members[i]
		v, ok := obj[mem.name]
		if !ok || v == nil {
			continue
		}
		name := mem.ref.name
		if name == "" {
			name = mem.name
		}
		if err := w.value(name, &mem.ref, v); err != nil {
			return fmt.Errorf("%s: %w", mem.name, err)
		}
	}
	return nil
}

func (w *xmlWriter) value(name string, r *ref, v any) error {
	s := r.shape
	switch s.typ {
	case "structure":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("want a JSON object for structure %s", s.name)
		}
		w.open(name)
		if err := w.members(s, obj); err != nil {
			return err
		}
		w.close(name)
		return nil
	case "list":
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("want a JSON array for list %s", s.name)
		}
		elemName := s.member.name
		if r.flattened {
			if elemName == "" {
				elemName = name
			}
			for _, e := range arr {
				if e == nil {
					continue
				}
				if err := w.value(elemName, s.member, e); err != nil {
					return err
				}
			}
			return nil
		}
		if elemName == "" {
			elemName = "member"
		}
		w.open(name)
		for _, e := range arr {
			if e == nil {
				continue
			}
			if err := w.value(elemName, s.member, e); err != nil {
				return err
			}
		}
		w.close(name)
		return nil
	case "map":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("want a JSON object for map %s", s.name)
		}
		keyName, valName := s.key.name, s.value.name
		if keyName == "" {
			keyName = "key"
		}
		if valName == "" {
			valName = "value"
		}
		keys := make([]string, 0, len(obj))
		for k, e := range obj {
			if e != nil {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		entry := func(k string) error {
			w.element(keyName, k)
			return w.value(valName, s.value, obj[k])
		}
		if r.flattened {
			for _, k := range keys {
				w.open(name)
				if err := entry(k); err != nil {
					return err
				}
				w.close(name)
			}
			return nil
		}
		w.open(name)
		for _, k := range keys {
			w.open("entry")
			if err := entry(k); err != nil {
				return err
			}
			w.close("entry")
		}
		w.close(name)
		return nil
	}
	text, err := scalarText(r, v)
	if err != nil {
		return err
	}
	w.element(name, text)
	return nil
}

// scalarText formats a scalar JSON value as the text of its element.
func scalarText(r *ref, v any) (string, error) {
	s := r.shape
	switch s.typ {
	case "string", "blob":
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
	case "boolean":
		switch x := v.(type) {
		case bool:
			return strconv.FormatBool(x), nil
		case string:
			if x == "true" || x == "false" {
				return x, nil
			}
		}
	case "integer", "long":
		var n json.Number
		switch x := v.(type) {
		case json.Number:
			n = x
		case string:
			n = json.Number(x)
		}
		if i, err := n.Int64(); err == nil {
			return strconv.FormatInt(i, 10), nil
		}
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<63 {
			return strconv.FormatInt(int64(f), 10), nil
		}
	case "float", "double":
		switch x := v.(type) {
		case json.Number:
			if _, err := x.Float64(); err == nil {
				return x.String(), nil
			}
		case string:
			// awsJson writes non-finite numbers as strings.
			switch x {
			case "NaN", "Infinity", "-Infinity":
				return x, nil
			}
		}
	case "timestamp":
		var t awsapi.Timestamp
		var err error
		switch x := v.(type) {
		case json.Number:
			t, err = awsapi.ParseTimestamp(x.String())
		case string:
			t, err = awsapi.ParseTimestamp(x)
		default:
			err = fmt.Errorf("not a timestamp")
		}
		if err == nil {
			return formatTimestamp(t.Time, r.timestampFormat), nil
		}
	}
	return "", fmt.Errorf("value %v does not fit shape %s (%s)", v, s.name, s.typ)
}

// formatTimestamp writes t as the query protocol does: ISO 8601 in UTC
// with milliseconds when there are any, or the shape's timestampFormat.
func formatTimestamp(t time.Time, format string) string {
	t = t.UTC()
	switch format {
	case "unixTimestamp":
		return awsapi.NewTimestamp(t).EpochSeconds()
	case "rfc822":
		return t.Format(http.TimeFormat)
	}
	if t.Nanosecond()/1e6 != 0 {
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	return t.Format("2006-01-02T15:04:05Z")
}
