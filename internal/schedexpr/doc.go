// Package schedexpr parses EventBridge ScheduleExpressions (the
// ScheduleExpression of PutRule) and computes their fire times.
//
// Parse accepts exactly the rate(...) and cron(...) expressions that
// EventBridge accepts, as far as the sources below establish it, and returns
// an error wrapping ErrInvalid for anything else; the server answers that
// error with ValidationException "Parameter ScheduleExpression is not
// valid.". Schedule.Next and Schedule.NextFrom return fire times; all times
// are UTC and fire times fall on whole minutes, EventBridge's precision.
// The package depends only on the standard library; internal/scheduler
// fires the rules whose expressions it parses.
//
// # Rate expressions
//
//	rate(value unit)
//
// value is a positive decimal integer (leading zeros are read as decimal;
// at most 2147483647, the Java int range, which is our assumption); unit is
// minute, minutes, hour, hours, day or days, in lower case, singular exactly
// when value is 1. Exactly one space separates them and nothing else is
// allowed inside or around the parentheses: rate(1 minutes), rate(10 minute),
// rate(10 MINUTES), rate( 10 minutes ), " rate(10 minutes)", rate(10),
// rate(0 minutes), rate(-10 minutes), rate(10 seconds), rate(10 years) are
// all invalid.
//
// A rate schedule starts when the rule is created (the user guide: "A rate
// expression starts when you create the scheduled event rule") and runs to
// the minute ("the minimum precision for schedules is 1 minute ... triggered
// within that minute, but not on the precise 0th second"). So a rule created
// or enabled at time T fires at A + k*period, k = 1, 2, ..., where A is T
// truncated to its UTC minute: rate(1 day) created at 14:23:45 fires at
// 14:23 every day, the first time a day later. NextFrom takes that anchor
// explicitly; Next(t) uses t itself as the anchor (a rule created at t). The
// server should pass the rule's creation (or latest enable) time to NextFrom.
//
// # Cron expressions
//
//	cron(minutes hours day-of-month month day-of-week year)
//
// Exactly six fields, separated by runs of spaces or tabs, with nothing
// before the first field or after the last inside the parentheses; "cron("
// itself is lower case. Inside the parentheses letters are case-insensitive
// (mon, Mon and MON; l, lw, 15w). The fields:
//
//	minutes       0-59                  , - * /
//	hours         0-23                  , - * /
//	day-of-month  1-31                  , - * / ? L W
//	month         1-12 or JAN-DEC       , - * /
//	day-of-week   1-7 or SUN-SAT        , - * / ? L #    (1 = Sunday)
//	year          1970-2199             , - * /
//
// A field is a comma-separated list of items; an item is * (every value), v,
// a-b (a range), */n, v/n (v, v+n, ... up to the field's maximum) or a-b/n.
// Names are the three-letter English abbreviations; they stand for a value
// or for both ends of a range (MON-FRI, not MON-5), but take no increment
// (JAN/3, JAN-DEC/3 and MON/2 are invalid: Quartz reads them but silently
// drops the increment, so their meaning on AWS is doubtful; write 1/3,
// 1-12/3, 2/2). Values may have leading zeros. The increment
// n must be at least 1 and at most 59 (minutes), 23 (hours), 31
// (day-of-month), 12 (month) or 7 (day-of-week), so cron(*/60 * * * ? *) is
// invalid. A range whose end is below its start wraps around the field:
// hours 22-2 is 22,23,0,1,2; FRI-MON is Friday to Monday; NOV-FEB; day 28-3
// is 28..31,1..3; the increment counts across the wrap (22-2/2 is 22,0,2).
// A reversed year range is invalid. Empty list items are ignored (0/5, is
// 0/5), but a field needs at least one item.
//
// Day-of-month and day-of-week: exactly one of them must be ?, alone (both
// specified, as in cron(0 1 * * * *), and both ? are invalid). Besides
// lists, day-of-month may be exactly one of
//
//	L      the last day of the month
//	L-n    n days before the last day (0 <= n <= 30); no fire in a month
//	       shorter than n+1 days
//	LW     the last weekday (Monday to Friday) of the month
//	L-nW   the weekday nearest to the day n before the last day
//	nW     the weekday nearest to day n (1 <= n <= 31)
//
// "Nearest weekday" never leaves the month: a Saturday moves back to Friday,
// or on to Monday the 3rd if it is the 1st; a Sunday moves on to Monday, or
// back to Friday if it is the last day. nW does not fire in a month that has
// no day n (31W fires in no 30-day month, 30W in no February), just as the
// plain value n does not.
//
// Besides lists, day-of-week may be exactly one of
//
//	L      Saturday (the last day of the week), like 7
//	dL     the last day d of the month (6L, FRIL: the last Friday)
//	d#k    the k-th day d of the month, 1 <= k <= 5 (2#1, MON#1: the first
//	       Monday); no fire in a month without a k-th day d
//
// L, LW, L-n, nW, dL and d#k cannot be combined with other items (3#1,6#3
// is invalid). Everything else is invalid: other characters, values out of
// range (cron(71 8 1 * ? *)), names in the wrong field (cron(0 dummy ? *
// MON-FRI *), cron(7 20 * * NOT *)), fewer or more than six fields,
// cron(), cron(INVALID), an empty expression, and at(...) (an EventBridge
// Scheduler expression, not accepted for rules).
//
// # Sources and decisions
//
// The specification is the EventBridge User Guide: "Cron expressions
// reference" (eb-cron-expressions.html), "Rate expressions reference"
// (eb-rate-expressions.html) and "Setting a schedule pattern for scheduled
// rules (legacy)" (eb-scheduled-rule-pattern.html), and its predecessor, the
// CloudWatch Events "Schedule Expressions for Rules" (ScheduledEvents.html).
// Its syntax, wildcards, 1970-2199 year range and wording are those of the
// Quartz scheduler's CronTrigger tutorial, and EventBridge behaves as
// Quartz's CronExpression does where the guide is silent; so this package
// follows the guide, then cases validated against AWS, then Quartz:
//
//   - Every invalid expression listed above (rate and cron) and the valid
//     ones in the tests come from LocalStack's tests of PutRule marked
//     aws.validated (tests/aws/services/events/test_events_schedule.py),
//     e.g. the valid cron(0 2 ? * SAT#3 *), cron(0/5 5 ? JAN 1-5 2022),
//     cron(5,35 14 * * ? *), and from the user guide's examples.
//   - rate(3 minute) and rate(1 minutes) fail and rate(2 minutes) and
//     rate(1 minute) succeed with the aws CLI (buildkite/
//     buildkite-agent-scaler#100); so do the guide's rate(1 hours) and
//     rate(5 hour) examples.
//   - LW and case-insensitive names (mOn) work in the EventBridge console
//     (grumBit/aws_cron_expression_validator#18, which cites the Quartz
//     tutorial); Wed-Fri works in the console (beemhq/aws-cron-parser#7);
//     5L works (aws_cron_expression_validator#12); CDK stacks deploy
//     cron(0 0 LW * ? *). Quartz upper-cases the whole expression, hence
//     lower-case l, w and lw too.
//   - cron(*/60 * * * ? *) is rejected (aws/aws-sdk-js#4212), as by
//     Quartz's increment limits, which this package applies to every
//     increment.
//   - PutRule and the console accepted cron(0/5, 9-18, ?, *, MON-FRI, *)
//     (boto/boto3#2876, aws/aws-sdk#161): Quartz's tokenizer drops empty
//     list items; so does this package.
//   - '/' in day-of-week: the current table omits it, the CloudWatch Events
//     guide listed it (", - * ? / L"), and Quartz accepts it; accepted.
//   - L-n, L-nW and wrap-around ranges are Quartz features not mentioned by
//     the guide and not confirmed against AWS; accepted with Quartz's
//     meaning. 'W' and 'L' are accepted only in the forms Quartz documents
//     (Quartz itself half-parses e.g. 1W,15 or 1-5W and then ignores part of
//     it); such forms, and Quartz's tolerance of trailing garbage (MONDAY,
//     L-3 in day-of-week), are rejected here.
//   - The year range is the guide's 1970-2199. One third-party measurement
//     reports PutRule accepting cron(0 20 * * ? 2500), which Quartz would
//     also accept (it does not range-check years); this package keeps the
//     documented range until that is confirmed (see minYear, maxYear).
//   - Fields are separated by white space (the guide); runs of spaces and
//     tabs are accepted as by Quartz's tokenizer. White space just inside
//     cron( and ) is rejected, like " rate(10 minutes)" and
//     "rate( 10 minutes )" are.
//
// Quartz's own day computations for W are unreliable in short months (it
// rolls the calendar over); the rules above are the documented meaning.
package schedexpr
