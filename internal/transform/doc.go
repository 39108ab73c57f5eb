// Package transform applies an EventBridge target's input configuration
// (Target.Input, Target.InputPath or Target.InputTransformer) to a matched
// event, producing what the target receives: for a queue target, the
// message body.
//
// Compile checks a configuration at PutTargets time and returns a
// *ValidationError with AWS's ValidationException message when EventBridge
// would refuse it; the resulting Transformer's Apply runs once per matched
// target per event. Templates are split into literal segments and slots
// when compiled, and all the paths a target reads are merged into one tree
// scanned once over the raw event bytes, so Apply decodes nothing it does
// not need. JSON is read with internal/pattern/jsonscan, and malformed
// Input is located with internal/pattern's Jackson conventions.
//
// # Sources
//
// The specification is the EventBridge user guide ("Amazon EventBridge
// input transformation", its "Predefined variables" and "Common issues"
// sections, and the input transformer tutorial), the API reference
// (PutTargets, Target, InputTransformer) and the EventBridge Pipes guide
// ("Amazon EventBridge Pipes input transformation", whose "Common issues"
// spell out the quoting rules the rule targets share). Where the
// documentation is silent, behaviour recorded against AWS decides: the
// AWS-validated snapshots of LocalStack's tests
// (tests/aws/services/events/test_events_inputs.snapshot.json) and
// error messages users recorded against AWS in public issues.
//
// # Behaviour
//
// No configuration: the target receives the event itself.
//
// Input: the constant text is sent as it is. It must be one JSON value;
// otherwise PutTargets fails with "JSON syntax error in input for target
// <id>: [Source: (String)"<input>"; line: L, column: C]", the location
// computed as Jackson's parser reports it (message recorded against AWS in
// aws/aws-cli#6711: Input env:dev gives column 4).
//
// InputPath: the selected value is sent as minified JSON, so a string
// keeps its quotes (recorded: $.detail.payload.sf_id delivers "baz" with
// the quotes). Paths: $, dot notation, bracket-quoted names, array
// indexes (negative ones count from the end, as Jayway JsonPath does) and
// wildcards (.* and [*], which select an array of every match, empty when
// nothing matches, as in Jayway). Deep scan, filters, slices, unions and
// functions are refused at PutTargets as unsupported.
//
// InputTransformer: InputPathsMap names up to 100 values of the event;
// InputTemplate (1 to 8192 characters) uses them as <name>, together with
// the reserved <aws.events.rule-arn>, <aws.events.rule-name>,
// <aws.events.event.ingestion-time>, <aws.events.event> and
// <aws.events.event.json>. A placeholder that is neither defined nor
// reserved is refused: "InputTemplate for target <id> contains invalid
// placeholder <name>." (recorded). Using InputPath or Input together with
// a transformer is refused: "Only one of Input, InputPath, or
// InputTransformer must be provided for target <id>." (recorded). Keys
// must match [A-Za-z0-9\_\-]+, which is also why no key can take a
// reserved name (they all contain dots): on the wire awsapi's generated
// validation refuses such maps with AWS's recorded message, Compile repeats
// the model constraints for callers that bypass the API.
//
// How a value is inserted depends on where its placeholder stands:
//
//   - A template that is JSON (an object, an array or a string literal,
//     once each unquoted placeholder stands for a value) is filled as JSON.
//     An unquoted placeholder receives the value's JSON: a string with its
//     quotes ("Quotes are not required for variables that represent
//     strings ... EventBridge automatically adds quotes", user guide and
//     Pipes guide; recorded: {"detailType": <detail-type>} delivers
//     {"detailType": "core.update-account-command"}), an object, array,
//     number, boolean or null as is. A placeholder inside a string literal
//     receives the value as text: a string without its quotes, escaped as
//     in the event so the literal stays valid JSON; an object or array
//     minified with every quote mark removed ("If a JSON path references a
//     JSON object or array, but the variable is referenced in a string,
//     EventBridge removes any internal quotes to ensure a valid string",
//     Pipes guide; {"key": "value"} reads {key:value}).
//   - The output of a JSON template is minified ("The JSON that is passed
//     to the target is minified", user guide, "Common issues"): white space
//     between tokens is dropped, string literals are kept as written.
//   - A template that is a JSON string literal is delivered with its quotes
//     (recorded: "Event of <detail-type> type ..." delivers
//     "Event of core.update-account-command type ..." quotes included;
//     aws/aws-cdk#5924 reports the quotes arriving in SNS emails).
//   - Any other template is text: every value goes in as unescaped text,
//     objects and arrays without their quote marks, and the rest of the
//     template is kept as written, line breaks included (the user guide
//     tutorial's template "The EC2 instance <instance> has changed state to
//     <state>." delivers "The EC2 instance i-1234567890abcdef0 has changed
//     state to stopped.").
//   - A path that selects nothing gives an empty string: nothing inside a
//     string or a text template (recorded: "... from detail <command>"
//     delivers "... from detail "), and "" where a JSON value stands
//     (recorded: {"command": <command>} delivers {"command": ""}). The user
//     guide words it "that variable isn't created".
//   - <aws.events.event> is the event without detail, its members in the
//     order AWS writes them (id, account, detailType, time, source, region,
//     resources, version: recorded), detail-type renamed detailType and
//     time the ingestion time; <aws.events.event.json> is the whole event,
//     minified. Both go in as raw JSON wherever they stand ("as its
//     contents are not escaped"), so they belong where a JSON value goes.
//   - <aws.events.rule-arn>, <aws.events.rule-name> and
//     <aws.events.event.ingestion-time> are strings (recorded in a string
//     template); the ingestion time is ISO 8601 in UTC to the second.
//
// # Uncertain
//
// These were not found recorded and follow the most plausible reading:
//
//   - An InputPath that selects nothing: Apply returns ErrNothingSelected
//     and the target is not invoked (LocalStack, which mirrors AWS in its
//     other recorded cases, sends nothing: "No event to send to target").
//   - A null value: null as JSON, "null" as text, like Jackson's NullNode;
//     LocalStack sends "" but treats every falsy value alike, a known
//     difference (booleans were fixed after an AWS recording).
//   - A string value holding quotes or control characters inside a JSON
//     string literal: kept escaped as the event has it, so the output stays
//     valid JSON. The user guide says "EventBridge doesn't escape values
//     extracted by Input Path", which this reads as "inserts them as they
//     are written in the event".
//   - Numbers are copied as written in the event; Jackson would re-print
//     floating-point numbers (1e2 as 100.0).
//   - The exact text for an invalid InputPath or InputPathsMap path, and
//     whether AWS checks paths at all ("There is no validation when
//     creating JSON path for your template"): Compile refuses malformed and
//     unsupported paths with Switchyard's own wording.
//   - An empty Input or one with text after the JSON value: refused
//     (Jackson's tree reader would accept both).
//   - Escape sequences typed in a text template (a backslash and n) are
//     kept as typed; LocalStack turns \n into a line break, unexplained.
//   - The time member of <aws.events.event>: the recording shows only that
//     it is the ingestion time, not its format.
//   - Repeated member names in an event: the last one wins for single
//     values, as in Jackson; wildcard lists keep every occurrence.
//   - CloudWatch Logs targets, which need a JSON object with timestamp and
//     message ("Input for target <id> is not a valid JSON text.", reported
//     in awsdocs/aws-cloudformation-user-guide#1010), are the target's
//     business, not this package's.
package transform
