package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// An import into an archive with an event pattern stores, as archiving
// does, only the events that match it, and says how many it skipped.
func TestArchiveImportMatchesPattern(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.mustBus("shop")
	e.mustArchive("all", "shop", "", 0)
	e.put("shop", "shop.orders", 0, 3, nil)
	e.put("shop", "shop.payments", 3, 5, nil)
	e.waitCount("all", 5)
	resp, err := http.Get(e.srv.URL() + "/_switchyard/archives/all/export?account=" + testAccount + "&region=us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	var dump bytes.Buffer
	_, _ = dump.ReadFrom(resp.Body)
	resp.Body.Close()
	if n := strings.Count(dump.String(), "\n"); n != 5 {
		t.Fatalf("export: %d lines", n)
	}

	e2 := start(t)
	e2.mustBus("shop")
	e2.mustArchive("orders", "shop", `{"source":["shop.orders"]}`, 0)
	resp, err = http.Post(e2.srv.URL()+"/_switchyard/archives/orders/import?account="+testAccount+"&region=us-east-1", "application/x-ndjson", &dump)
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || res["imported"] != 3.0 || res["skipped"] != 2.0 {
		t.Fatalf("import: %d %v", resp.StatusCode, res)
	}
	e2.waitCount("orders", 3)
}
