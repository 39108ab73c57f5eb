package jsonscan_test

import (
	"fmt"
	"strconv"

	"github.com/switchyard/switchyard/internal/pattern/jsonscan"
)

// A request decoder for a known shape, as the built-in queue's fast path
// needs one: members spelt exactly, strings decoded as encoding/json
// would, small integers; anything else gives up (and the caller falls
// back to encoding/json).
func ExampleReader() {
	type receiveRequest struct {
		QueueUrl            string
		AttributeNames      []string
		MaxNumberOfMessages *int32
	}
	decode := func(data []byte) (req receiveRequest, ok bool) {
		var r jsonscan.Reader
		r.Reset(data)
		if !r.Object() {
			return req, false
		}
		for r.Member() {
			name, escaped := r.Name()
			if escaped {
				return req, false
			}
			switch string(name) {
			case "QueueUrl":
				s, _, ok := r.String()
				if !ok {
					return req, false
				}
				req.QueueUrl = string(jsonscan.AppendUnescapedUTF8(nil, s))
			case "AttributeNames":
				if !r.Array() {
					return req, false
				}
				req.AttributeNames = []string{}
				for r.Element() {
					s, _, ok := r.String()
					if !ok {
						return req, false
					}
					req.AttributeNames = append(req.AttributeNames, string(jsonscan.AppendUnescapedUTF8(nil, s)))
				}
			case "MaxNumberOfMessages":
				text, float, ok := r.Number()
				if !ok || float {
					return req, false
				}
				n, err := strconv.ParseInt(string(text), 10, 32)
				if err != nil {
					return req, false
				}
				v := int32(n)
				req.MaxNumberOfMessages = &v
			default:
				return req, false
			}
		}
		return req, r.End()
	}

	req, ok := decode([]byte(`{"QueueUrl": "http://localhost:4010/000000000000/q\u00e9", "AttributeNames": ["All"], "MaxNumberOfMessages": 10}`))
	fmt.Println(ok, req.QueueUrl, req.AttributeNames, *req.MaxNumberOfMessages)
	_, ok = decode([]byte(`{"QueueUrl": "q", "WaitTimeSeconds": 20}`))
	fmt.Println(ok)
	// Output:
	// true http://localhost:4010/000000000000/qé [All] 10
	// false
}

// Finding one member of a large document without decoding the rest.
func ExampleSkipFast() {
	doc := []byte(`{"payload": {"big": [1, 2, 3, {"deep": "x"}]}, "id": "e-1"}`)
	var r jsonscan.Reader
	r.Reset(doc)
	r.Object()
	for r.Member() {
		if name, _ := r.Name(); string(name) == "id" {
			s, _, _ := r.String()
			fmt.Printf("%s\n", s)
			continue
		}
		r.SkipFast()
	}
	fmt.Println(r.End())
	// Output:
	// e-1
	// true
}
