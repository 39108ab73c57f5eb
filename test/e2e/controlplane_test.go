package e2e

// End-to-end tests of the EventBridge control plane (buses, rules,
// targets, tags, permissions, TestEventPattern), driven with the official
// SDK client against a whole in-process server. Error answers are in
// errors_test.go.

import (
	"encoding/json"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

func TestEventBusLifecycle(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)

	t.Run("default bus exists implicitly", func(t *testing.T) {
		for _, name := range []*string{nil, aws.String("default"), aws.String(e.busArn("default"))} {
			out := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: name})).of(t)
			if aws.ToString(out.Name) != "default" || aws.ToString(out.Arn) != "arn:aws:events:us-east-1:"+testAccount+":event-bus/default" {
				t.Errorf("DescribeEventBus(%v): name %q arn %q", aws.ToString(name), aws.ToString(out.Name), aws.ToString(out.Arn))
			}
			if out.Policy != nil || out.Description != nil {
				t.Errorf("default bus: unexpected policy %v / description %v", aws.ToString(out.Policy), aws.ToString(out.Description))
			}
		}
		if names := e.busNames(""); !slices.Contains(names, "default") {
			t.Errorf("ListEventBuses %v lacks the default bus", names)
		}
	})

	t.Run("create with description and tags", func(t *testing.T) {
		out := must(e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{
			Name: aws.String("orders"), Description: aws.String("order events"),
			Tags: []ebtypes.Tag{newTag("env", "prod"), newTag("team", "core")},
		})).of(t)
		if got := aws.ToString(out.EventBusArn); got != e.busArn("orders") {
			t.Errorf("EventBusArn %q, want %q", got, e.busArn("orders"))
		}
		if aws.ToString(out.Description) != "order events" {
			t.Errorf("CreateEventBus Description %q", aws.ToString(out.Description))
		}
		if got, want := e.tags(e.busArn("orders")), map[string]string{"env": "prod", "team": "core"}; !reflect.DeepEqual(got, want) {
			t.Errorf("tags %v, want %v", got, want)
		}
		for _, name := range []string{"orders", e.busArn("orders")} {
			d := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String(name)})).of(t)
			if aws.ToString(d.Name) != "orders" || aws.ToString(d.Arn) != e.busArn("orders") || aws.ToString(d.Description) != "order events" {
				t.Errorf("DescribeEventBus(%s): %q %q %q", name, aws.ToString(d.Name), aws.ToString(d.Arn), aws.ToString(d.Description))
			}
			if d.CreationTime == nil || d.LastModifiedTime == nil || time.Since(*d.CreationTime) > time.Minute {
				t.Errorf("DescribeEventBus(%s): times %v %v", name, d.CreationTime, d.LastModifiedTime)
			}
		}
		if names := e.busNames(""); !slices.Contains(names, "orders") || !slices.Contains(names, "default") {
			t.Errorf("ListEventBuses %v", names)
		}
	})

	t.Run("create echoes and keeps dead-letter and KMS settings", func(t *testing.T) {
		dlq := &ebtypes.DeadLetterConfig{Arn: aws.String("arn:aws:sqs:us-east-1:" + testAccount + ":bus-dlq")}
		out := must(e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{
			Name: aws.String("with-dlq"), DeadLetterConfig: dlq, KmsKeyIdentifier: aws.String("alias/bus-key"),
		})).of(t)
		if out.DeadLetterConfig == nil || aws.ToString(out.DeadLetterConfig.Arn) != aws.ToString(dlq.Arn) || aws.ToString(out.KmsKeyIdentifier) != "alias/bus-key" {
			t.Errorf("CreateEventBus response %+v", out)
		}
		d := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("with-dlq")})).of(t)
		if d.DeadLetterConfig == nil || aws.ToString(d.DeadLetterConfig.Arn) != aws.ToString(dlq.Arn) || aws.ToString(d.KmsKeyIdentifier) != "alias/bus-key" {
			t.Errorf("DescribeEventBus: dlq %+v kms %q", d.DeadLetterConfig, aws.ToString(d.KmsKeyIdentifier))
		}
	})

	t.Run("create keeps LogConfig", func(t *testing.T) {
		lc := &ebtypes.LogConfig{Level: ebtypes.LevelInfo, IncludeDetail: ebtypes.IncludeDetailFull}
		must(e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("logged"), LogConfig: lc})).of(t)
		d := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("logged")})).of(t)
		if d.LogConfig == nil || d.LogConfig.Level != ebtypes.LevelInfo || d.LogConfig.IncludeDetail != ebtypes.IncludeDetailFull {
			t.Errorf("DescribeEventBus LogConfig %+v, want %+v", d.LogConfig, lc)
		}
	})

	t.Run("update", func(t *testing.T) {
		before := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("orders")})).of(t)
		time.Sleep(20 * time.Millisecond)
		out := must(e.eb.UpdateEventBus(c, &eventbridge.UpdateEventBusInput{Name: aws.String("orders"), Description: aws.String("all orders")})).of(t)
		if aws.ToString(out.Arn) != e.busArn("orders") || aws.ToString(out.Name) != "orders" || aws.ToString(out.Description) != "all orders" {
			t.Errorf("UpdateEventBus response: %q %q %q", aws.ToString(out.Arn), aws.ToString(out.Name), aws.ToString(out.Description))
		}
		d := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("orders")})).of(t)
		if aws.ToString(d.Description) != "all orders" {
			t.Errorf("Description after update %q", aws.ToString(d.Description))
		}
		if !d.CreationTime.Equal(*before.CreationTime) || !d.LastModifiedTime.After(*before.LastModifiedTime) {
			t.Errorf("times after update: created %v (was %v), modified %v (was %v)", d.CreationTime, before.CreationTime, d.LastModifiedTime, before.LastModifiedTime)
		}
		// Tags are not touched by an update.
		if got := e.tags(e.busArn("orders")); len(got) != 2 {
			t.Errorf("tags after update %v", got)
		}
		// The default bus can be updated too.
		must(e.eb.UpdateEventBus(c, &eventbridge.UpdateEventBusInput{Description: aws.String("the default bus")})).of(t)
		d = must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{})).of(t)
		if aws.ToString(d.Description) != "the default bus" {
			t.Errorf("default bus description %q", aws.ToString(d.Description))
		}
	})

	t.Run("delete", func(t *testing.T) {
		must(e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")})).of(t)
		_, err := e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("orders")})
		wantErr(t, err, "ResourceNotFoundException", "Event bus orders does not exist.")
		if names := e.busNames(""); slices.Contains(names, "orders") {
			t.Errorf("deleted bus still listed: %v", names)
		}
		// Deleting again, or deleting a bus that never existed, succeeds.
		must(e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("orders")})).of(t)
		must(e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("never-existed")})).of(t)
	})

	t.Run("a recreated bus starts empty", func(t *testing.T) {
		e.mustBus("again", newTag("gen", "1"))
		e.mustRule("again", "old-rule", `{"source":["a"]}`)
		e.mustTargets("again", "old-rule", sqsTarget("q", "q1"))
		must(e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("again")})).of(t)
		_, err := e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("old-rule"), EventBusName: aws.String("again")})
		wantErr(t, err, "ResourceNotFoundException", "Event bus again does not exist.")
		e.mustBus("again")
		if rules := e.ruleNames("again", ""); len(rules) != 0 {
			t.Errorf("recreated bus has rules %v", rules)
		}
		if got := e.tags(e.busArn("again")); len(got) != 0 {
			t.Errorf("recreated bus has tags %v", got)
		}
	})
}

func TestListEventBusesPagination(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	var want []string
	for i := range 7 {
		name := "page-" + strconv.Itoa(i)
		e.mustBus(name)
		want = append(want, name)
	}
	e.mustBus("other-bus")

	// Limit 3 with a prefix: pages of 3, 3 and 1, then no token.
	var got []string
	var sizes []int
	var token *string
	for range 10 {
		out := must(e.eb.ListEventBuses(c, &eventbridge.ListEventBusesInput{NamePrefix: aws.String("page-"), Limit: aws.Int32(3), NextToken: token})).of(t)
		sizes = append(sizes, len(out.EventBuses))
		for _, b := range out.EventBuses {
			got = append(got, aws.ToString(b.Name))
			if aws.ToString(b.Arn) != e.busArn(aws.ToString(b.Name)) || b.CreationTime == nil || b.LastModifiedTime == nil {
				t.Errorf("listed bus %+v", b)
			}
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	if !reflect.DeepEqual(sizes, []int{3, 3, 1}) {
		t.Errorf("page sizes %v, want [3 3 1]", sizes)
	}
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paged buses %v, want %v", got, want)
	}

	// Without a prefix, every bus (the default bus included) appears once.
	all := e.busNames("")
	sort.Strings(all)
	wantAll := append(slices.Clone(want), "default", "other-bus")
	sort.Strings(wantAll)
	if !reflect.DeepEqual(all, wantAll) {
		t.Errorf("all buses %v, want %v", all, wantAll)
	}
	var paged []string
	token = nil
	for range 20 {
		out := must(e.eb.ListEventBuses(c, &eventbridge.ListEventBusesInput{Limit: aws.Int32(2), NextToken: token})).of(t)
		if len(out.EventBuses) > 2 {
			t.Fatalf("page of %d with Limit 2", len(out.EventBuses))
		}
		for _, b := range out.EventBuses {
			paged = append(paged, aws.ToString(b.Name))
		}
		if token = out.NextToken; token == nil {
			break
		}
	}
	sort.Strings(paged)
	if !reflect.DeepEqual(paged, wantAll) {
		t.Errorf("buses paged by 2: %v, want %v", paged, wantAll)
	}

	if got := e.busNames("page-3"); !reflect.DeepEqual(got, []string{"page-3"}) {
		t.Errorf("prefix page-3: %v", got)
	}
	if got := e.busNames("nothing-"); len(got) != 0 {
		t.Errorf("prefix nothing-: %v", got)
	}
}

func TestRuleLifecycle(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	const pat1 = `{"source":["shop.orders"],"detail-type":["Order Placed"]}`
	const pat2 = `{"source":["shop.returns"]}`

	t.Run("create on the default bus", func(t *testing.T) {
		out := must(e.eb.PutRule(c, &eventbridge.PutRuleInput{
			Name: aws.String("orders"), EventPattern: aws.String(pat1), Description: aws.String("first"),
			State: ebtypes.RuleStateDisabled, Tags: []ebtypes.Tag{newTag("owner", "alice")},
		})).of(t)
		if got, want := aws.ToString(out.RuleArn), "arn:aws:events:us-east-1:"+testAccount+":rule/orders"; got != want {
			t.Errorf("RuleArn %q, want %q", got, want)
		}
		d := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("orders")})).of(t)
		if aws.ToString(d.Name) != "orders" || aws.ToString(d.Arn) != e.ruleArn("", "orders") || aws.ToString(d.EventPattern) != pat1 ||
			d.State != ebtypes.RuleStateDisabled || aws.ToString(d.Description) != "first" || aws.ToString(d.EventBusName) != "default" ||
			aws.ToString(d.CreatedBy) != testAccount || d.ScheduleExpression != nil || d.ManagedBy != nil {
			t.Errorf("DescribeRule: %+v", d)
		}
		if got := e.tags(e.ruleArn("", "orders")); !reflect.DeepEqual(got, map[string]string{"owner": "alice"}) {
			t.Errorf("rule tags %v", got)
		}
	})

	t.Run("update replaces the rule but keeps targets and tags", func(t *testing.T) {
		e.mustTargets("", "orders", sqsTarget("a", "qa"), sqsTarget("b", "qb"))
		must(e.eb.PutRule(c, &eventbridge.PutRuleInput{
			Name: aws.String("orders"), EventPattern: aws.String(pat2), State: ebtypes.RuleStateEnabled,
			Tags: []ebtypes.Tag{newTag("owner", "bob")}, // ignored on update, as AWS documents
		})).of(t)
		d := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("orders"), EventBusName: aws.String("default")})).of(t)
		if aws.ToString(d.EventPattern) != pat2 || d.State != ebtypes.RuleStateEnabled {
			t.Errorf("after update: pattern %q state %s", aws.ToString(d.EventPattern), d.State)
		}
		// "If you omit arguments in PutRule, the old values for those
		// arguments are not kept. Instead, they are replaced with null."
		if d.Description != nil {
			t.Errorf("description kept after an update without one: %q", aws.ToString(d.Description))
		}
		if ids := e.targetIDs("", "orders"); !reflect.DeepEqual(ids, []string{"a", "b"}) {
			t.Errorf("targets after update %v", ids)
		}
		if got := e.tags(e.ruleArn("", "orders")); !reflect.DeepEqual(got, map[string]string{"owner": "alice"}) {
			t.Errorf("rule tags after update %v (PutRule tags must be ignored on update)", got)
		}
	})

	t.Run("State and ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS", func(t *testing.T) {
		must(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("trail"), EventPattern: aws.String(pat1), State: ebtypes.RuleStateEnabledWithAllCloudtrailManagementEvents})).of(t)
		d := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("trail")})).of(t)
		if d.State != ebtypes.RuleStateEnabledWithAllCloudtrailManagementEvents {
			t.Errorf("state %s", d.State)
		}
		must(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("plain"), EventPattern: aws.String(pat1)})).of(t)
		if d := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("plain")})).of(t); d.State != ebtypes.RuleStateEnabled {
			t.Errorf("default state %s, want ENABLED", d.State)
		}
	})

	t.Run("schedule on the default bus", func(t *testing.T) {
		out := must(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("tick"), ScheduleExpression: aws.String("rate(5 minutes)")})).of(t)
		if aws.ToString(out.RuleArn) != e.ruleArn("", "tick") {
			t.Errorf("RuleArn %q", aws.ToString(out.RuleArn))
		}
		d := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("tick")})).of(t)
		if aws.ToString(d.ScheduleExpression) != "rate(5 minutes)" || d.EventPattern != nil {
			t.Errorf("DescribeRule: schedule %q pattern %q", aws.ToString(d.ScheduleExpression), aws.ToString(d.EventPattern))
		}
		// A rule may have both a pattern and a schedule.
		must(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("both"), EventPattern: aws.String(pat1), ScheduleExpression: aws.String("cron(0 12 * * ? *)")})).of(t)
	})

	t.Run("custom bus by name and by ARN", func(t *testing.T) {
		e.mustBus("shop")
		arn := e.mustRule("shop", "refunds", pat2)
		want := "arn:aws:events:us-east-1:" + testAccount + ":rule/shop/refunds"
		if arn != want {
			t.Errorf("RuleArn %q, want %q", arn, want)
		}
		out := must(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("refunds"), EventBusName: aws.String(e.busArn("shop")), EventPattern: aws.String(pat1)})).of(t)
		if aws.ToString(out.RuleArn) != want {
			t.Errorf("RuleArn via bus ARN %q, want %q", aws.ToString(out.RuleArn), want)
		}
		for _, bus := range []string{"shop", e.busArn("shop")} {
			d := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("refunds"), EventBusName: aws.String(bus)})).of(t)
			if aws.ToString(d.EventBusName) != "shop" || aws.ToString(d.Arn) != want || aws.ToString(d.EventPattern) != pat1 {
				t.Errorf("DescribeRule(%s): %+v", bus, d)
			}
		}
		// Same name on two buses: two rules.
		e.mustRule("", "refunds", pat2)
		if d := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("refunds")})).of(t); aws.ToString(d.EventPattern) != pat2 || aws.ToString(d.EventBusName) != "default" {
			t.Errorf("default-bus refunds: %+v", d)
		}
		if names := e.ruleNames("shop", ""); !reflect.DeepEqual(names, []string{"refunds"}) {
			t.Errorf("ListRules(shop) %v", names)
		}
	})

	t.Run("enable and disable", func(t *testing.T) {
		for _, bus := range []string{"", "shop"} {
			name := map[string]string{"": "orders", "shop": "refunds"}[bus]
			state := func() ebtypes.RuleState {
				return must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String(name), EventBusName: optStr(bus)})).of(t).State
			}
			must(e.eb.DisableRule(c, &eventbridge.DisableRuleInput{Name: aws.String(name), EventBusName: optStr(bus)})).of(t)
			if s := state(); s != ebtypes.RuleStateDisabled {
				t.Errorf("%s/%s after DisableRule: %s", bus, name, s)
			}
			must(e.eb.DisableRule(c, &eventbridge.DisableRuleInput{Name: aws.String(name), EventBusName: optStr(bus)})).of(t)
			must(e.eb.EnableRule(c, &eventbridge.EnableRuleInput{Name: aws.String(name), EventBusName: optStr(bus)})).of(t)
			if s := state(); s != ebtypes.RuleStateEnabled {
				t.Errorf("%s/%s after EnableRule: %s", bus, name, s)
			}
			// ListRules shows the state too.
			out := must(e.eb.ListRules(c, &eventbridge.ListRulesInput{EventBusName: optStr(bus), NamePrefix: aws.String(name)})).of(t)
			if len(out.Rules) != 1 || out.Rules[0].State != ebtypes.RuleStateEnabled {
				t.Errorf("ListRules %+v", out.Rules)
			}
		}
	})

	t.Run("list rules shows every field", func(t *testing.T) {
		out := must(e.eb.ListRules(c, &eventbridge.ListRulesInput{NamePrefix: aws.String("orders")})).of(t)
		if len(out.Rules) != 1 {
			t.Fatalf("ListRules(orders) %+v", out.Rules)
		}
		r := out.Rules[0]
		if aws.ToString(r.Name) != "orders" || aws.ToString(r.Arn) != e.ruleArn("", "orders") || aws.ToString(r.EventPattern) != pat2 || aws.ToString(r.EventBusName) != "default" {
			t.Errorf("listed rule %+v", r)
		}
		if names := e.ruleNames("", ""); !reflect.DeepEqual(names, []string{"both", "orders", "plain", "refunds", "tick", "trail"}) {
			t.Errorf("ListRules(default) %v", names)
		}
	})

	t.Run("delete", func(t *testing.T) {
		_, err := e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("orders")})
		wantErr(t, err, "ValidationException", "Rule can't be deleted since it has targets.")
		if _, err := e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("orders")}); err != nil {
			t.Fatalf("rule gone after a refused delete: %v", err)
		}
		rm := must(e.eb.RemoveTargets(c, &eventbridge.RemoveTargetsInput{Rule: aws.String("orders"), Ids: []string{"a", "b"}})).of(t)
		if rm.FailedEntryCount != 0 || len(rm.FailedEntries) != 0 {
			t.Errorf("RemoveTargets: %+v", rm)
		}
		must(e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("orders")})).of(t)
		_, err = e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("orders")})
		wantErr(t, err, "ResourceNotFoundException", "Rule orders does not exist on EventBus default.")
		// Deleting again, or a rule that never existed, succeeds.
		must(e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("orders")})).of(t)
		must(e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("never-existed"), EventBusName: aws.String("shop")})).of(t)
		// The rule of the same name on the custom bus is untouched.
		must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("refunds"), EventBusName: aws.String("shop")})).of(t)
		must(e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("refunds")})).of(t)
		must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("refunds"), EventBusName: aws.String("shop")})).of(t)
	})

	t.Run("delete with Force", func(t *testing.T) {
		// Force is accepted and the rule is deleted. For a rule that is
		// not a managed rule AWS ignores Force, so a rule with targets is
		// still refused: see "delete with Force a rule that is not
		// managed and has targets" in errors_test.go.
		must(e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("refunds"), EventBusName: aws.String("shop"), Force: true})).of(t)
		_, err := e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("refunds"), EventBusName: aws.String("shop")})
		wantErr(t, err, "ResourceNotFoundException", "Rule refunds does not exist on EventBus shop.")
		must(e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("refunds"), EventBusName: aws.String("shop"), Force: true})).of(t)
	})
}

func TestListRulesPagination(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("paged")
	for i := range 6 {
		e.mustRule("paged", "rule-"+strconv.Itoa(i), `{"source":["x"]}`)
	}
	e.mustRule("paged", "zz-other", `{"source":["x"]}`)

	// As recorded against AWS: Limit 3, then Limit 5 with the token.
	first := must(e.eb.ListRules(c, &eventbridge.ListRulesInput{EventBusName: aws.String("paged"), NamePrefix: aws.String("rule-"), Limit: aws.Int32(3)})).of(t)
	if len(first.Rules) != 3 || first.NextToken == nil {
		t.Fatalf("first page: %d rules, token %v", len(first.Rules), first.NextToken)
	}
	second := must(e.eb.ListRules(c, &eventbridge.ListRulesInput{EventBusName: aws.String("paged"), NamePrefix: aws.String("rule-"), Limit: aws.Int32(5), NextToken: first.NextToken})).of(t)
	if len(second.Rules) != 3 || second.NextToken != nil {
		t.Fatalf("second page: %d rules, token %v", len(second.Rules), aws.ToString(second.NextToken))
	}
	var got []string
	for _, r := range append(first.Rules, second.Rules...) {
		got = append(got, aws.ToString(r.Name))
		if aws.ToString(r.EventBusName) != "paged" || aws.ToString(r.Arn) != e.ruleArn("paged", aws.ToString(r.Name)) || r.State != ebtypes.RuleStateEnabled {
			t.Errorf("listed rule %+v", r)
		}
	}
	if want := []string{"rule-0", "rule-1", "rule-2", "rule-3", "rule-4", "rule-5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("paged rules %v, want %v", got, want)
	}
	if got := e.ruleNames("paged", ""); len(got) != 7 {
		t.Errorf("all rules %v", got)
	}
	if got := e.ruleNames("paged", "rule-4"); !reflect.DeepEqual(got, []string{"rule-4"}) {
		t.Errorf("prefix rule-4: %v", got)
	}
	if got := e.ruleNames("", ""); len(got) != 0 {
		t.Errorf("default bus rules %v", got)
	}
}

// fullTargets use the target fields a client sets for SQS, API Gateway
// and Kinesis targets (one input mode per target, as AWS requires).
func fullTargets() []ebtypes.Target {
	qarn := "arn:aws:sqs:us-east-1:" + testAccount + ":"
	return []ebtypes.Target{
		{
			Id: aws.String("transform"), Arn: aws.String(qarn + "orders.fifo"),
			RoleArn: aws.String("arn:aws:iam::" + testAccount + ":role/events"),
			InputTransformer: &ebtypes.InputTransformer{
				InputPathsMap: map[string]string{"id": "$.detail.id", "kind": "$.detail-type"},
				InputTemplate: aws.String(`{"order": <id>, "kind": "<kind>", "note": "fish & chips"}`),
			},
			RetryPolicy:      &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(4), MaximumEventAgeInSeconds: aws.Int32(600)},
			DeadLetterConfig: &ebtypes.DeadLetterConfig{Arn: aws.String(qarn + "dlq")},
			SqsParameters:    &ebtypes.SqsParameters{MessageGroupId: aws.String("group-1")},
		},
		{
			Id: aws.String("input"), Arn: aws.String(qarn + "plain"),
			Input:       aws.String(`{"fixed": true, "list": [1, 2]}`),
			RetryPolicy: &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(0)},
		},
		{
			Id: aws.String("path"), Arn: aws.String("arn:aws:execute-api:us-east-1:" + testAccount + ":api/stage/POST/orders"),
			InputPath: aws.String("$.detail"),
			HttpParameters: &ebtypes.HttpParameters{
				HeaderParameters:      map[string]string{"X-Tenant": "t1"},
				PathParameterValues:   []string{"p1"},
				QueryStringParameters: map[string]string{"q": "1"},
			},
			RetryPolicy: &ebtypes.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(86400)},
		},
		{
			Id: aws.String("kinesis"), Arn: aws.String("arn:aws:kinesis:us-east-1:" + testAccount + ":stream/s"),
			RoleArn:           aws.String("arn:aws:iam::" + testAccount + ":role/events"),
			KinesisParameters: &ebtypes.KinesisParameters{PartitionKeyPath: aws.String("$.id")},
		},
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustRule("", "r", `{"source":["app"]}`)

	t.Run("round trip of every field", func(t *testing.T) {
		sent := fullTargets()
		out := must(e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: sent})).of(t)
		if out.FailedEntryCount != 0 || len(out.FailedEntries) != 0 {
			t.Fatalf("PutTargets: %+v", out)
		}
		list := must(e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("r")})).of(t)
		got := map[string]ebtypes.Target{}
		for _, tg := range list.Targets {
			got[aws.ToString(tg.Id)] = tg
		}
		if len(got) != len(sent) {
			t.Fatalf("listed %d targets, sent %d", len(got), len(sent))
		}
		for _, want := range sent {
			if g := got[aws.ToString(want.Id)]; !reflect.DeepEqual(g, want) {
				gj, _ := json.Marshal(g)
				wj, _ := json.Marshal(want)
				t.Errorf("target %s:\n got %s\nwant %s", aws.ToString(want.Id), gj, wj)
			}
		}
	})

	t.Run("replace by id", func(t *testing.T) {
		repl := ebtypes.Target{Id: aws.String("input"), Arn: aws.String("arn:aws:sqs:us-east-1:" + testAccount + ":replaced")}
		e.mustTargets("", "r", repl)
		list := must(e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("r")})).of(t)
		if len(list.Targets) != 4 {
			t.Fatalf("%d targets after replace", len(list.Targets))
		}
		for _, tg := range list.Targets {
			if aws.ToString(tg.Id) == "input" && !reflect.DeepEqual(tg, repl) {
				// The target is replaced as a whole: the old Input and
				// RetryPolicy are gone.
				t.Errorf("replaced target %+v, want %+v", tg, repl)
			}
		}
	})

	t.Run("at most five targets", func(t *testing.T) {
		e.mustTargets("", "r", sqsTarget("fifth", "q5"))
		_, err := e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String("r"), Targets: []ebtypes.Target{sqsTarget("sixth", "q6")}}, noRetry)
		wantErr(t, err, "LimitExceededException", "The requested resource exceeds the maximum number allowed.")
		if ids := e.targetIDs("", "r"); len(ids) != 5 || slices.Contains(ids, "sixth") {
			t.Errorf("targets after refused PutTargets %v", ids)
		}
		// Replacing one of the five is fine.
		e.mustTargets("", "r", sqsTarget("fifth", "q5b"))
	})

	t.Run("pagination", func(t *testing.T) {
		first := must(e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("r"), Limit: aws.Int32(3)})).of(t)
		if len(first.Targets) != 3 || first.NextToken == nil {
			t.Fatalf("first page %d targets, token %v", len(first.Targets), first.NextToken)
		}
		second := must(e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("r"), NextToken: first.NextToken})).of(t)
		if len(second.Targets) != 2 || second.NextToken != nil {
			t.Fatalf("second page %d targets, token %v", len(second.Targets), aws.ToString(second.NextToken))
		}
		var ids []string
		for _, tg := range append(first.Targets, second.Targets...) {
			ids = append(ids, aws.ToString(tg.Id))
		}
		sort.Strings(ids)
		if want := []string{"fifth", "input", "kinesis", "path", "transform"}; !reflect.DeepEqual(ids, want) {
			t.Errorf("paged targets %v, want %v", ids, want)
		}
	})

	t.Run("remove", func(t *testing.T) {
		out := must(e.eb.RemoveTargets(c, &eventbridge.RemoveTargetsInput{Rule: aws.String("r"), Ids: []string{"kinesis", "path"}})).of(t)
		if out.FailedEntryCount != 0 || len(out.FailedEntries) != 0 {
			t.Errorf("RemoveTargets %+v", out)
		}
		if ids := e.targetIDs("", "r"); !reflect.DeepEqual(ids, []string{"fifth", "input", "transform"}) {
			t.Errorf("targets after remove %v", ids)
		}
	})

	t.Run("custom bus", func(t *testing.T) {
		e.mustBus("b")
		e.mustRule("b", "r", `{"source":["app"]}`)
		e.mustTargets(e.busArn("b"), "r", sqsTarget("one", "q1"), sqsTarget("two", "q2"))
		if ids := e.targetIDs("b", "r"); !reflect.DeepEqual(ids, []string{"one", "two"}) {
			t.Errorf("targets on b/r %v", ids)
		}
		must(e.eb.RemoveTargets(c, &eventbridge.RemoveTargetsInput{Rule: aws.String("r"), EventBusName: aws.String("b"), Ids: []string{"one"}})).of(t)
		if ids := e.targetIDs("b", "r"); !reflect.DeepEqual(ids, []string{"two"}) {
			t.Errorf("targets on b/r after remove %v", ids)
		}
		// The rule of the same name on the default bus is untouched.
		if ids := e.targetIDs("", "r"); len(ids) != 3 {
			t.Errorf("default-bus targets %v", ids)
		}
	})
}

func TestListRuleNamesByTarget(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	shared := sqsTarget("shared", "shared-q")
	for _, name := range []string{"c-rule", "a-rule", "b-rule", "d-rule"} {
		e.mustRule("", name, `{"source":["app"]}`)
	}
	e.mustTargets("", "a-rule", shared)
	e.mustTargets("", "b-rule", sqsTarget("x", "other"), ebtypes.Target{Id: aws.String("y"), Arn: shared.Arn})
	e.mustTargets("", "c-rule", shared)
	e.mustTargets("", "d-rule", sqsTarget("x", "other"))
	e.mustBus("side")
	e.mustRule("side", "side-rule", `{"source":["app"]}`)
	e.mustTargets("side", "side-rule", shared)

	out := must(e.eb.ListRuleNamesByTarget(c, &eventbridge.ListRuleNamesByTargetInput{TargetArn: shared.Arn})).of(t)
	if !reflect.DeepEqual(out.RuleNames, []string{"a-rule", "b-rule", "c-rule"}) || out.NextToken != nil {
		t.Errorf("default bus: %v (token %v)", out.RuleNames, out.NextToken)
	}
	out = must(e.eb.ListRuleNamesByTarget(c, &eventbridge.ListRuleNamesByTargetInput{TargetArn: shared.Arn, EventBusName: aws.String("side")})).of(t)
	if !reflect.DeepEqual(out.RuleNames, []string{"side-rule"}) {
		t.Errorf("side bus: %v", out.RuleNames)
	}
	var names []string
	var token *string
	pages := 0
	for {
		out := must(e.eb.ListRuleNamesByTarget(c, &eventbridge.ListRuleNamesByTargetInput{TargetArn: shared.Arn, Limit: aws.Int32(2), NextToken: token})).of(t)
		pages++
		names = append(names, out.RuleNames...)
		if token = out.NextToken; token == nil || pages > 5 {
			break
		}
	}
	if pages != 2 || !reflect.DeepEqual(names, []string{"a-rule", "b-rule", "c-rule"}) {
		t.Errorf("paged by 2: %v in %d pages", names, pages)
	}
	out = must(e.eb.ListRuleNamesByTarget(c, &eventbridge.ListRuleNamesByTargetInput{TargetArn: aws.String("arn:aws:sqs:us-east-1:" + testAccount + ":unused")})).of(t)
	if len(out.RuleNames) != 0 {
		t.Errorf("unused target: %v", out.RuleNames)
	}
}

func TestTestEventPattern(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	event := `{"id":"1","source":"shop.orders","detail-type":"Order Placed","account":"123456789012","region":"us-east-1","time":"2024-01-01T00:00:00Z","resources":[],"detail":{"total":250,"items":["a","b"]}}`
	cases := []struct {
		name, pattern string
		want          bool
	}{
		{"source", `{"source":["shop.orders"]}`, true},
		{"numeric", `{"detail":{"total":[{"numeric":[">",100]}]}}`, true},
		{"array element", `{"detail":{"items":["b"]}}`, true},
		{"prefix", `{"detail-type":[{"prefix":"Order"}]}`, true},
		{"other source", `{"source":["shop.returns"]}`, false},
		{"numeric below", `{"detail":{"total":[{"numeric":["<",100]}]}}`, false},
		{"missing field", `{"detail":{"customer":[{"exists":true}]}}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := must(e.eb.TestEventPattern(c, &eventbridge.TestEventPatternInput{EventPattern: aws.String(tc.pattern), Event: aws.String(event)})).of(t)
			if out.Result != tc.want {
				t.Errorf("TestEventPattern(%s) = %v, want %v", tc.pattern, out.Result, tc.want)
			}
		})
	}
}

func TestTagsOnBusesAndRules(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("tagged")
	e.mustBus("team.bus")
	resources := map[string]string{
		"custom bus":           e.busArn("tagged"),
		"default bus":          e.busArn("default"),
		"rule on default bus":  e.mustRule("", "tagged-rule", `{"source":["a"]}`),
		"rule on custom bus":   e.mustRule("tagged", "tagged-rule", `{"source":["a"]}`),
		"rule on bus with '.'": e.mustRule("team.bus", "r.1", `{"source":["a"]}`),
	}
	for what, arn := range resources {
		t.Run(what, func(t *testing.T) {
			if got := e.tags(arn); len(got) != 0 {
				t.Errorf("new resource has tags %v", got)
			}
			must(e.eb.TagResource(c, &eventbridge.TagResourceInput{ResourceARN: aws.String(arn), Tags: []ebtypes.Tag{newTag("tag1", "value1"), newTag("tag2", "value2")}})).of(t)
			if got, want := e.tags(arn), map[string]string{"tag1": "value1", "tag2": "value2"}; !reflect.DeepEqual(got, want) {
				t.Errorf("after TagResource %v, want %v", got, want)
			}
			// Tagging an existing key replaces its value.
			must(e.eb.TagResource(c, &eventbridge.TagResourceInput{ResourceARN: aws.String(arn), Tags: []ebtypes.Tag{newTag("tag1", "new"), newTag("tag3", "")}})).of(t)
			if got, want := e.tags(arn), map[string]string{"tag1": "new", "tag2": "value2", "tag3": ""}; !reflect.DeepEqual(got, want) {
				t.Errorf("after second TagResource %v, want %v", got, want)
			}
			must(e.eb.UntagResource(c, &eventbridge.UntagResourceInput{ResourceARN: aws.String(arn), TagKeys: []string{"tag2", "not-there"}})).of(t)
			if got, want := e.tags(arn), map[string]string{"tag1": "new", "tag3": ""}; !reflect.DeepEqual(got, want) {
				t.Errorf("after UntagResource %v, want %v", got, want)
			}
		})
	}
	// Tags of one resource do not leak into another.
	if got := e.tags(e.ruleArn("", "tagged-rule")); len(got) != 2 {
		t.Errorf("default-bus rule tags %v", got)
	}
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("shared")
	type statement struct {
		Sid       string
		Effect    string
		Principal any
		Action    string
		Resource  string
		Condition map[string]map[string]string
	}
	type policy struct {
		Version   string
		Statement []statement
	}
	policyOf := func(t *testing.T, bus string) *policy {
		t.Helper()
		d := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: optStr(bus)})).of(t)
		if d.Policy == nil {
			return nil
		}
		var p policy
		if err := json.Unmarshal([]byte(*d.Policy), &p); err != nil {
			t.Fatalf("Policy is not a JSON document: %v\n%s", err, *d.Policy)
		}
		return &p
	}
	for _, bus := range []string{"", "shared"} {
		name := bus
		if name == "" {
			name = "default"
		}
		t.Run(name, func(t *testing.T) {
			if p := policyOf(t, bus); p != nil {
				t.Fatalf("new bus has a policy %+v", p)
			}
			must(e.eb.PutPermission(c, &eventbridge.PutPermissionInput{EventBusName: optStr(bus), Action: aws.String("events:PutEvents"), Principal: aws.String(otherAccount), StatementId: aws.String("allow-other")})).of(t)
			must(e.eb.PutPermission(c, &eventbridge.PutPermissionInput{EventBusName: optStr(bus), Action: aws.String("events:PutEvents"), Principal: aws.String("*"), StatementId: aws.String("allow-org"),
				Condition: &ebtypes.Condition{Type: aws.String("StringEquals"), Key: aws.String("aws:PrincipalOrgID"), Value: aws.String("o-1234567890")}})).of(t)
			resource := e.busArn(name)
			want := &policy{Version: "2012-10-17", Statement: []statement{
				{Sid: "allow-other", Effect: "Allow", Principal: map[string]any{"AWS": "arn:aws:iam::" + otherAccount + ":root"}, Action: "events:PutEvents", Resource: resource},
				{Sid: "allow-org", Effect: "Allow", Principal: "*", Action: "events:PutEvents", Resource: resource,
					Condition: map[string]map[string]string{"StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}}},
			}}
			if got := policyOf(t, bus); !reflect.DeepEqual(got, want) {
				t.Errorf("policy\n got %+v\nwant %+v", got, want)
			}
			// The same statement id again replaces the statement.
			must(e.eb.PutPermission(c, &eventbridge.PutPermissionInput{EventBusName: optStr(bus), Action: aws.String("events:PutEvents"), Principal: aws.String("222222222222"), StatementId: aws.String("allow-other")})).of(t)
			if got := policyOf(t, bus); got == nil || len(got.Statement) != 2 {
				t.Errorf("after replacing a statement: %+v", got)
			}
			must(e.eb.RemovePermission(c, &eventbridge.RemovePermissionInput{EventBusName: optStr(bus), StatementId: aws.String("allow-org")})).of(t)
			got := policyOf(t, bus)
			if got == nil || len(got.Statement) != 1 || got.Statement[0].Sid != "allow-other" ||
				!reflect.DeepEqual(got.Statement[0].Principal, map[string]any{"AWS": "arn:aws:iam::222222222222:root"}) {
				t.Errorf("after RemovePermission: %+v", got)
			}
			must(e.eb.RemovePermission(c, &eventbridge.RemovePermissionInput{EventBusName: optStr(bus), RemoveAllPermissions: true})).of(t)
			if got := policyOf(t, bus); got != nil {
				t.Errorf("after RemoveAllPermissions: %+v", got)
			}
			// A whole policy document replaces the policy.
			doc := `{"Version":"2012-10-17","Statement":[{"Sid":"svc","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"events:ListRules","Resource":"*"}]}`
			must(e.eb.PutPermission(c, &eventbridge.PutPermissionInput{EventBusName: optStr(bus), Policy: aws.String(doc)})).of(t)
			d := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: optStr(bus)})).of(t)
			var gotDoc, wantDoc any
			_ = json.Unmarshal([]byte(aws.ToString(d.Policy)), &gotDoc)
			_ = json.Unmarshal([]byte(doc), &wantDoc)
			if !reflect.DeepEqual(gotDoc, wantDoc) {
				t.Errorf("policy document\n got %s\nwant %s", aws.ToString(d.Policy), doc)
			}
			// ListEventBuses shows the policy too.
			out := must(e.eb.ListEventBuses(c, &eventbridge.ListEventBusesInput{NamePrefix: aws.String(name)})).of(t)
			if len(out.EventBuses) != 1 || aws.ToString(out.EventBuses[0].Policy) != aws.ToString(d.Policy) {
				t.Errorf("ListEventBuses policy %+v", out.EventBuses)
			}
		})
	}
}

// State written through the API survives a graceful restart on the same
// data directory.
func TestStateSurvivesRestart(t *testing.T) {
	t.Parallel()
	n := startNode(t)
	e := n.env(testAccount, "us-east-1")
	c := ctx(t)
	e.mustBus("durable", newTag("env", "prod"))
	must(e.eb.UpdateEventBus(c, &eventbridge.UpdateEventBusInput{Name: aws.String("durable"), Description: aws.String("kept")})).of(t)
	must(e.eb.PutRule(c, &eventbridge.PutRuleInput{
		Name: aws.String("r"), EventBusName: aws.String("durable"), EventPattern: aws.String(`{"source":["app"]}`),
		Description: aws.String("desc"), State: ebtypes.RuleStateDisabled, Tags: []ebtypes.Tag{newTag("rule-tag", "v")},
	})).of(t)
	targets := fullTargets()
	e.mustTargets("durable", "r", targets...)
	must(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("tick"), ScheduleExpression: aws.String("rate(1 hour)")})).of(t)
	must(e.eb.PutPermission(c, &eventbridge.PutPermissionInput{EventBusName: aws.String("durable"), Action: aws.String("events:PutEvents"), Principal: aws.String(otherAccount), StatementId: aws.String("s1")})).of(t)
	o := n.env(otherAccount, "us-east-1")
	o.mustBus("other-account-bus")
	// A rule that routes to a queue: after the restart, events must still
	// be matched (the rule index is rebuilt from the stored catalog).
	queueURL, queueArn := e.queue("after-restart")
	e.mustRule("durable", "live", `{"source":["app.orders"]}`)
	e.mustTargets("durable", "live", ebtypes.Target{Id: aws.String("q"), Arn: aws.String(queueArn)})
	before := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("durable")})).of(t)

	n.restart()
	e = n.env(testAccount, "us-east-1")
	c = ctx(t)

	d := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("durable")})).of(t)
	if aws.ToString(d.Description) != "kept" || aws.ToString(d.Policy) != aws.ToString(before.Policy) || !d.CreationTime.Equal(*before.CreationTime) {
		t.Errorf("bus after restart: %+v", d)
	}
	if got := e.tags(e.busArn("durable")); !reflect.DeepEqual(got, map[string]string{"env": "prod"}) {
		t.Errorf("bus tags after restart %v", got)
	}
	r := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("durable")})).of(t)
	if r.State != ebtypes.RuleStateDisabled || aws.ToString(r.Description) != "desc" || aws.ToString(r.EventPattern) != `{"source":["app"]}` {
		t.Errorf("rule after restart: %+v", r)
	}
	if got := e.tags(e.ruleArn("durable", "r")); !reflect.DeepEqual(got, map[string]string{"rule-tag": "v"}) {
		t.Errorf("rule tags after restart %v", got)
	}
	list := must(e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("r"), EventBusName: aws.String("durable")})).of(t)
	got := map[string]ebtypes.Target{}
	for _, tg := range list.Targets {
		got[aws.ToString(tg.Id)] = tg
	}
	for _, want := range targets {
		if !reflect.DeepEqual(got[aws.ToString(want.Id)], want) {
			t.Errorf("target %s after restart: %+v", aws.ToString(want.Id), got[aws.ToString(want.Id)])
		}
	}
	if s := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("tick")})).of(t); aws.ToString(s.ScheduleExpression) != "rate(1 hour)" {
		t.Errorf("scheduled rule after restart %+v", s)
	}
	put := must(e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{validEntry("durable")}})).of(t)
	if put.FailedEntryCount != 0 {
		t.Fatalf("PutEvents after restart %+v", put.Entries)
	}
	if got := e.receive(queueURL, 1, 10*time.Second); len(got) != 1 || !strings.Contains(got[0], aws.ToString(put.Entries[0].EventId)) {
		t.Errorf("event after restart: received %v", got)
	}
	if names := e.busNames(""); !reflect.DeepEqual(names, []string{"default", "durable"}) {
		t.Errorf("buses after restart %v", names)
	}
	if names := n.env(otherAccount, "us-east-1").busNames(""); !slices.Contains(names, "other-account-bus") {
		t.Errorf("other account's buses after restart %v", names)
	}
	// The restarted server still accepts writes.
	must(e.eb.EnableRule(c, &eventbridge.EnableRuleInput{Name: aws.String("r"), EventBusName: aws.String("durable")})).of(t)
	if r := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("durable")})).of(t); r.State != ebtypes.RuleStateEnabled {
		t.Errorf("EnableRule after restart: %s", r.State)
	}
}

// Accounts (the access key id names the account) and regions each have
// their own buses, rules and default bus.
func TestAccountsAndRegionsAreSeparate(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	other := e.as(otherAccount, "us-east-1")
	region := e.as(testAccount, otherRegion)

	e.mustBus("shared-name", newTag("owner", "main"))
	e.mustRule("shared-name", "rule", `{"source":["main"]}`)
	e.mustRule("", "default-rule", `{"source":["main"]}`)
	e.mustTargets("", "default-rule", sqsTarget("t", "q"))

	for who, x := range map[string]*env{"other account": other, "other region": region} {
		t.Run(who, func(t *testing.T) {
			if names := x.busNames(""); !reflect.DeepEqual(names, []string{"default"}) {
				t.Errorf("ListEventBuses %v, want only default", names)
			}
			_, err := x.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("shared-name")})
			wantErr(t, err, "ResourceNotFoundException", "Event bus shared-name does not exist.")
			_, err = x.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("default-rule")})
			wantErr(t, err, "ResourceNotFoundException", "Rule default-rule does not exist on EventBus default.")
			if names := x.ruleNames("", ""); len(names) != 0 {
				t.Errorf("ListRules(default) %v", names)
			}
			d := must(x.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{})).of(t)
			if aws.ToString(d.Arn) != x.busArn("default") {
				t.Errorf("default bus ARN %q, want %q", aws.ToString(d.Arn), x.busArn("default"))
			}
			// The same names can be used independently.
			if arn := x.mustBus("shared-name"); arn != x.busArn("shared-name") {
				t.Errorf("EventBusArn %q, want %q", arn, x.busArn("shared-name"))
			}
			if arn := x.mustRule("shared-name", "rule", `{"source":["`+who+`"]}`); arn != x.ruleArn("shared-name", "rule") {
				t.Errorf("RuleArn %q, want %q", arn, x.ruleArn("shared-name", "rule"))
			}
			if got := x.tags(x.busArn("shared-name")); len(got) != 0 {
				t.Errorf("tags of %s's own bus %v", who, got)
			}
			must(x.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("shared-name")})).of(t)
		})
	}
	// The first account's resources are untouched.
	r := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("rule"), EventBusName: aws.String("shared-name")})).of(t)
	if aws.ToString(r.EventPattern) != `{"source":["main"]}` || aws.ToString(r.Arn) != e.ruleArn("shared-name", "rule") {
		t.Errorf("main account rule %+v", r)
	}
	if got := e.tags(e.busArn("shared-name")); !reflect.DeepEqual(got, map[string]string{"owner": "main"}) {
		t.Errorf("main account tags %v", got)
	}
	if ids := e.targetIDs("", "default-rule"); !reflect.DeepEqual(ids, []string{"t"}) {
		t.Errorf("main account targets %v", ids)
	}

	t.Run("an ARN of another account's bus is not the caller's bus", func(t *testing.T) {
		other.mustBus("shared-name")
		defer func() {
			must(other.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("shared-name")})).of(t)
		}()
		d, err := other.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String(e.busArn("shared-name"))})
		if err == nil && aws.ToString(d.Arn) != e.busArn("shared-name") {
			t.Errorf("DescribeEventBus(%s) answered bus %s", e.busArn("shared-name"), aws.ToString(d.Arn))
		}
		r, err := other.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("cross"), EventBusName: aws.String(e.busArn("shared-name")), EventPattern: aws.String(`{"source":["x"]}`)})
		if err == nil && aws.ToString(r.RuleArn) != e.ruleArn("shared-name", "cross") {
			t.Errorf("PutRule on %s created %s", e.busArn("shared-name"), aws.ToString(r.RuleArn))
		}
		d, err = region.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String(e.busArn("default"))})
		if err == nil && aws.ToString(d.Arn) != e.busArn("default") {
			t.Errorf("DescribeEventBus(%s) from %s answered bus %s", e.busArn("default"), otherRegion, aws.ToString(d.Arn))
		}
	})

	t.Run("tag operations stay in the caller's account", func(t *testing.T) {
		_, err := other.eb.ListTagsForResource(c, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(e.busArn("shared-name"))})
		if err == nil {
			t.Errorf("another account listed this account's bus tags")
		}
		_, err = other.eb.TagResource(c, &eventbridge.TagResourceInput{ResourceARN: aws.String(e.busArn("shared-name")), Tags: []ebtypes.Tag{newTag("owner", "intruder")}})
		if err == nil {
			t.Errorf("another account tagged this account's bus")
		}
		if got := e.tags(e.busArn("shared-name")); !reflect.DeepEqual(got, map[string]string{"owner": "main"}) {
			t.Errorf("tags changed by another account: %v", got)
		}
	})
}
