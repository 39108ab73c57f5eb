package e2e

// End-to-end tests of the errors the EventBridge API answers, asserted
// through smithy-go's APIError (ErrorCode and ErrorMessage). Where AWS's
// answer was recorded (error samples taken against AWS, among them the
// AWS-validated LocalStack snapshots) the
// message is asserted exactly.

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/smithy-go"
)

// notFoundBus and notFoundRule are AWS's ResourceNotFoundException texts.
func notFoundBus(name string) string { return "Event bus " + name + " does not exist." }

func notFoundRule(rule, bus string) string {
	return "Rule " + rule + " does not exist on EventBus " + bus + "."
}

func validation1(value, path, constraint string) string {
	return "1 validation error detected: Value '" + value + "' at '" + path + "' failed to satisfy constraint: " + constraint
}

const (
	busNamePattern     = `Member must satisfy regular expression pattern: [/\.\-_A-Za-z0-9]+`
	ruleNamePattern    = `Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`
	busNameOrArnEntry  = `Member must satisfy regular expression pattern: (arn:aws[\w-]*:events:[a-z]+-[a-z]+-[\w-]+:[0-9]{12}:event-bus\/)?[\.\-_A-Za-z0-9]+`
	limitExceeded      = "The requested resource exceeds the maximum number allowed."
	scheduleNotValid   = "Parameter ScheduleExpression is not valid."
	eventNotValid      = "Parameter Event is not valid."
	cannotDeleteTarget = "Rule can't be deleted since it has targets."
)

func TestEventBusErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("dup")
	long := strings.Repeat("b", 257)
	cases := []struct {
		name      string
		call      func() error
		code, msg string
	}{
		{"create duplicate", func() error {
			_, err := e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("dup")})
			return err
		}, "ResourceAlreadyExistsException", "Event bus dup already exists."},
		{"create default", func() error {
			_, err := e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("default")})
			return err
		}, "ResourceAlreadyExistsException", "Event bus default already exists."},
		{"create with invalid characters", func() error {
			_, err := e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("bad name!")})
			return err
		}, "ValidationException", validation1("bad name!", "name", busNamePattern)},
		{"create with a name too long", func() error {
			_, err := e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String(long)})
			return err
		}, "ValidationException", validation1(long, "name", "Member must have length less than or equal to 256")},
		{"create with a description too long", func() error {
			_, err := e.eb.CreateEventBus(c, &eventbridge.CreateEventBusInput{Name: aws.String("ok"), Description: aws.String(strings.Repeat("d", 513))})
			return err
		}, "ValidationException", validation1(strings.Repeat("d", 513), "description", "Member must have length less than or equal to 512")},
		{"delete default", func() error {
			_, err := e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("default")})
			return err
		}, "ValidationException", "Cannot delete event bus default."},
		{"describe missing", func() error {
			_, err := e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("nope")})
			return err
		}, "ResourceNotFoundException", notFoundBus("nope")},
		{"describe missing by ARN", func() error {
			_, err := e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String(e.busArn("nope"))})
			return err
		}, "ResourceNotFoundException", notFoundBus("nope")},
		{"update missing", func() error {
			_, err := e.eb.UpdateEventBus(c, &eventbridge.UpdateEventBusInput{Name: aws.String("nope"), Description: aws.String("x")})
			return err
		}, "ResourceNotFoundException", notFoundBus("nope")},
		{"list with Limit 0", func() error {
			_, err := e.eb.ListEventBuses(c, &eventbridge.ListEventBusesInput{Limit: aws.Int32(0)})
			return err
		}, "ValidationException", validation1("0", "limit", "Member must have value greater than or equal to 1")},
		{"list with Limit 101", func() error {
			_, err := e.eb.ListEventBuses(c, &eventbridge.ListEventBusesInput{Limit: aws.Int32(101)})
			return err
		}, "ValidationException", validation1("101", "limit", "Member must have value less than or equal to 100")},
		{"list with a forged NextToken", func() error {
			_, err := e.eb.ListEventBuses(c, &eventbridge.ListEventBusesInput{NextToken: aws.String("!!not-a-token!!")})
			return err
		}, "ValidationException", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if tc.msg == "" {
				wantCode(t, err, tc.code)
			} else {
				wantErr(t, err, tc.code, tc.msg)
			}
		})
	}
	// Nothing was created by the refused calls.
	if names := e.busNames(""); len(names) != 2 {
		t.Errorf("buses after refused calls: %v", names)
	}
}

// invalidPatterns are AWS's recorded InvalidEventPatternException answers
// with the patterns that produced them. msg is the message as
// aws-error-samples.txt records it (its first line); raw, when known, is
// the whole message AWS sent (LocalStack's AWS-validated snapshot
// test_events_patterns.snapshot.json, "MessageRaw"), whose second line
// locates the problem in the pattern as Jackson does.
var invalidPatterns = []patternCase{
	{name: "int_nolist", pattern: `{"int": 42}`, msg: `Event pattern is not valid. Reason: "int" must be an object or an array`, raw: jacksonAt(11)},
	{name: "string_nolist", pattern: `{"string": "my-value"}`, msg: `Event pattern is not valid. Reason: "string" must be an object or an array`, raw: jacksonAt(13)},
	{name: "arrays_empty", pattern: `{"resources": []}`, msg: `Event pattern is not valid. Reason: Empty arrays are not allowed`, raw: jacksonAt(17)},
	{name: "content_numeric_operatorcasing", pattern: `{"detail": {"equal": [{"NUMERIC": ["=", 5]}]}}`, msg: `Event pattern is not valid. Reason: Unrecognized match type NUMERIC`, raw: jacksonAt(36)},
	{name: "operator_case_sensitive", pattern: `{"my_key": [{"EXISTS": true}]}`, msg: `Event pattern is not valid. Reason: Unrecognized match type EXISTS`, raw: jacksonAt(28)},
	{name: "content_numeric", pattern: `{"detail": {"c-count": [{"numeric": [">", 0, ">", 0]}]}}`, msg: `Event pattern is not valid. Reason: Bad numeric range operator: >`, raw: jacksonAt(49)},
	{name: "content_numeric_syntax", pattern: `{"detail": {"c-count": [{"numeric": [">", 0, "<"]}]}}`, msg: `Event pattern is not valid. Reason: Value of < must be numeric`, raw: jacksonAt(50)},
	{name: "content_numeric_number", pattern: `{"detail": {"c-count": [{"numeric": 10}]}}`, msg: `Event pattern is not valid. Reason: Value of numeric must be an array.`},
	{name: "content_wildcard_complex", pattern: `{"EventBusArn": [{"wildcard": "*:*:*:*:*:event-bus/*"}]}`, msg: `Event pattern is not valid. Reason: Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character`, raw: "="},
	{name: "content_wildcard_repeating_star", pattern: `{"EventBusArn": [{"wildcard": "arn:aws:events:us-east-1:**:event-bus/*"}]}`, msg: `Event pattern is not valid. Reason: Consecutive wildcard characters at pos 26`, raw: jacksonAt(72)},
	{name: "content_wildcard_int", pattern: `{"EventBusArn": [{"wildcard": 123}]}`, msg: `Event pattern is not valid. Reason: wildcard match pattern must be a string`, raw: jacksonAt(34)},
	{name: "content_ignorecase", pattern: `{"detail-type": [{"equals-ignore-case": ["ec2 instance state-change notification"]}]}`, msg: `Event pattern is not valid. Reason: equals-ignore-case match pattern must be a string`, raw: jacksonAt(42)},
	{name: "content_ip_address", pattern: `{"detail": {"sourceIPAddress": [{"cidr": "bad-filter"}]}}`, msg: `Event pattern is not valid. Reason: Malformed CIDR, one '/' required`, raw: "="},
	{name: "content_ip_address_bad_mask", pattern: `{"detail": {"sourceIPAddress": [{"cidr": "bad-/64filter"}]}}`, msg: `Event pattern is not valid. Reason: Malformed CIDR, mask bits must be an integer`, raw: "="},
	{name: "content_ip_address_bad_ip", pattern: `{"detail": {"sourceIPAddress": [{"cidr": "xx.11.xx/8"}]}}`, msg: `Event pattern is not valid. Reason: Nonstandard IP address: xx.11.xx`, raw: "="},
	{name: "content_ip_address_v6_bad_ip", pattern: `{"detail": {"sourceIPAddress": [{"cidr": "xxxx:db8:1234:1a00::/64"}]}}`, msg: `Event pattern is not valid. Reason: Nonstandard IP address: xxxx:db8:1234:1a00::`, raw: "="},
	{name: "content_anything_but_ignorecase", pattern: `{"detail": {"state": [{"anything-but": {"equals-ignore-case": 123}}]}}`, msg: `Event pattern is not valid. Reason: Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.`, raw: jacksonAt(66)},
	{name: "content_anything_suffix_list_type", pattern: `{"detail": {"FileName": [{"anything-but": {"suffix": [123, ".txt"]}}]}}`, msg: `Event pattern is not valid. Reason: prefix/suffix match pattern must be a string`, raw: jacksonAt(58) + jacksonAt(58)},
	{name: "content_prefix_list", pattern: `{"time": [{"prefix": ["2022-07-13"]}]}`, msg: `Event pattern is not valid. Reason: prefix match pattern must be a string`, raw: jacksonAt(23)},
	{name: "content_suffix_int", pattern: `{"FileName": [{"suffix": 123}]}`, msg: `Event pattern is not valid. Reason: suffix match pattern must be a string`, raw: jacksonAt(29)},
	{name: "content_anything_prefix_ignorecase", pattern: `{"detail": {"FileName": [{"anything-but": {"prefix": {"equals-ignore-case": "file"}}}]}}`, msg: `Event pattern is not valid. Reason: Value of anything-but must be an array or single string/number value.`, raw: jacksonAt(55)},
	{name: "content_anything_prefix_empty", pattern: `{"detail": {"FileName": [{"anything-but": {"prefix": ""}}]}}`, msg: `Event pattern is not valid. Reason: Null prefix/suffix not allowed`},
	{name: "content_anything_but_string_list_null_type", pattern: `{"detail": {"state": [{"anything-but": ["stopped", null]}]}}`, msg: `Event pattern is not valid. Reason: Inside anything but list, start|null|boolean is not supported.`},
	{name: "not json", pattern: `this is valid json but not a dict`, msg: "Event pattern is not valid. Reason: Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"this is valid json but not a dict\"; line: 1, column: 5]", raw: "="},
	{name: "single quotes", pattern: `{'bad': 'quotation'}`, msg: "Event pattern is not valid. Reason: Unexpected character (''' (code 39)): was expecting double-quote to start field name\n at [Source: (String)\"{'bad': 'quotation'}\"; line: 1, column: 2]", raw: "="},
	{name: "unclosed", pattern: `{"not": closed mark"`, msg: "Event pattern is not valid. Reason: Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')\n at [Source: (String)\"{\"not\": closed mark\"\"; line: 1, column: 15]", raw: "="},
	{name: "array", pattern: `["not", "a", "dict", "but valid json"]`, msg: "Event pattern is not valid. Reason: Filter is not an object\n at [Source: (String)\"[\"not\", \"a\", \"dict\", \"but valid json\"]\"; line: 1, column: 2]", raw: "="},
}

type patternCase struct {
	name, pattern, msg string
	raw                string // "" when not recorded, "=" when it is msg
	rawBug             string // why the server's whole message differs from raw
}

// jacksonAt stands for a Jackson location line in a raw message,
// "\n at [Source: (String)"<pattern>"; line: 1, column: N]"; rawMessage
// expands it.
func jacksonAt(col int) string { return "\x00" + strconv.Itoa(col) }

func rawMessage(p patternCase) string {
	if p.raw == "=" {
		return p.msg
	}
	out := p.msg
	for _, col := range strings.Split(p.raw, "\x00")[1:] {
		out += "\n at [Source: (String)\"" + p.pattern + "\"; line: 1, column: " + col + "]"
	}
	return out
}

// checkPatternError checks an InvalidEventPatternException: its first
// line exactly as recorded in aws-error-samples.txt, then (in a subtest)
// the whole message where AWS's whole message is known.
func checkPatternError(t *testing.T, err error, p patternCase) {
	t.Helper()
	if !wantCode(t, err, "InvalidEventPatternException") {
		return
	}
	var ae smithy.APIError
	errors.As(err, &ae)
	got := ae.ErrorMessage()
	first, _, _ := strings.Cut(got, "\n")
	wantFirst, _, _ := strings.Cut(p.msg, "\n")
	if first != wantFirst {
		t.Errorf("message:\n got: %q\nwant: %q", got, p.msg)
	}
	if p.raw == "" {
		return
	}
	t.Run("whole message", func(t *testing.T) {
		if p.rawBug != "" {
			bug(t, "InvalidEventPatternException location: "+p.rawBug)
		}
		if want := rawMessage(p); got != want {
			t.Errorf("message:\n got: %q\nwant: %q", got, want)
		}
	})
}

func TestPutRuleErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("custom")
	long := strings.Repeat("r", 65)
	cases := []struct {
		name      string
		in        eventbridge.PutRuleInput
		code, msg string
	}{
		{"neither pattern nor schedule", eventbridge.PutRuleInput{Name: aws.String("r")},
			"ValidationException", "Parameter(s) EventPattern or ScheduleExpression must be specified."},
		{"schedule on a custom bus", eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("custom"), ScheduleExpression: aws.String("rate(1 minute)")},
			"ValidationException", "ScheduleExpression is supported only on the default event bus."},
		{"invalid schedule", eventbridge.PutRuleInput{Name: aws.String("r"), ScheduleExpression: aws.String("cron(INVALID)")},
			"ValidationException", scheduleNotValid},
		{"unknown bus", eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String("nope"), EventPattern: aws.String(`{"source":["a"]}`)},
			"ResourceNotFoundException", notFoundBus("nope")},
		{"unknown bus by ARN", eventbridge.PutRuleInput{Name: aws.String("r"), EventBusName: aws.String(e.busArn("nope")), EventPattern: aws.String(`{"source":["a"]}`)},
			"ResourceNotFoundException", notFoundBus("nope")},
		{"invalid name", eventbridge.PutRuleInput{Name: aws.String("bad name"), EventPattern: aws.String(`{"source":["a"]}`)},
			"ValidationException", validation1("bad name", "name", ruleNamePattern)},
		{"name too long", eventbridge.PutRuleInput{Name: aws.String(long), EventPattern: aws.String(`{"source":["a"]}`)},
			"ValidationException", validation1(long, "name", "Member must have length less than or equal to 64")},
		{"invalid state", eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(`{"source":["a"]}`), State: "PAUSED"},
			"ValidationException", validation1("PAUSED", "state", "Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := e.eb.PutRule(c, &in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	for _, p := range invalidPatterns {
		t.Run("pattern "+p.name, func(t *testing.T) {
			_, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("r"), EventPattern: aws.String(p.pattern)})
			checkPatternError(t, err, p)
		})
	}
	// None of the refused rules exists.
	if names := e.ruleNames("", ""); len(names) != 0 {
		t.Errorf("rules after refused PutRule calls: %v", names)
	}
}

// Schedule expressions AWS accepts and refuses (AWS-validated LocalStack
// tests test_events_schedule.py: TestScheduleRate, TestScheduleCron).
func TestScheduleExpressions(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	valid := []string{
		"rate(1 minute)", "rate(5 minutes)", "rate(1 hour)", "rate(2 hours)", "rate(1 day)", "rate(7 days)",
		"cron(0 2 ? * SAT *)", "cron(0 12 * * ? *)", "cron(5,35 14 * * ? *)", "cron(15 10 ? * 6L 2002-2005)",
		"cron(0 2 ? * SAT#3 *)", "cron(* * ? * SAT#3 *)", "cron(0/5 5 ? JAN 1-5 2022)", "cron(0 10 * * ? *)",
		"cron(15 12 * * ? *)", "cron(0 18 ? * MON-FRI *)", "cron(0 8 1 * ? *)", "cron(0/15 * * * ? *)",
		"cron(0/10 * ? * MON-FRI *)", "cron(0/5 8-17 ? * MON-FRI *)", "cron(0/30 20-23 ? * MON-FRI *)", "cron(0/30 0-2 ? * MON-FRI *)",
	}
	for i, expr := range valid {
		t.Run("valid "+expr, func(t *testing.T) {
			name := "valid-" + string(rune('a'+i))
			must(e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String(name), ScheduleExpression: aws.String(expr)})).of(t)
			d := must(e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String(name)})).of(t)
			if aws.ToString(d.ScheduleExpression) != expr {
				t.Errorf("ScheduleExpression %q, want %q", aws.ToString(d.ScheduleExpression), expr)
			}
		})
	}
	invalid := []string{
		"rate(10 seconds)", "rate(10 years)", "rate(1 minutes)", "rate(1 hours)",
		"rate(1 days)", "rate(10 minute)", "rate(10 hour)", "rate(10 day)",
		"rate()", "rate(10)", "rate(10 minutess)", "rate(foo minutes)",
		"rate(0 minutes)", "rate(-10 minutes)", "rate(10 MINUTES)",
		"rate( 10 minutes )", " rate(10 minutes)",
		"cron(0 1 * * * *)", "cron(7 20 * * NOT *)", "cron(INVALID)",
		"cron(0 dummy ? * MON-FRI *)", "cron(71 8 1 * ? *)",
	}
	for _, expr := range invalid {
		t.Run("invalid "+expr, func(t *testing.T) {
			_, err := e.eb.PutRule(c, &eventbridge.PutRuleInput{Name: aws.String("invalid"), ScheduleExpression: aws.String(expr)})
			wantErr(t, err, "ValidationException", scheduleNotValid)
		})
	}
}

func TestRuleAndTargetErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("shop")
	e.mustRule("", "has-targets", `{"source":["a"]}`)
	e.mustTargets("", "has-targets", sqsTarget("t", "q"))
	e.mustRule("", "empty", `{"source":["a"]}`)
	e.mustRule("", "force-me", `{"source":["a"]}`)
	e.mustTargets("", "force-me", sqsTarget("t", "q"))
	e.mustRule("", "lenient", `{"source":["a"]}`)
	e.mustRule("shop", "on-shop", `{"source":["a"]}`)
	longID := strings.Repeat("i", 79)
	qarn := "arn:aws:sqs:us-east-1:" + testAccount + ":q"
	putTargets := func(rule, bus string, targets ...ebtypes.Target) func() error {
		return func() error {
			_, err := e.eb.PutTargets(c, &eventbridge.PutTargetsInput{Rule: aws.String(rule), EventBusName: optStr(bus), Targets: targets}, noRetry)
			return err
		}
	}
	seven := make([]ebtypes.Target, 7)
	for i := range seven {
		seven[i] = ebtypes.Target{Id: aws.String("test-target-" + string(rune('0'+i))), Arn: aws.String(qarn)}
	}
	cases := []struct {
		name      string
		call      func() error
		code, msg string
		bug       string
	}{
		{name: "describe missing rule", call: func() error {
			_, err := e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("nope")})
			return err
		}, code: "ResourceNotFoundException", msg: notFoundRule("nope", "default")},
		{name: "describe missing rule on a custom bus", call: func() error {
			_, err := e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("nope"), EventBusName: aws.String("shop")})
			return err
		}, code: "ResourceNotFoundException", msg: notFoundRule("nope", "shop")},
		{name: "describe a default-bus rule on a custom bus", call: func() error {
			_, err := e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("empty"), EventBusName: aws.String("shop")})
			return err
		}, code: "ResourceNotFoundException", msg: notFoundRule("empty", "shop")},
		{name: "describe rule on a missing bus", call: func() error {
			_, err := e.eb.DescribeRule(c, &eventbridge.DescribeRuleInput{Name: aws.String("r"), EventBusName: aws.String("nope")})
			return err
		}, code: "ResourceNotFoundException"},
		{name: "enable missing rule", call: func() error {
			_, err := e.eb.EnableRule(c, &eventbridge.EnableRuleInput{Name: aws.String("nope")})
			return err
		}, code: "ResourceNotFoundException", msg: notFoundRule("nope", "default")},
		{name: "disable missing rule on a custom bus", call: func() error {
			_, err := e.eb.DisableRule(c, &eventbridge.DisableRuleInput{Name: aws.String("nope"), EventBusName: aws.String("shop")})
			return err
		}, code: "ResourceNotFoundException", msg: notFoundRule("nope", "shop")},
		{name: "list rules of a missing bus", call: func() error {
			_, err := e.eb.ListRules(c, &eventbridge.ListRulesInput{EventBusName: aws.String("nope")})
			return err
		}, code: "ResourceNotFoundException", msg: notFoundBus("nope")},
		{name: "delete rule with targets", call: func() error {
			_, err := e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("has-targets")})
			return err
		}, code: "ValidationException", msg: cannotDeleteTarget},
		{name: "delete rule on a missing custom bus", call: func() error {
			_, err := e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("r"), EventBusName: aws.String("nope")})
			return err
		}, code: "ResourceNotFoundException",
		// AWS API reference, DeleteRule: "When you call delete rule
		// for a non-existent custom eventbus,
		// ResourceNotFoundException is returned."
		},
		{name: "delete with Force a rule that is not managed and has targets", call: func() error {
			_, err := e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("force-me"), Force: true})
			return err
		}, code: "ValidationException", msg: cannotDeleteTarget,
		// Model documentation of DeleteRule.Force: "This parameter is
		// ignored for rules that are not managed rules."
		},
		{name: "put targets on a missing rule", call: putTargets("nope", "", sqsTarget("t", "q")),
			code: "ResourceNotFoundException", msg: notFoundRule("nope", "default")},
		{name: "put targets on a missing rule of a custom bus", call: putTargets("nope", "shop", sqsTarget("t", "q")),
			code: "ResourceNotFoundException", msg: notFoundRule("nope", "shop")},
		{name: "put targets on a missing bus", call: putTargets("r", "nope", sqsTarget("t", "q")),
			code: "ResourceNotFoundException"},
		{name: "target id with invalid characters", call: putTargets("empty", "", ebtypes.Target{Id: aws.String("!@#$@!#$"), Arn: aws.String(qarn), InputPath: aws.String("$.detail")}),
			code: "ValidationException", msg: `1 validation error detected: Value '!@#$@!#$' at 'targets.1.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+`},
		{name: "target id too long", call: putTargets("empty", "", ebtypes.Target{Id: aws.String(longID), Arn: aws.String(qarn), InputPath: aws.String("$.detail")}),
			code: "ValidationException", msg: validation1(longID, "targets.1.member.id", "Member must have length less than or equal to 64")},
		{name: "second target invalid", call: putTargets("empty", "", sqsTarget("ok", "q"), ebtypes.Target{Id: aws.String("bad id"), Arn: aws.String(qarn)}),
			code: "ValidationException", msg: validation1("bad id", "targets.2.member.id", ruleNamePattern)},
		{name: "MaximumRetryAttempts above 185", call: putTargets("empty", "", ebtypes.Target{Id: aws.String("t"), Arn: aws.String(qarn), RetryPolicy: &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(186)}}),
			code: "ValidationException", msg: validation1("186", "targets.1.member.retryPolicy.maximumRetryAttempts", "Member must have value less than or equal to 185")},
		{name: "MaximumRetryAttempts below 0", call: putTargets("empty", "", ebtypes.Target{Id: aws.String("t"), Arn: aws.String(qarn), RetryPolicy: &ebtypes.RetryPolicy{MaximumRetryAttempts: aws.Int32(-1)}}),
			code: "ValidationException", msg: validation1("-1", "targets.1.member.retryPolicy.maximumRetryAttempts", "Member must have value greater than or equal to 0")},
		{name: "MaximumEventAgeInSeconds below 60", call: putTargets("empty", "", ebtypes.Target{Id: aws.String("t"), Arn: aws.String(qarn), RetryPolicy: &ebtypes.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(59)}}),
			code: "ValidationException", msg: validation1("59", "targets.1.member.retryPolicy.maximumEventAgeInSeconds", "Member must have value greater than or equal to 60")},
		{name: "MaximumEventAgeInSeconds above 86400", call: putTargets("empty", "", ebtypes.Target{Id: aws.String("t"), Arn: aws.String(qarn), RetryPolicy: &ebtypes.RetryPolicy{MaximumEventAgeInSeconds: aws.Int32(86401)}}),
			code: "ValidationException", msg: validation1("86401", "targets.1.member.retryPolicy.maximumEventAgeInSeconds", "Member must have value less than or equal to 86400")},
		{name: "seven targets at once", call: putTargets("empty", "", seven...),
			code: "LimitExceededException", msg: limitExceeded},
		{name: "sixth target", call: putTargets("has-targets", "", seven[:5]...),
			code: "LimitExceededException", msg: limitExceeded},
		{name: "InputPath and InputTransformer together", call: putTargets("lenient", "", ebtypes.Target{Id: aws.String("t1"), Arn: aws.String(qarn), InputPath: aws.String("$.detail"),
			InputTransformer: &ebtypes.InputTransformer{InputPathsMap: map[string]string{"a": "$.detail.a"}, InputTemplate: aws.String(`"<a>"`)}}),
			code: "ValidationException", msg: "Only one of Input, InputPath, or InputTransformer must be provided for target t1."},
		{name: "InputTemplate with an undefined placeholder", call: putTargets("lenient", "", ebtypes.Target{Id: aws.String("t2"), Arn: aws.String(qarn),
			InputTransformer: &ebtypes.InputTransformer{
				InputPathsMap: map[string]string{"detail-type": "$.detail-type", "timestamp": "$.time", "command": "$.detail.command"},
				InputTemplate: aws.String(`"Event of <detail-type> type, with not defined key <notdefinedkey>"`),
			}}),
			code: "ValidationException", msg: "InputTemplate for target t2 contains invalid placeholder notdefinedkey."},
		{name: "remove targets of a missing rule", call: func() error {
			_, err := e.eb.RemoveTargets(c, &eventbridge.RemoveTargetsInput{Rule: aws.String("nope"), Ids: []string{"t"}})
			return err
		}, code: "ResourceNotFoundException", msg: notFoundRule("nope", "default")},
		{name: "list targets of a missing rule", call: func() error {
			_, err := e.eb.ListTargetsByRule(c, &eventbridge.ListTargetsByRuleInput{Rule: aws.String("nope"), EventBusName: aws.String("shop")})
			return err
		}, code: "ResourceNotFoundException", msg: notFoundRule("nope", "shop")},
		{name: "list rule names by target on a missing bus", call: func() error {
			_, err := e.eb.ListRuleNamesByTarget(c, &eventbridge.ListRuleNamesByTargetInput{TargetArn: aws.String(qarn), EventBusName: aws.String("nope")})
			return err
		}, code: "ResourceNotFoundException", msg: notFoundBus("nope")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.bug != "" {
				bug(t, tc.bug)
			}
			err := tc.call()
			if tc.msg == "" {
				wantCode(t, err, tc.code)
			} else {
				wantErr(t, err, tc.code, tc.msg)
			}
		})
	}
	// The refused calls changed nothing.
	if ids := e.targetIDs("", "empty"); len(ids) != 0 {
		t.Errorf("targets of 'empty' after refused PutTargets: %v", ids)
	}
	if ids := e.targetIDs("", "has-targets"); len(ids) != 1 {
		t.Errorf("targets of 'has-targets' after refused calls: %v", ids)
	}
}

func TestTestEventPatternErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	event := `{"id":"1","source":"test-source","detail-type":"test-detail-type","account":"123456789012","region":"us-east-2","time":"2022-07-13T13:48:01Z","detail":{}}`
	for _, p := range invalidPatterns {
		t.Run("pattern "+p.name, func(t *testing.T) {
			_, err := e.eb.TestEventPattern(c, &eventbridge.TestEventPatternInput{EventPattern: aws.String(p.pattern), Event: aws.String(event)})
			checkPatternError(t, err, p)
		})
	}
	pattern := `{"body": {"test2": [{"numeric": [">", 100]}]}}`
	for name, ev := range map[string]string{
		"plain string":             `plain string`,
		"JSON array":               `[{"id":"1","source":"s","detail-type":"t","account":"123456789012","region":"us-east-1","time":"2022-07-13T13:48:01Z"}]`,
		"missing mandatory fields": `{"id":"1","source":"s","body":{"test2":500}}`,
		"JSON string":              `"an event"`,
	} {
		t.Run("event "+name, func(t *testing.T) {
			_, err := e.eb.TestEventPattern(c, &eventbridge.TestEventPatternInput{EventPattern: aws.String(pattern), Event: aws.String(ev)})
			wantErr(t, err, "ValidationException", eventNotValid)
		})
	}
}

func TestTagErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("gone-bus")
	e.mustRule("gone-bus", "gone-rule", `{"source":["a"]}`)
	e.mustBus("kept-bus")
	e.mustRule("kept-bus", "deleted-rule", `{"source":["a"]}`)
	must(e.eb.DeleteRule(c, &eventbridge.DeleteRuleInput{Name: aws.String("deleted-rule"), EventBusName: aws.String("kept-bus")})).of(t)
	must(e.eb.DeleteEventBus(c, &eventbridge.DeleteEventBusInput{Name: aws.String("gone-bus")})).of(t)

	resources := []struct{ name, arn, msg string }{
		{"not existing rule", e.ruleArn("", "not-existing-resource-name"), notFoundRule("not-existing-resource-name", "default")},
		{"not existing event bus", e.busArn("not-existing-resource-name"), notFoundBus("not-existing-resource-name")},
		{"deleted rule", e.ruleArn("kept-bus", "deleted-rule"), notFoundRule("deleted-rule", "kept-bus")},
		{"deleted event bus", e.busArn("gone-bus"), notFoundBus("gone-bus")},
	}
	for _, r := range resources {
		t.Run(r.name, func(t *testing.T) {
			_, err := e.eb.TagResource(c, &eventbridge.TagResourceInput{ResourceARN: aws.String(r.arn), Tags: []ebtypes.Tag{newTag("k", "v")}})
			wantErr(t, err, "ResourceNotFoundException", r.msg)
			_, err = e.eb.ListTagsForResource(c, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(r.arn)})
			wantErr(t, err, "ResourceNotFoundException", r.msg)
			_, err = e.eb.UntagResource(c, &eventbridge.UntagResourceInput{ResourceARN: aws.String(r.arn), TagKeys: []string{"k"}})
			wantErr(t, err, "ResourceNotFoundException", r.msg)
		})
	}
	t.Run("not an EventBridge ARN", func(t *testing.T) {
		_, err := e.eb.ListTagsForResource(c, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String("arn:aws:sqs:us-east-1:" + testAccount + ":q")})
		wantCode(t, err, "ValidationException")
	})
	t.Run("the rule of a deleted bus", func(t *testing.T) {
		_, err := e.eb.ListTagsForResource(c, &eventbridge.ListTagsForResourceInput{ResourceARN: aws.String(e.ruleArn("gone-bus", "gone-rule"))})
		wantCode(t, err, "ResourceNotFoundException")
	})
}

func TestPermissionErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("custom")
	for _, bus := range []string{"", "custom"} {
		for _, withPolicy := range []bool{true, false} {
			name := map[bool]string{true: "with a policy", false: "without a policy"}[withPolicy] + " on " + map[string]string{"": "default", "custom": "custom"}[bus]
			t.Run("remove unknown statement "+name, func(t *testing.T) {
				if withPolicy {
					must(e.eb.PutPermission(c, &eventbridge.PutPermissionInput{EventBusName: optStr(bus), Action: aws.String("events:PutEvents"), Principal: aws.String(otherAccount), StatementId: aws.String("known")})).of(t)
					defer func() {
						must(e.eb.RemovePermission(c, &eventbridge.RemovePermissionInput{EventBusName: optStr(bus), RemoveAllPermissions: true})).of(t)
					}()
					if d := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: optStr(bus)})).of(t); d.Policy == nil {
						t.Fatal("PutPermission left no policy")
					}
				}
				_, err := e.eb.RemovePermission(c, &eventbridge.RemovePermissionInput{EventBusName: optStr(bus), StatementId: aws.String("non-existing-sid")})
				wantErr(t, err, "ResourceNotFoundException", "Statement with the provided id does not exist.")
			})
		}
	}
	t.Run("put permission on a missing bus", func(t *testing.T) {
		_, err := e.eb.PutPermission(c, &eventbridge.PutPermissionInput{EventBusName: aws.String("nope"), Action: aws.String("events:PutEvents"), Principal: aws.String(otherAccount), StatementId: aws.String("s")})
		wantErr(t, err, "ResourceNotFoundException", notFoundBus("nope"))
	})
	t.Run("remove permission on a missing bus", func(t *testing.T) {
		_, err := e.eb.RemovePermission(c, &eventbridge.RemovePermissionInput{EventBusName: aws.String("nope"), StatementId: aws.String("s")})
		wantErr(t, err, "ResourceNotFoundException", notFoundBus("nope"))
	})
	t.Run("invalid statement id", func(t *testing.T) {
		_, err := e.eb.PutPermission(c, &eventbridge.PutPermissionInput{Action: aws.String("events:PutEvents"), Principal: aws.String(otherAccount), StatementId: aws.String("bad id!")})
		wantErr(t, err, "ValidationException", validation1("bad id!", "statementId", "Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+"))
	})
}

// recordedDetail is the Detail of AWS's recorded PutEvents limit error.
const recordedDetail = `{"command": "update-account", "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"}}`

func recordedEntry(bus string) ebtypes.PutEventsRequestEntry {
	return ebtypes.PutEventsRequestEntry{
		Source: aws.String("core.update-account-command"), DetailType: aws.String("core.update-account-command"),
		Detail: aws.String(recordedDetail), EventBusName: aws.String(bus),
	}
}

// tooManyEntries is AWS's message for n copies of recordedEntry(bus).
func tooManyEntries(bus string, n int) string {
	one := "PutEventsRequestEntry(time=null, source=core.update-account-command, resources=null, detailType=core.update-account-command, detail=" +
		recordedDetail + ", eventBusName=" + bus + ", traceHeader=null, kmsKeyIdentifier=null, internalMetadata=null)"
	list := make([]string, n)
	for i := range list {
		list[i] = one
	}
	return "1 validation error detected: Value '[" + strings.Join(list, ", ") + "]' at 'entries' failed to satisfy constraint: Member must have length less than or equal to 10"
}

func TestPutEventsErrors(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	e.mustBus("custom")

	t.Run("entry errors", func(t *testing.T) {
		withDetail := func(d string) ebtypes.PutEventsRequestEntry {
			en := validEntry("")
			en.Detail = aws.String(d)
			return en
		}
		noSource, noType, noDetail := validEntry(""), validEntry(""), validEntry("")
		noSource.Source, noType.DetailType, noDetail.Detail = nil, nil, nil
		awsSource := validEntry("")
		awsSource.Source = aws.String("aws.s3")
		cases := []struct {
			name      string
			entry     ebtypes.PutEventsRequestEntry
			code, msg string
		}{
			{"without source", noSource, "InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."},
			{"without detail type", noType, "InvalidArgument", "Parameter DetailType is not valid. Reason: DetailType is a required argument."},
			{"without detail", noDetail, "InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument."},
			{"malformed detail: string", withDetail("plain string"), "MalformedDetail", "Detail is malformed."},
			{"malformed detail: array", withDetail(`["a", "b"]`), "MalformedDetail", "Detail is malformed."},
			{"malformed detail: malformed JSON", withDetail(`{"a": `), "MalformedDetail", "Detail is malformed."},
			{"malformed detail: serialized string", withDetail(`"{\"a\": 1}"`), "MalformedDetail", "Detail is malformed."},
			{"aws source", awsSource, "NotAuthorizedForSourceException", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				out := must(e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{tc.entry}})).of(t)
				if out.FailedEntryCount != 1 || len(out.Entries) != 1 {
					t.Fatalf("FailedEntryCount %d, %d entries", out.FailedEntryCount, len(out.Entries))
				}
				r := out.Entries[0]
				if aws.ToString(r.ErrorCode) != tc.code || (tc.msg != "" && aws.ToString(r.ErrorMessage) != tc.msg) || r.EventId != nil {
					t.Errorf("entry result: code %q message %q id %v\nwant code %q message %q", aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage), aws.ToString(r.EventId), tc.code, tc.msg)
				}
				if r.ErrorMessage == nil || *r.ErrorMessage == "" {
					t.Errorf("no ErrorMessage")
				}
			})
		}
	})

	t.Run("failed entries are counted and the others accepted", func(t *testing.T) {
		bad := validEntry("")
		bad.Detail = aws.String("nope")
		noSource := validEntry("custom")
		noSource.Source = nil
		out := must(e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{
			validEntry(""), bad, validEntry("custom"), noSource, validEntry(e.busArn("custom")),
		}})).of(t)
		if out.FailedEntryCount != 2 || len(out.Entries) != 5 {
			t.Fatalf("FailedEntryCount %d, %d entries", out.FailedEntryCount, len(out.Entries))
		}
		for i, r := range out.Entries {
			failed := i == 1 || i == 3
			if failed != (r.ErrorCode != nil) || failed == (r.EventId != nil) {
				t.Errorf("entry %d: %+v", i, r)
			}
		}
		if aws.ToString(out.Entries[1].ErrorCode) != "MalformedDetail" || aws.ToString(out.Entries[3].ErrorCode) != "InvalidArgument" {
			t.Errorf("error codes %q %q", aws.ToString(out.Entries[1].ErrorCode), aws.ToString(out.Entries[3].ErrorCode))
		}
	})

	t.Run("more than ten entries", func(t *testing.T) {
		for _, bus := range []string{"custom", "default"} {
			entries := make([]ebtypes.PutEventsRequestEntry, 11)
			for i := range entries {
				entries[i] = recordedEntry(bus)
			}
			_, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: entries})
			wantErr(t, err, "ValidationException", tooManyEntries(bus, 11))
		}
		entries := make([]ebtypes.PutEventsRequestEntry, 10)
		for i := range entries {
			entries[i] = recordedEntry("custom")
		}
		out := must(e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: entries})).of(t)
		if out.FailedEntryCount != 0 || len(out.Entries) != 10 {
			t.Errorf("ten entries: %d failed of %d", out.FailedEntryCount, len(out.Entries))
		}
	})

	t.Run("no entries", func(t *testing.T) {
		_, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{}})
		wantCode(t, err, "ValidationException")
	})

	t.Run("invalid event bus name in an entry", func(t *testing.T) {
		_, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{validEntry(""), validEntry("bad bus!")}})
		wantErr(t, err, "ValidationException", validation1("bad bus!", "entries.2.member.eventBusName", busNameOrArnEntry))
	})

	t.Run("total size over the limit", func(t *testing.T) {
		big := validEntry("")
		big.Detail = aws.String(`{"data":"` + strings.Repeat("x", 1<<20) + `"}`)
		_, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{big}})
		wantErr(t, err, "ValidationException", "Total size of the entries in the request is over the limit.")
		// Split over several entries, the total still counts.
		half := validEntry("")
		half.Detail = aws.String(`{"data":"` + strings.Repeat("y", 600<<10) + `"}`)
		_, err = e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{half, half}})
		wantErr(t, err, "ValidationException", "Total size of the entries in the request is over the limit.")
		// One of them alone is fine.
		out := must(e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{half}})).of(t)
		if out.FailedEntryCount != 0 {
			t.Errorf("600 KiB entry: %+v", out.Entries)
		}
	})

	t.Run("unknown event bus", func(t *testing.T) {
		// The bus really does not exist (recorded against AWS).
		_, err := e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{Name: aws.String("event-bus-nope")})
		wantErr(t, err, "ResourceNotFoundException", notFoundBus("event-bus-nope"))

		// Recorded against AWS (LocalStack test_put_events_nonexistent_event_bus,
		// markers.aws.validated): an entry for a bus that does not exist
		// gets an EventId like the others, FailedEntryCount is 0, and the
		// other entries are delivered.
		out, err := e.eb.PutEvents(c, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{validEntry(""), validEntry("event-bus-nope")}})
		if err != nil {
			t.Fatalf("PutEvents: %v", err)
		}
		if out.FailedEntryCount != 0 || len(out.Entries) != 2 || out.Entries[0].EventId == nil || out.Entries[1].EventId == nil {
			t.Errorf("PutEvents result %+v", out.Entries)
		}
	})
}

// Operations of the EventBridge model that Switchyard does not implement
// yet answer an AWS-shaped error, and the server keeps serving.
func TestUnimplementedOperations(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := ctx(t)
	calls := map[string]func() error{
		"ListEndpoints": func() error {
			_, err := e.eb.ListEndpoints(c, &eventbridge.ListEndpointsInput{})
			return err
		},
	}
	for op, call := range calls {
		t.Run(op, func(t *testing.T) {
			wantErr(t, call(), "OperationDisabledException", "The operation "+op+" is not available in Switchyard yet.")
		})
	}
	d := must(e.eb.DescribeEventBus(c, &eventbridge.DescribeEventBusInput{})).of(t)
	if aws.ToString(d.Name) != "default" {
		t.Errorf("server after unimplemented calls: %+v", d)
	}
}
