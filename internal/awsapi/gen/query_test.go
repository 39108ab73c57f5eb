package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// queryModel is a small awsQuery model: locationNames on members and list
// members, flattened lists and maps, a result wrapper.
const queryModelJSON = `{
  "version": "2.0",
  "metadata": {"apiVersion": "2021-01-01", "endpointPrefix": "qsynth", "protocol": "query",
    "serviceFullName": "Query Synthetic", "serviceId": "QSynth", "xmlNamespace": "http://qsynth.example/doc/2021-01-01/"},
  "operations": {
    "Put": {"name": "Put", "http": {"method": "POST", "requestUri": "/"}, "input": {"shape": "PutInput"},
      "output": {"shape": "PutOutput", "resultWrapper": "PutResult"}, "documentation": "<p>Puts.</p>"}
  },
  "shapes": {
    "PutInput": {"type": "structure", "required": ["Name"], "members": {
      "Name": {"shape": "Name", "documentation": "<p>The name.</p>"},
      "Attributes": {"shape": "AttrMap", "locationName": "Attribute"},
      "Ids": {"shape": "IdList", "flattened": true, "locationName": "Id"},
      "When": {"shape": "When", "timestampFormat": "iso8601"}
    }},
    "PutOutput": {"type": "structure", "members": {"Items": {"shape": "ItemList"}}},
    "Name": {"type": "string", "min": 1, "max": 8, "pattern": "[a-z]+"},
    "AttrMap": {"type": "map", "key": {"shape": "Name", "locationName": "Name"}, "value": {"shape": "Name", "locationName": "Value"}, "flattened": true},
    "IdList": {"type": "list", "member": {"shape": "Name", "locationName": "IdMember"}},
    "ItemList": {"type": "list", "member": {"shape": "Item", "locationName": "Item"}, "flattened": true},
    "Item": {"type": "structure", "members": {"Z": {"shape": "Name"}, "A": {"shape": "Name", "locationName": "Alpha"}}},
    "When": {"type": "timestamp"}
  }
}`

func TestQueryProtocolModel(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "qsynth.json")
	must(t, os.WriteFile(path, []byte(queryModelJSON), 0o644))
	files, err := generate(options{ModelPath: path, Pkg: "qsynth", Runtime: defaultRuntime})
	must(t, err)

	types := strings.Join(strings.Fields(string(files["types_gen.go"])), " ")
	for _, want := range []string{
		"Attributes map[string]string `json:\"Attributes,omitempty\"`",
		"Ids []string `json:\"Ids,omitempty\"`",
		"A *string `json:\"A,omitempty\"`",
	} {
		if !strings.Contains(types, want) {
			t.Errorf("types_gen.go lacks %s (JSON tags must be member names for query models):\n%s", want, types)
		}
	}
	svc := string(files["service_gen.go"])
	if !strings.Contains(svc, `Protocol:       "query",`) || strings.Contains(svc, "JSONVersion") || strings.Contains(svc, "TargetPrefix") {
		t.Errorf("service_gen.go:\n%s", svc)
	}
	if !strings.Contains(string(files["doc_gen.go"]), "awsQuery protocol") {
		t.Errorf("doc_gen.go does not mention the protocol:\n%s", files["doc_gen.go"])
	}

	q, ok := files["query_gen.go"]
	if !ok {
		t.Fatal("no query_gen.go for a query model")
	}
	lit := regexp.MustCompile("(?s)const QueryModel = (`.*`)\n").FindSubmatch(q)
	if lit == nil {
		t.Fatalf("query_gen.go:\n%s", q)
	}
	src, err := strconv.Unquote(string(lit[1]))
	must(t, err)
	if strings.Contains(src, "documentation") || strings.Contains(src, "pattern") || strings.Contains(src, `"min"`) {
		t.Errorf("QueryModel keeps what the wire format does not need:\n%s", src)
	}
	var m Model
	must(t, json.Unmarshal([]byte(src), &m))
	if m.Metadata.XMLNamespace != "http://qsynth.example/doc/2021-01-01/" || m.Metadata.Protocol != "query" {
		t.Errorf("metadata %+v", m.Metadata)
	}
	if out := m.Operations["Put"].Output; out == nil || out.ResultWrapper != "PutResult" {
		t.Errorf("Put output %+v", out)
	}
	in := m.Shapes["PutInput"]
	var names []string
	for _, mem := range in.Members {
		names = append(names, mem.Name)
	}
	if strings.Join(names, ",") != "Name,Attributes,Ids,When" {
		t.Errorf("member order %v", names)
	}
	if ids := in.Members[2]; ids.LocationName != "Id" || ids.Flattened == nil || !*ids.Flattened {
		t.Errorf("Ids member %+v", ids)
	}
	if in.Members[3].TimestampFormat != "iso8601" {
		t.Errorf("When member %+v", in.Members[3])
	}
	if s := m.Shapes["AttrMap"]; !s.Flattened || s.Key.LocationName != "Name" || s.Value.LocationName != "Value" {
		t.Errorf("AttrMap %+v", s)
	}
	if s := m.Shapes["IdList"]; s.Member.LocationName != "IdMember" || s.Flattened {
		t.Errorf("IdList %+v", s)
	}
	if s := m.Shapes["Item"]; s.Members[0].Name != "Z" || s.Members[1].LocationName != "Alpha" {
		t.Errorf("Item %+v", s)
	}
}

func TestQueryModelFromErrorsFrom(t *testing.T) {
	dir := t.TempDir()
	query := filepath.Join(dir, "q.json")
	must(t, os.WriteFile(query, []byte(queryModelJSON), 0o644))
	jsonModel := filepath.Join(dir, "j.json")
	must(t, os.WriteFile(jsonModel, []byte(syntheticModel), 0o644))
	files, err := generate(options{ModelPath: jsonModel, ErrorsFrom: query, Pkg: "synth", Runtime: defaultRuntime})
	must(t, err)
	if q := string(files["query_gen.go"]); !strings.Contains(q, "from\n// q.json") && !strings.Contains(q, "from q.json") {
		t.Errorf("an awsQuery -errors-from model should give QueryModel:\n%s", q)
	}
	files, err = generate(options{ModelPath: jsonModel, Pkg: "synth", Runtime: defaultRuntime})
	must(t, err)
	if _, ok := files["query_gen.go"]; ok {
		t.Error("query_gen.go without an awsQuery model")
	}
}
