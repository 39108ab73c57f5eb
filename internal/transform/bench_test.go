package transform

import (
	"fmt"
	"strings"
	"testing"
)

// benchEvent is a realistic ~1 KB event: the seed tutorial's user
// registration with a fuller detail.
var benchEvent = []byte(`{"version":"0","id":"3b1e2f4a-8c1d-4b7e-9f6a-2d5c8e1a7b90","detail-type":"User Registered",` +
	`"source":"com.mylearning.users","account":"123456789012","time":"2024-06-11T08:33:10Z","region":"ap-south-1",` +
	`"resources":["arn:aws:cognito-idp:ap-south-1:123456789012:userpool/ap-south-1_AbCdEf"],` +
	`"detail":{"user_id":"user_12345","email":"priya@example.com","registration_type":"premium",` +
	`"referral_source":"google_ads","name":{"first":"Priya","last":"Sharma"},"locale":"en-IN",` +
	`"address":{"line1":"12 MG Road","city":"Bengaluru","state":"KA","postcode":"560001","country":"IN"},` +
	`"devices":[{"type":"ios","version":"17.5","push":true},{"type":"web","version":"126","push":false}],` +
	`"consents":{"marketing":true,"analytics":false,"updated":"2024-06-11T08:30:00Z"},` +
	`"plan":{"name":"gold","seats":5,"annual":true,"price":{"amount":4999.0,"currency":"INR"}},` +
	`"tags":["new","vip","beta-tester","mobile-first"],"score":0.87,"notes":"signed up via \"summer\" campaign",` +
	`"metadata":{"ip":"203.0.113.42","user_agent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X)","session":"s-9f8e7d6c5b4a"}}}`)

func BenchmarkApply(b *testing.B) {
	many := map[string]string{}
	var tpl strings.Builder
	tpl.WriteString("{")
	fields := []string{"user_id", "email", "registration_type", "referral_source", "locale", "score", "notes", "name.first",
		"name.last", "address.city", "address.postcode", "plan.name", "plan.seats", "plan.price.amount", "consents.marketing",
		"devices[0].type", "devices[1].version", "tags[-1]", "metadata.ip", "metadata.session"}
	for i, f := range fields {
		k := fmt.Sprintf("v%d", i)
		many[k] = "$.detail." + f
		if i > 0 {
			tpl.WriteString(", ")
		}
		fmt.Fprintf(&tpl, `"%s": <%s>`, k, k)
	}
	tpl.WriteString("}")
	cases := []struct {
		name string
		c    Config
	}{
		{"none", Config{}},
		{"input", Config{Input: ptr(`{"job":"nightly-report"}`)}},
		{"input_path", Config{InputPath: ptr("$.detail")}},
		{"input_path_leaf", Config{InputPath: ptr("$.detail.plan.price.currency")}},
		{"tutorial_json", Config{
			PathsMap: map[string]string{"userId": "$.detail.user_id", "email": "$.detail.email", "tier": "$.detail.registration_type"},
			Template: ptr(`{"userId": "<userId>", "email": "<email>", "tier": "<tier>", "action": "send_welcome_email"}`)}},
		{"tutorial_text", Config{
			PathsMap: map[string]string{"userId": "$.detail.user_id", "tier": "$.detail.registration_type", "source": "$.detail.referral_source"},
			Template: ptr("New premium user registered: <userId>, Tier: <tier>, Source: <source>")}},
		{"20_paths", Config{PathsMap: many, Template: ptr(tpl.String())}},
		{"wildcard", Config{PathsMap: map[string]string{"t": "$.detail.devices[*].type"}, Template: ptr(`{"types": <t>, "s": "<t>"}`)}},
		{"reserved", Config{Template: ptr(`{"rule": <aws.events.rule-name>, "at": <aws.events.event.ingestion-time>, "event": <aws.events.event>}`)}},
		{"event_json", Config{Template: ptr(`{"wrapped": <aws.events.event.json>}`)}},
	}
	for _, bc := range cases {
		tr, err := Compile("bench", bc.c)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(benchEvent)))
			for b.Loop() {
				if _, err := tr.Apply(benchEvent, testCtx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	c := Config{
		PathsMap: map[string]string{"userId": "$.detail.user_id", "email": "$.detail.email", "tier": "$.detail.registration_type"},
		Template: ptr(`{"userId": "<userId>", "email": "<email>", "tier": "<tier>", "action": "send_welcome_email"}`),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("bench", c); err != nil {
			b.Fatal(err)
		}
	}
}
