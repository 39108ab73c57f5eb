package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func (e *env) scheduledRule(name, expr, queueArn string) {
	e.t.Helper()
	c := ctx(e.t)
	if _, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String(name), ScheduleExpression: aws.String(expr)}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String(name), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(queueArn)}}}); err != nil {
		e.t.Fatal(err)
	}
}

// A scheduled rule fires on the real clock (at the next whole minute) and
// its Scheduled Event reaches the rule's queue target.
func TestScheduledRuleFires(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the next whole minute")
	}
	t.Parallel()
	e := start(t)
	url, arn := e.queue("ticks")
	e.scheduledRule("every-minute", "cron(* * * * ? *)", arn)

	resp, err := http.Get(e.srv.URL() + "/_switchyard/schedules?account=" + testAccount + "&region=us-east-1&n=2")
	if err != nil {
		t.Fatal(err)
	}
	var plans struct {
		Schedules []struct {
			Rule string      `json:"rule"`
			Next []time.Time `json:"next"`
		} `json:"schedules"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&plans)
	resp.Body.Close()
	if len(plans.Schedules) != 1 || len(plans.Schedules[0].Next) != 2 || plans.Schedules[0].Next[1].Sub(plans.Schedules[0].Next[0]) != time.Minute {
		t.Fatalf("plans %+v", plans)
	}

	bodies := e.receive(url, 1, 75*time.Second)
	if len(bodies) != 1 {
		t.Fatal("no scheduled event within 75 s")
	}
	var ev struct {
		Source     string   `json:"source"`
		DetailType string   `json:"detail-type"`
		Resources  []string `json:"resources"`
		Time       string   `json:"time"`
		Account    string   `json:"account"`
	}
	if err := json.Unmarshal([]byte(bodies[0]), &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Source != "aws.events" || ev.DetailType != "Scheduled Event" || ev.Account != testAccount ||
		len(ev.Resources) != 1 || ev.Resources[0] != "arn:aws:events:us-east-1:"+testAccount+":rule/every-minute" {
		t.Fatalf("event %s", bodies[0])
	}
	if tick, err := time.Parse(time.RFC3339, ev.Time); err != nil || tick.Second() != 0 {
		t.Fatalf("time %q is not a whole minute", ev.Time)
	}
}

// The manual trigger fires any rule's targets at once.
func TestManualFire(t *testing.T) {
	e := start(t)
	url, arn := e.queue("manual")
	e.scheduledRule("nightly", "cron(0 2 * * ? *)", arn)
	body := []byte(`{"rule":"nightly","account":"` + testAccount + `","region":"us-east-1"}`)
	resp, err := http.Post(e.srv.URL()+"/_switchyard/schedules/fire", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("fire: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	bodies := e.receive(url, 1, 10*time.Second)
	if len(bodies) != 1 {
		t.Fatal("manual fire did not arrive")
	}
	var ev struct {
		Detail map[string]any `json:"detail"`
	}
	_ = json.Unmarshal([]byte(bodies[0]), &ev)
	if ev.Detail["switchyard-manual-fire"] != true {
		t.Fatalf("event %s", bodies[0])
	}
	resp, _ = http.Post(e.srv.URL()+"/_switchyard/schedules/fire", "application/json", bytes.NewReader([]byte(`{"rule":"nope"}`)))
	if resp.StatusCode != 404 {
		t.Fatalf("missing rule: %s", resp.Status)
	}
}
