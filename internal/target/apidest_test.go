package target

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestBuildEndpoint(t *testing.T) {
	for _, c := range []struct {
		endpoint string
		path     []string
		tq       map[string]string
		cq       []kv
		want     string
	}{
		{"https://h/a/*/b/*", []string{"x", "y"}, nil, nil, "https://h/a/x/b/y"},
		{"https://h/a/*/b/*", []string{"x"}, nil, nil, "https://h/a/x/b/*"},
		{"https://h/a/*", []string{"x", "y"}, nil, nil, "https://h/a/x"},
		{"https://h/a/*", []string{"a/b?c#d"}, nil, nil, "https://h/a/a%2Fb%3Fc%23d"},
		{"https://h/p?fixed=1", nil, map[string]string{"t": "2", "both": "target"}, []kv{{"both", "conn"}}, "https://h/p?both=conn&fixed=1&t=2"},
		{"https://h:8443/p?both=endpoint", nil, map[string]string{"both": "target"}, nil, "https://h:8443/p?both=target"},
	} {
		got, err := buildEndpoint(c.endpoint, c.path, c.tq, c.cq)
		if err != nil || got != c.want {
			t.Errorf("buildEndpoint(%q, %v, %v, %v) = %q, %v; want %q", c.endpoint, c.path, c.tq, c.cq, got, err, c.want)
		}
	}
	if _, err := buildEndpoint("ftp://h/x", nil, nil, nil); err == nil {
		t.Error("ftp endpoint accepted")
	}
}

func TestBuildHeaders(t *testing.T) {
	h := buildHeaders(
		map[string]string{"X-A": "target", "X-B": "target", "Host": "evil", "Content-Length": "1", "User-Agent": "mine", "Switchyard-CloudEvents": "binary", "Bad\nName": "x", "X-Bad": "a\r\nb"},
		[]kv{{"x-b", "conn"}, {"Authorization", "conn-auth"}, {"Switchyard-Webhook-Secret", "s"}},
		[]kv{{"Authorization", "Basic abc"}},
	)
	want := map[string]string{
		"X-A": "target", "X-B": "conn", "Authorization": "Basic abc", "User-Agent": "Amazon/EventBridge/ApiDestinations",
		"Content-Type": "application/json; charset=utf-8", "Range": "bytes=0-1048575", "Accept-Encoding": "gzip,deflate",
	}
	if len(h) != len(want) {
		t.Errorf("headers %v", h)
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	if h := buildHeaders(map[string]string{"content-type": "application/xml"}, nil, nil); h.Get("Content-Type") != "application/xml" {
		t.Errorf("Content-Type override: %v", h)
	}
}

func TestClassify(t *testing.T) {
	tg := &apiDestTarget{}
	for _, c := range []struct {
		status    int
		after     string
		ok, retry bool
	}{
		{200, "", true, false}, {204, "", true, false}, {301, "", false, false}, {400, "", false, false}, {403, "", false, false},
		{404, "", false, false}, {401, "", false, true}, {407, "", false, true}, {409, "", false, true}, {429, "", false, true},
		{500, "", false, true}, {503, "2", false, true}, {503, "-1", false, false}, {429, "soon", false, true},
	} {
		err := classify(c.status, c.after, tg)
		if (err == nil) != c.ok || (err != nil && Retryable(err) != c.retry) {
			t.Errorf("status %d Retry-After %q: %v (retryable %v)", c.status, c.after, err, err != nil && Retryable(err))
		}
	}
	err := classify(503, "2", tg)
	var ra *RetryAfterError
	if !errors.As(err, &ra) || ra.RetryAfter() != 2*time.Second || time.Until(tg.holdUntil) < time.Second {
		t.Errorf("Retry-After not kept: %v %v", err, tg.holdUntil)
	}
	if code, _ := Classify(err); code != CodeSDKClient {
		t.Errorf("code %s", code)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"3", 3 * time.Second, true}, {" 0 ", 0, true}, {"-1", -time.Second, true}, {"1.5", 1500 * time.Millisecond, true},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second, true}, {"soon", 0, false}, {"NaN", 0, false},
	} {
		got, ok := parseRetryAfter(c.in, now)
		if got != c.want || ok != c.ok {
			t.Errorf("parseRetryAfter(%q) = %v %v", c.in, got, ok)
		}
	}
}

// The Standard Webhooks reference vector.
func TestSignWebhookVector(t *testing.T) {
	h := http.Header{}
	ts := time.Unix(1614265330, 0)
	SignWebhook(h, [][]byte{webhookKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")}, "msg_p5jXN8AQM9LWM0D4loKWxJek", ts, []byte(`{"test": 2432232314}`))
	if got := h.Get("Webhook-Signature"); got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Errorf("signature %s", got)
	}
	if h.Get("Webhook-Id") != "msg_p5jXN8AQM9LWM0D4loKWxJek" || h.Get("Webhook-Timestamp") != "1614265330" {
		t.Errorf("headers %v", h)
	}
	if !VerifyWebhook(h, [][]byte{webhookKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")}, []byte(`{"test": 2432232314}`)) ||
		VerifyWebhook(h, [][]byte{[]byte("other")}, []byte(`{"test": 2432232314}`)) {
		t.Error("verify")
	}
}

func TestCloudEventModes(t *testing.T) {
	event := []byte(`{"version":"0","id":"e-1","detail-type":"Thing Happened","source":"app","account":"123","time":"2026-01-02T03:04:05Z","region":"us-east-1","resources":["arn:r"],"detail":{"a":1}}`)
	inv := &Invocation{EventID: "e-1", Event: event, Payload: event}
	body, h, err := cloudEvent("binary", inv, event, defaultJSONType)
	if err != nil || string(body) != `{"a":1}` || h.Get("Ce-Id") != "e-1" || h.Get("Ce-Type") != "Thing Happened" || h.Get("Ce-Time") != "2026-01-02T03:04:05Z" || h.Get("Content-Type") != defaultJSONType {
		t.Errorf("binary: %s %v %v", body, h, err)
	}
	inv.Payload = []byte(`Thing "happened" to 100%`)
	body, h, _ = cloudEvent("structured", inv, inv.Payload, defaultJSONType)
	want := `{"specversion":"1.0","id":"e-1","source":"app","type":"Thing Happened","time":"2026-01-02T03:04:05Z","subject":"arn:r","account":"123","region":"us-east-1","datacontenttype":"text/plain; charset=utf-8","data_base64":"` + base64.StdEncoding.EncodeToString(inv.Payload) + `"}`
	if string(body) != want || h.Get("Content-Type") != "application/cloudevents+json; charset=utf-8" {
		t.Errorf("structured:\n got %s\nwant %s", body, want)
	}
	if got := ceHeaderValue("a \"b\" 100% é"); got != "a %22b%22 100%25 %C3%A9" {
		t.Errorf("ceHeaderValue %q", got)
	}
}

func TestMergeBodyParams(t *testing.T) {
	got := mergeBodyParams([]byte(`{"a":1,"b":"x"}`), []kv{{"b", "y"}, {"c", "z"}})
	if string(got) != `{"a":1,"b":"y","c":"z"}` {
		t.Errorf("merged %s", got)
	}
	for _, in := range []string{`"text"`, `[1]`, `not json`, ``} {
		if got := mergeBodyParams([]byte(in), []kv{{"b", "y"}}); string(got) != in {
			t.Errorf("%q became %q", in, got)
		}
	}
}

// FuzzBuildEndpoint: whatever the templates and values, the result is a
// URL on the same scheme and host, every wildcard value stays inside its
// path segment, and the connection's query values win.
func FuzzBuildEndpoint(f *testing.F) {
	f.Add("https://api.example.com/v1/*/items/*", "orders", "a b/c", "k", "v", "k", "conn")
	f.Add("http://127.0.0.1:8080/*?x=1", "?#%", "", "x", "2", "y", "3")
	f.Add("https://h/**", "..", "/", "", "", "a&b", "c=d")
	f.Fuzz(func(t *testing.T, endpoint, p1, p2, tk, tv, ck, cv string) {
		got, err := buildEndpoint(endpoint, []string{p1, p2}, map[string]string{tk: tv}, []kv{{ck, cv}})
		if err != nil {
			return
		}
		in, _ := url.Parse(endpoint)
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("result %q does not parse: %v", got, err)
		}
		if u.Scheme != in.Scheme || u.Host != in.Host {
			t.Fatalf("%q -> %q changed scheme or host", endpoint, got)
		}
		if strings.Count(u.EscapedPath(), "/") != strings.Count(in.EscapedPath(), "/") {
			t.Fatalf("%q with %q, %q -> %q: path segments changed", endpoint, p1, p2, got)
		}
		if q := u.Query(); q.Get(ck) != cv {
			t.Fatalf("%q: connection query %q=%q, got %q", got, ck, cv, q.Get(ck))
		}
	})
}

// FuzzBuildHeaders: the headers can always be sent (no control characters,
// valid names), EventBridge's own headers are fixed, reserved ones never
// come from parameters, and connection and authorization values win.
func FuzzBuildHeaders(f *testing.F) {
	f.Add("X-A", "1", "X-A", "2", "Authorization", "Basic x")
	f.Add("Host", "evil", "user-agent", "me", "Content-Type", "text/xml")
	f.Add("X-Bad", "a\r\nInjected: 1", "Switchyard-CloudEvents", "binary", "x api", "k")
	f.Fuzz(func(t *testing.T, tk, tv, ck, cv, ak, av string) {
		h := buildHeaders(map[string]string{tk: tv}, []kv{{ck, cv}}, []kv{{ak, av}})
		for k, vs := range h {
			if !validHeaderName(k) || len(vs) != 1 || !validHeaderValue(vs[0]) {
				t.Fatalf("unsendable header %q: %q", k, vs)
			}
			if droppedHeaders[strings.ToLower(k)] && k != "User-Agent" && k != "Range" && k != "Accept-Encoding" {
				t.Fatalf("reserved header %q sent", k)
			}
		}
		if h.Get("User-Agent") != apiDestUserAgent || h.Get("Range") != "bytes=0-1048575" || h.Get("Accept-Encoding") != "gzip,deflate" || h.Get("Content-Type") == "" {
			t.Fatalf("EventBridge headers overridden: %v", h)
		}
		ok := func(k, v string) bool {
			return validHeaderName(k) && validHeaderValue(v) && !droppedHeaders[strings.ToLower(k)]
		}
		if ok(ak, av) && h.Get(ak) != strings.TrimSpace(av) {
			t.Fatalf("authorization %q=%q lost: %v", ak, av, h)
		}
		if ok(ck, cv) && !strings.EqualFold(ck, ak) && h.Get(ck) != strings.TrimSpace(cv) {
			t.Fatalf("connection %q=%q lost: %v", ck, cv, h)
		}
	})
}
