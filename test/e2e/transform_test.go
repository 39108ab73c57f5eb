package e2e

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// Targets receive Input, InputPath and InputTransformer output as
// EventBridge delivers it.
func TestTargetInputTransformation(t *testing.T) {
	e := start(t)
	c := ctx(t)
	urls := map[string]string{}
	var targets []ebtypes.Target
	add := func(id string, tg ebtypes.Target) {
		url, arn := e.queue("q-" + id)
		urls[id] = url
		tg.Id, tg.Arn = aws.String(id), aws.String(arn)
		targets = append(targets, tg)
	}
	add("json", ebtypes.Target{InputTransformer: &ebtypes.InputTransformer{
		InputPathsMap: map[string]string{"userId": "$.detail.user_id", "tier": "$.detail.registration_type"},
		InputTemplate: aws.String(`{"userId": "<userId>", "tier": "<tier>", "rule": "<aws.events.rule-name>", "action": "send_welcome_email"}`),
	}})
	add("text", ebtypes.Target{InputTransformer: &ebtypes.InputTransformer{
		InputPathsMap: map[string]string{"userId": "$.detail.user_id", "tier": "$.detail.registration_type", "source": "$.detail.referral_source"},
		InputTemplate: aws.String(`New premium user registered: <userId>, Tier: <tier>, Source: <source>`),
	}})
	add("path", ebtypes.Target{InputPath: aws.String("$.detail")})
	add("const", ebtypes.Target{Input: aws.String(`{"fixed": true}`)})
	if _, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("reg"), EventPattern: aws.String(`{"source":["users"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("reg"), Targets: targets}); err != nil {
		t.Fatal(err)
	}
	detail := `{"user_id":"u1","registration_type":"premium","referral_source":"google_ads"}`
	if _, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("users"), DetailType: aws.String("Registered"), Detail: aws.String(detail)},
	}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"json":  `{"userId":"u1","tier":"premium","rule":"reg","action":"send_welcome_email"}`,
		"text":  `New premium user registered: u1, Tier: premium, Source: google_ads`,
		"path":  detail,
		"const": `{"fixed": true}`,
	}
	for id, w := range want {
		got := e.receive(urls[id], 1, 10*time.Second)
		if len(got) != 1 {
			t.Fatalf("%s: %d messages", id, len(got))
		}
		if id == "json" || id == "path" {
			var a, b any
			_ = json.Unmarshal([]byte(got[0]), &a)
			_ = json.Unmarshal([]byte(w), &b)
			ga, _ := json.Marshal(a)
			gb, _ := json.Marshal(b)
			if string(ga) != string(gb) {
				t.Errorf("%s: got %s, want %s", id, got[0], w)
			}
			continue
		}
		if got[0] != w {
			t.Errorf("%s: got %q, want %q", id, got[0], w)
		}
	}
}
