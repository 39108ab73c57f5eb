package target

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks signing (https://www.standardwebhooks.com): every
// request carries
//
//	webhook-id:        the event id (the same on every retry)
//	webhook-timestamp: Unix seconds when the request was sent
//	webhook-signature: "v1,<base64 HMAC-SHA256>" for each active secret,
//	                   space separated, signing "<id>.<timestamp>.<body>"
//
// Secrets are "whsec_<base64>" (the bytes after the prefix are the key) or
// any other string (its bytes are the key). Several secrets (rotation)
// produce several signatures; receivers accept a request when any
// signature verifies with a secret they know.

// webhookKey returns the HMAC key of a secret.
func webhookKey(secret string) []byte {
	if rest, ok := strings.CutPrefix(secret, "whsec_"); ok {
		if k, err := base64.StdEncoding.DecodeString(rest); err == nil && len(k) > 0 {
			return k
		}
	}
	return []byte(secret)
}

// SignWebhook sets the Standard Webhooks headers for body.
func SignWebhook(h http.Header, keys [][]byte, id string, now time.Time, body []byte) {
	ts := strconv.FormatInt(now.Unix(), 10)
	var sigs []string
	for _, k := range keys {
		mac := hmac.New(sha256.New, k)
		mac.Write([]byte(id))
		mac.Write([]byte{'.'})
		mac.Write([]byte(ts))
		mac.Write([]byte{'.'})
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	h["Webhook-Id"] = []string{id}
	h["Webhook-Timestamp"] = []string{ts}
	h["Webhook-Signature"] = []string{strings.Join(sigs, " ")}
}

// VerifyWebhook checks a Standard Webhooks signature header against the
// keys (for receivers and tests): true when one signature matches.
func VerifyWebhook(h http.Header, keys [][]byte, body []byte) bool {
	id, ts := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp")
	for _, sig := range strings.Fields(h.Get("Webhook-Signature")) {
		v, ok := strings.CutPrefix(sig, "v1,")
		if !ok {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			continue
		}
		for _, k := range keys {
			mac := hmac.New(sha256.New, k)
			mac.Write([]byte(id + "." + ts + "."))
			mac.Write(body)
			if hmac.Equal(mac.Sum(nil), got) {
				return true
			}
		}
	}
	return false
}

// envelope is the part of an EventBridge event CloudEvents attributes come
// from.
type envelope struct {
	ID         string          `json:"id"`
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Time       string          `json:"time"`
	Account    string          `json:"account"`
	Region     string          `json:"region"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

// cloudEvent renders a delivery as a CloudEvents 1.0 HTTP message
// (binary or structured content mode). Attributes come from the
// EventBridge event: id, source, type (detail-type), time, subject (the
// first resource) and the extensions account and region. The data is the
// event's detail when the target sends the whole event, and the target's
// payload (after InputPath or InputTransformer) otherwise.
func cloudEvent(mode string, inv *Invocation, body []byte, contentType string) ([]byte, http.Header, error) {
	var ev envelope
	_ = json.Unmarshal(inv.Event, &ev)
	if ev.ID == "" {
		ev.ID = inv.EventID
	}
	data := body
	if bytes.Equal(inv.Payload, inv.Event) && len(ev.Detail) > 0 {
		data = ev.Detail
	}
	isJSON := json.Valid(data)
	dct := contentType
	if dct == "" || dct == defaultJSONType && !isJSON {
		dct = "text/plain; charset=utf-8"
		if isJSON {
			dct = defaultJSONType
		}
	}
	attrs := [][2]string{
		{"specversion", "1.0"}, {"id", ev.ID}, {"source", ev.Source}, {"type", ev.DetailType},
	}
	if ev.Time != "" {
		attrs = append(attrs, [2]string{"time", ev.Time})
	}
	if len(ev.Resources) > 0 && ev.Resources[0] != "" {
		attrs = append(attrs, [2]string{"subject", ev.Resources[0]})
	}
	if ev.Account != "" {
		attrs = append(attrs, [2]string{"account", ev.Account})
	}
	if ev.Region != "" {
		attrs = append(attrs, [2]string{"region", ev.Region})
	}
	h := http.Header{}
	if mode == "binary" {
		for _, a := range attrs {
			h["Ce-"+strings.ToUpper(a[0][:1])+a[0][1:]] = []string{ceHeaderValue(a[1])}
		}
		h["Content-Type"] = []string{dct}
		return data, h, nil
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, a := range attrs {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(a[0])
		v, _ := json.Marshal(a[1])
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteString(`,"datacontenttype":`)
	v, _ := json.Marshal(dct)
	b.Write(v)
	if isJSON {
		b.WriteString(`,"data":`)
		b.Write(bytes.TrimSpace(data))
	} else {
		b.WriteString(`,"data_base64":`)
		v, _ := json.Marshal(base64.StdEncoding.EncodeToString(data))
		b.Write(v)
	}
	b.WriteByte('}')
	h["Content-Type"] = []string{"application/cloudevents+json; charset=utf-8"}
	return b.Bytes(), h, nil
}

// ceHeaderValue percent-encodes what the CloudEvents HTTP binding says
// must be: space is fine, but '"', '%' and bytes outside printable ASCII
// are escaped.
func ceHeaderValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '%' {
			b.WriteString("%" + strings.ToUpper(strconv.FormatInt(int64(c)>>4, 16)+strconv.FormatInt(int64(c)&15, 16)))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
