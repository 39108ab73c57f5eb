package e2e

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/nats-io/nats-server/v2/server"

	"github.com/switchyard/switchyard/internal/config"
)

// Two Switchyard nodes on one external NATS server behave as one: a rule
// written through one node routes events put through the other, and a
// queue created on one is readable on the other.
func TestTwoNodesShareOneNATS(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("NATS not ready")
	}
	t.Cleanup(ns.Shutdown)
	external := func(c *config.Config) { c.NATSURL = ns.ClientURL() }
	a := start(t, external)
	b := start(t, external)
	c := ctx(t)

	url, arn := a.queue("shared")
	if _, err := a.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["x"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []ebtypes.Target{{Id: aws.String("q"), Arn: aws.String(arn)}}}); err != nil {
		t.Fatal(err)
	}
	// The rule is visible through node b at once (read-your-writes on a,
	// watch on b; give the watch a moment).
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := b.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("r")}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("rule not visible on the second node")
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, err := b.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
		{Source: aws.String("x"), DetailType: aws.String("t"), Detail: aws.String(`{}`)},
	}})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("PutEvents on b: %v %+v", err, out)
	}
	if got := b.receive(url, 1, 10*time.Second); len(got) != 1 {
		t.Fatalf("received %d messages through b", len(got))
	}
}
