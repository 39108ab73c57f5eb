package event

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestEnvelopeMarshal(t *testing.T) {
	env := Envelope{Version: "0", ID: "id", DetailType: "t\"<>&\n", Source: "s\\", Account: "1", Time: "2024-01-01T00:00:00Z",
		Region: "r", Resources: []string{"a"}, Detail: json.RawMessage(`{"x":[1,2]}`)}
	var back map[string]any
	if err := json.Unmarshal(env.Marshal(), &back); err != nil {
		t.Fatal(err)
	}
	if back["detail-type"] != "t\"<>&\n" || back["source"] != "s\\" || !reflect.DeepEqual(back["detail"], map[string]any{"x": []any{1.0, 2.0}}) {
		t.Fatalf("%v", back)
	}
	if !strings.Contains(string(env.Marshal()), `<>&`) {
		t.Fatal("HTML characters escaped")
	}
}
