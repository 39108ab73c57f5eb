// Package pattern implements Amazon EventBridge event patterns: parsing and
// validating them with EventBridge's own error messages, matching events
// against one pattern, and matching events against many patterns at once.
//
// A pattern is parsed with Parse, which returns an *Error carrying
// EventBridge's reason ("Event pattern is not valid. Reason: ...") when
// EventBridge would refuse it. The semantics are EventBridge's, as its user
// guide describes them ("Event patterns", "Content filtering", "Arrays in
// event patterns"): fields are ANDed and the values listed for a field are
// ORed; an array in the event matches when any element matches; null, a
// missing field and an empty array are three different things; dotted keys
// equal nested keys; a JSON string inside an event is never parsed; and all
// the fields of one pattern must be satisfied within the same element of
// any array of objects they share (array-consistent matching).
//
// A Matcher holds the patterns of all the rules on one event bus. Each
// pattern alternative is filed under one selective field in per-path hash
// indexes; an event is scanned once, reading only the paths some rule
// mentions, and only rules whose selective field matched are checked in
// full. Matching cost therefore follows the event's size and the number of
// nearly-matching rules, not the number of rules.
//
// Explain answers "why did (or didn't) this rule match?", and
// TestEventPattern implements the TestEventPattern API's semantics.
//
// The package depends only on the standard library and on its subpackage
// jsonscan, the JSON tokeniser events and patterns are read with.
package pattern
