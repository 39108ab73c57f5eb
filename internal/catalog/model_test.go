package catalog

import (
	"encoding/base64"
	"errors"
	"testing"

	"github.com/switchyard/switchyard/internal/awsproto"
)

func TestRuleOfArn(t *testing.T) {
	for _, tc := range []struct {
		arn       string
		bus, name string
		ok        bool
	}{
		{"arn:aws:events:us-east-1:123456789012:rule/r1", DefaultBus, "r1", true},
		{"arn:aws:events:us-east-1:123456789012:rule/orders/r1", "orders", "r1", true},
		// A partner bus name holds slashes: the rule is after the last.
		{"arn:aws:events:us-east-1:123456789012:rule/aws.partner/example.com/123/orders/r1", "aws.partner/example.com/123/orders", "r1", true},
		{"arn:aws:events:us-east-1:123456789012:rule/default/r1", DefaultBus, "r1", true},
		{"arn:aws:events:us-east-1:123456789012:rule/orders/", "", "", false},
		{"arn:aws:events:us-east-1:123456789012:rule//r1", "", "", false},
		{"arn:aws:events:us-east-1:123456789012:rule/", "", "", false},
		{"arn:aws:events:us-east-1:123456789012:rule", "", "", false},
		{"arn:aws:events:us-east-1:123456789012:event-bus/orders", "", "", false},
		{"arn:aws:sqs:us-east-1:123456789012:rule/r1", "", "", false},
		{"rule/r1", "", "", false},
		{"", "", "", false},
	} {
		s, bus, name, ok := RuleOfArn(tc.arn)
		if ok != tc.ok || (ok && (bus != tc.bus || name != tc.name || s != scope)) {
			t.Errorf("RuleOfArn(%q) = %v %q %q %v, want %q %q %v", tc.arn, s, bus, name, ok, tc.bus, tc.name, tc.ok)
		}
		if ok && tc.bus != DefaultBus {
			if back := RuleArn(s, bus, name); back != tc.arn {
				t.Errorf("RuleArn(RuleOfArn(%q)) = %q", tc.arn, back)
			}
		}
	}
	// Rules of the default bus have ARNs without the bus.
	if got, want := RuleArn(scope, DefaultBus, "r1"), "arn:aws:events:us-east-1:123456789012:rule/r1"; got != want {
		t.Errorf("RuleArn on the default bus = %q, want %q", got, want)
	}
	if got, want := BusArn(other, "orders"), "arn:aws:events:eu-west-1:123456789012:event-bus/orders"; got != want {
		t.Errorf("BusArn = %q, want %q", got, want)
	}
}

func TestBusRef(t *testing.T) {
	const crossRegion = "ValidationException: Cross-region api call is not allowed."
	for _, tc := range []struct {
		in, want, err string
	}{
		{"", DefaultBus, ""},
		{"orders", "orders", ""},
		{"default", DefaultBus, ""},
		{"arn:aws:events:us-east-1:123456789012:event-bus/orders", "orders", ""},
		{"arn:aws:events:us-east-1:123456789012:event-bus/aws.partner/example.com/1/b", "aws.partner/example.com/1/b", ""},
		{"arn:aws:events:eu-west-1:123456789012:event-bus/orders", "", crossRegion},
		// Another region is reported before another account.
		{"arn:aws:events:eu-west-1:210987654321:event-bus/orders", "", crossRegion},
		{"arn:aws:events:us-east-1:210987654321:event-bus/orders", "", "AccessDeniedException: User: arn:aws:iam::123456789012:root is not authorized to perform: events:PutRule on resource: arn:aws:events:us-east-1:210987654321:event-bus/orders because no resource-based policy allows the events:PutRule action"},
		// ARNs that name no bus are left for the lookup to report as a
		// bus that does not exist.
		{"arn:aws:events:us-east-1:123456789012:rule/r1", "arn:aws:events:us-east-1:123456789012:rule/r1", ""},
		{"arn:aws:events:eu-west-1:123456789012:rule/r1", "arn:aws:events:eu-west-1:123456789012:rule/r1", ""},
		{"arn:aws:sqs:us-east-1:123456789012:event-bus/orders", "arn:aws:sqs:us-east-1:123456789012:event-bus/orders", ""},
		{"arn:aws:events:us-east-1:123456789012:event-busy/orders", "arn:aws:events:us-east-1:123456789012:event-busy/orders", ""},
		{"arn:nonsense", "arn:nonsense", ""},
	} {
		got, err := BusRef(scope, tc.in, "PutRule")
		var msg string
		if err != nil {
			var ae *awsproto.Error
			if !errors.As(err, &ae) {
				t.Errorf("BusRef(%q): error %v is not an AWS error", tc.in, err)
				continue
			}
			msg = ae.Code + ": " + ae.Message
		}
		if got != tc.want || msg != tc.err {
			t.Errorf("BusRef(%q) = %q, %q; want %q, %q", tc.in, got, msg, tc.want, tc.err)
		}
	}
}

// Buses and rules stay under the keys existing data directories hold.
func TestKeys(t *testing.T) {
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	if got, want := busKey(scope, "a.b/c"), "bus.123456789012.us-east-1."+b64("a.b/c"); got != want {
		t.Errorf("bus key %q, want %q", got, want)
	}
	if got, want := ruleKey(scope, "orders", "r.1"), "rule.123456789012.us-east-1."+b64("orders")+"."+b64("r.1"); got != want {
		t.Errorf("rule key %q, want %q", got, want)
	}
	kind, s, names, err := parseKey(ruleKey(other, "orders", "r.1"))
	if err != nil || kind != "rule" || s != other || len(names) != 2 || names[0] != "orders" || names[1] != "r.1" {
		t.Errorf("parseKey: %q %v %q %v", kind, s, names, err)
	}
}
